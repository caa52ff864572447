import type { Redis } from "@upstash/redis/cloudflare";
import type { Turn } from "../../core/token-budget.js";
import { STORED_TURNS_MAX } from "../../limits.js";
import type { CommandBatch } from "./command-batch.js";
import type { ConversationKeys } from "./keys.js";
import { runScript, SCRIPTS } from "./lua.js";

/**
 * A stored turn: `at` when it was saved, `sentAt` when the user sent it (their turns; epoch ms), `by`
 * the pseudonym of who wrote it where several people share the conversation (a group), so an erasure
 * of that person finds their turns there.
 */
export type StoredTurn = Turn & {
  at: number;
  sentAt?: number;
  by?: string;
  /** An answer's message: a keyed hash of the id of the message it answers (a retry finds it here). */
  re?: string;
  /** An answer's keyed hash of what the message said (see SavedReply.about). */
  about?: string;
  /** An answer's: when the conversation's expiry was last set (epoch ms), carried from answer to answer. */
  exp?: number;
  /** An answer's: the name of the model version that gave it (the conversation stays on it: core/rollout.ts). */
  v?: string;
  /** An answer's: the language it was given in (the conversation's, until the user clearly writes another). */
  l?: string;
};

/** The language the conversation's last answer was given in, if it says. */
export const languageOfTurns = (turns: readonly StoredTurn[]) => lastSaid(turns, "l");

/** The model version the conversation's last model answer came from (a FAQ answer names none), if any. */
export const versionOf = (turns: readonly StoredTurn[]) => lastSaid(turns, "v");

/** What the latest turn that says `field` says of it. */
function lastSaid(turns: readonly StoredTurn[], field: "l" | "v"): string | undefined {
  return turns.findLast((t) => t[field] !== undefined)?.[field];
}

/** What begin saw of the stored conversation. */
export interface StoredState {
  /** Turns stored (at most STORED_TURNS_READ). */
  turns: number;
  /**
   * The chat's replies are written one after another (its inbox): no other turn of it can be saved
   * meanwhile, so a save that finds its list gone knows an erasure or /reset deleted it.
   */
  serialized?: boolean;
  /** When the conversation's expiry was last set, if its turns say. */
  expirySetAt?: number;
}

/**
 * Turns read: the STORED_TURNS_MAX kept, and a few more that a save may add before it trims the list
 * (once every few saves, not every time).
 */
const STORED_TURNS_READ = STORED_TURNS_MAX + 10;
/** A conversation's expiry is set again at most this often (so it ends between a day and its retention after the last turn). */
const EXPIRY_REFRESH_MS = 86_400_000;

/**
 * Chats known to have no summary, by database, and since when: a chat answered one reply after
 * another has its summaries written by its own inbox, in this isolate, which forgets the chat here
 * when it writes one; so its next message need not ask. Only the absence is kept, never a summary
 * (an erasure elsewhere could not take it back), and for SUMMARY_ABSENT_MS: a summary that came
 * another way (a group moved to its new id) is missed for that long at most.
 */
const noSummary = new WeakMap<object, { absent: Map<string, number>; changes: Map<string, number> }>();
const SUMMARY_ABSENT_MS = 600_000;
const NO_SUMMARY_MAX = 10_000;

/**
 * When a private chat's replies after `since` were saved: each saved question is one reply, a burst
 * answered together one.
 */
export function repliesSince(turns: readonly StoredTurn[], since: number): number[] {
  return turns.filter((t) => t.role === "user" && t.at > since).map((t) => t.at);
}

/** What older turns, fallen out of the prompt's window, said: written by the model in the background. */
export interface ConversationSummary {
  text: string;
  /** The summary covers every turn saved up to this time (epoch ms). */
  coversUntil: number;
}

/**
 * Wrapped in an object: the client decodes stored JSON, and a reply may itself look like JSON. `about`
 * is a keyed hash of what the message said, so a reused id with other content is told apart.
 */
export interface SavedReply {
  text: string;
  about?: string;
}

/** A question and its answer, to be saved (`chat`, `user`: pseudonyms). */
export interface TurnToSave {
  /** What begin saw (none: a new conversation). */
  stored?: StoredState;
  chat: string;
  user: string;
  /** The chat is shared (a group): the user's turn says who wrote it, and the chat is listed under them. */
  shared: boolean;
  messageId: string;
  question: { content: string; sentAt: number };
  answer: string;
  /** The model version that answered (its name). */
  version?: string;
  /** The language of the answer. */
  lang?: string;
  /** The reply kept for a retried message. */
  reply: SavedReply;
  /** When the turn began: an erasure after it keeps the turn from being saved. */
  startedAt: number;
}

/**
 * A conversation's turns, summary and saved replies in its region's Redis. Every method takes
 * pseudonyms (`chat`, `user`); index.ts makes them.
 */
export function conversationHistory(redis: Redis, names: ConversationKeys) {
  let memo = noSummary.get(redis);
  if (!memo) noSummary.set(redis, (memo = { absent: new Map(), changes: new Map() }));
  const { absent, changes } = memo;
  /** The chat's summary may have changed here (written, or cleared): what a read in flight saw is stale. */
  const changed = (chat: string) => {
    absent.delete(chat);
    if (changes.size >= NO_SUMMARY_MAX) changes.delete(changes.keys().next().value!);
    changes.set(chat, (changes.get(chat) ?? 0) + 1);
  };
  return {
    /**
     * The chat's recent turns, its summary and (`serialized`) what a /reset left of its rate limit,
     * queued in `batch`; for a message whose client chose its id (`idempotent`), also the reply kept
     * for that id. `serialized`: the chat's replies are written one after another here, so a summary
     * known absent is not asked for again. `firstInChat`: the chat's inbox has not answered it before,
     * so the summary and the /reset mark are asked for only if turns are found all the same (a group
     * moved to its new id, an inbox that has forgotten the chat's ids), in a round trip of their own.
     */
    read(
      batch: CommandBatch,
      chat: string,
      user: string,
      messageId: string,
      {
        serialized = false,
        idempotent = false,
        firstInChat = false,
        readAlong,
      }: {
        serialized?: boolean;
        idempotent?: boolean;
        firstInChat?: boolean;
        /** Reads keys with another command of the batch (the limiter's script), when it can. */
        readAlong?: ((keys: string[]) => Promise<unknown[]> | undefined) | undefined;
      } = {},
    ) {
      const turns = batch.add<StoredTurn[] | null>((p) => p.lrange(names.session(chat), -STORED_TURNS_READ, -1));
      const keptReply = idempotent
        ? batch.add<SavedReply | null>((p) => p.get(names.reply(user, messageId)))
        : Promise.resolve(null);
      const since = serialized ? absent.get(chat) : undefined;
      if (since !== undefined && Date.now() - since < SUMMARY_ABSENT_MS)
        return { turns, keptReply, summary: Promise.resolve(null), resetReplies: Promise.resolve([] as number[]) };
      const generation = changes.get(chat) ?? 0;
      type SummaryAndReset = [ConversationSummary | null, number[] | null];
      // Read along with the limiter's counters when its script runs (no command of their own); else,
      // for a chat's first message, only if turns are found (without them, a summary still kept is of
      // a conversation that has ended); else in the batch.
      const along = readAlong?.([names.summary(chat), names.resetMark(chat)]) as Promise<SummaryAndReset> | undefined;
      const both: Promise<SummaryAndReset> =
        along ??
        (firstInChat
          ? turns.then((found) =>
              found?.length ? redis.mget<SummaryAndReset>(names.summary(chat), names.resetMark(chat)) : [null, null],
            )
          : batch.add<SummaryAndReset>((p) => p.mget(names.summary(chat), names.resetMark(chat))));
      const summary = both.then(([found]) => found);
      if (serialized)
        void summary.then(
          (found) => {
            if (found || (changes.get(chat) ?? 0) !== generation) return void absent.delete(chat);
            if (absent.size >= NO_SUMMARY_MAX) absent.delete(absent.keys().next().value!);
            absent.set(chat, Date.now());
          },
          () => {},
        );
      const resetReplies = both.then(([, reset]) => reset ?? []);
      // (Awaited only where the limit is the chat's turns; a failure is the turns' and summary's to report.)
      resetReplies.catch(() => {});
      return { turns, keptReply, summary, resetReplies };
    },

    /** The reply saved with the answer to this message, if it was answered before (a retried delivery). */
    savedReply(turns: readonly StoredTurn[], messageId: string): SavedReply | undefined {
      const re = names.answerTo(messageId);
      const answer = turns.findLast((t) => t.role === "assistant" && t.re === re);
      return answer && { text: answer.content, ...(answer.about !== undefined ? { about: answer.about } : {}) };
    },

    state(turns: readonly StoredTurn[], serialized: boolean): StoredState {
      const expirySetAt = Math.max(...turns.map((t) => t.exp ?? 0));
      return {
        turns: turns.length,
        ...(serialized ? { serialized } : {}),
        ...(expirySetAt > 0 ? { expirySetAt } : {}),
      };
    },

    /**
     * Appends both turns, the answer carrying what a retry of the message needs, and keeps the
     * conversation within STORED_TURNS_MAX, not at all when the user was erased after the turn began.
     * A private chat's conversation that begin saw is appended to only while it exists (RPUSHX): an
     * erasure or /reset since deleted it, and nothing comes back, so a turn usually costs one command.
     * A new conversation, and a shared chat's (whose erasure takes one person's turns out and keeps the
     * list), are saved by a script that checks the erasure mark, atomically. Either way the list is
     * trimmed once every few saves and its expiry set again once a day (a new one's at once).
     */
    async save(turn: TurnToSave, ttlSeconds: number): Promise<void> {
      const at = Date.now();
      const asked: StoredTurn = {
        role: "user",
        content: turn.question.content,
        sentAt: turn.question.sentAt,
        at,
        ...(turn.shared ? { by: turn.user } : {}),
      };
      const { stored } = turn;
      const appendOnly = !turn.shared && stored !== undefined && stored.serialized === true && stored.turns > 0;
      // A conversation's expiry is set again once a day (a new one's always): its answers carry when.
      const refresh =
        stored === undefined ||
        stored.expirySetAt === undefined ||
        at - stored.expirySetAt >= Math.min(EXPIRY_REFRESH_MS, ttlSeconds * 100);
      const answered: StoredTurn = {
        role: "assistant",
        content: turn.answer,
        at,
        re: names.answerTo(turn.messageId),
        ...(turn.reply.about !== undefined ? { about: turn.reply.about } : {}),
        exp: refresh ? at : stored.expirySetAt!,
        ...(turn.version !== undefined ? { v: turn.version } : {}),
        ...(turn.lang !== undefined ? { l: turn.lang } : {}),
      };
      if (appendOnly) {
        const session = names.session(turn.chat);
        const p = redis.pipeline();
        p.rpushx(session, JSON.stringify(asked), JSON.stringify(answered));
        if (stored.turns + 2 > STORED_TURNS_READ) p.ltrim(session, -STORED_TURNS_MAX, -1);
        if (refresh) p.expire(session, ttlSeconds);
        await p.exec();
        return;
      }
      await runScript(
        redis,
        SCRIPTS.saveTurn,
        [
          names.erased(turn.user),
          names.session(turn.chat),
          names.chats(turn.user),
          names.reply(turn.user, turn.messageId),
        ],
        [
          turn.startedAt,
          ttlSeconds,
          STORED_TURNS_MAX,
          JSON.stringify(asked),
          JSON.stringify(answered),
          turn.shared ? turn.chat : "",
          // A client-chosen id (the HTTP API's Idempotency-Key) is honoured for the whole retention,
          // not only while its answer is among the last turns: its reply is kept under it too.
          turn.reply.about !== undefined ? JSON.stringify(turn.reply) : "",
          refresh ? "1" : "0",
          STORED_TURNS_READ,
        ],
      );
    },

    /**
     * Forgets the chat's turns and summary (/reset). The times of its replies still inside the rate
     * limit's window (`windowMs`) are kept beside it for that long, for a chat whose limit is its turns:
     * a /reset does not start the count again.
     */
    async clear(chat: string, windowMs = 0): Promise<void> {
      changed(chat);
      const now = Date.now();
      const recent =
        windowMs > 0
          ? repliesSince(await redis.lrange<StoredTurn>(names.session(chat), -STORED_TURNS_READ, -1), now - windowMs)
          : [];
      const tx = redis.multi();
      tx.del(names.session(chat), names.summary(chat));
      if (recent.length > 0) tx.set(names.resetMark(chat), JSON.stringify(recent), { px: windowMs });
      await tx.exec();
    },

    /** Keeps the summary, unless the chat (a private chat: its user) was erased after `startedAt`. */
    async saveSummary(chat: string, summary: ConversationSummary, ttlSeconds: number, startedAt: number) {
      changed(chat);
      await runScript(
        redis,
        SCRIPTS.writeUnlessErased,
        [names.summary(chat), names.erased(chat)],
        [startedAt, ttlSeconds, JSON.stringify(summary), "set"],
      );
    },

    /** The chat's stored turns, oldest first. */
    async turns(chat: string): Promise<StoredTurn[]> {
      return redis.lrange<StoredTurn>(names.session(chat), -STORED_TURNS_MAX, -1);
    },

    /** When the user last sent an answered message in this chat (the platform's time), if still kept. */
    async lastUserMessageAt(chat: string): Promise<number | undefined> {
      // Turns are saved in pairs, question then answer: the last two hold the latest question.
      const turns = await redis.lrange<StoredTurn>(names.session(chat), -2, -1);
      return turns.findLast((t) => t.role === "user")?.sentAt;
    },

    /** Keeps a reply the channel could not deliver, unless the user was erased after `startedAt`. */
    async recordUndelivered(user: string, entry: object, ttlSeconds: number, startedAt: number): Promise<void> {
      await runScript(
        redis,
        SCRIPTS.writeUnlessErased,
        [names.undelivered(user), names.erased(user)],
        [startedAt, ttlSeconds, JSON.stringify(entry), "push"],
      );
    },

    /** The chat became another (a group upgraded to a supergroup): its turns and summary move. */
    async move(from: string, to: string): Promise<void> {
      // RENAME fails on a missing key: move only what exists. The old chat receives nothing any more.
      const [session, summary] = await Promise.all([
        redis.exists(names.session(from)),
        redis.exists(names.summary(from)),
      ]);
      if (!session && !summary) return;
      const tx = redis.multi();
      if (session) tx.rename(names.session(from), names.session(to));
      if (summary) tx.rename(names.summary(from), names.summary(to));
      await tx.exec();
    },
  };
}
