import type { Redis } from "@upstash/redis/cloudflare";
import type { Turn } from "../../core/token-budget.js";
import { STORED_TURNS_MAX } from "../../limits.js";
import type { Pseudonyms } from "../../crypto.js";
import { CommandBatch } from "./command-batch.js";
import { eraseUnder, sumErased, type ErasedCounts } from "./erasure.js";
import {
  conversationHistory,
  repliesSince,
  versionOf,
  type ConversationSummary,
  type SavedReply,
  type StoredState,
  type StoredTurn,
} from "./history.js";
import { conversationKeys } from "./keys.js";
import { checkRateLimit, claimSlowDownNotice, type RateLimitOptions } from "./rate-limit.js";

export type { ErasedCounts } from "./erasure.js";
export type { ConversationSummary, StoredState, StoredTurn } from "./history.js";

export interface TurnStart {
  allowed: boolean;
  history: StoredTurn[];
  summary: ConversationSummary | null;
  /** A reply already computed for this message by an earlier attempt. */
  savedReply: string | null;
  /** The message id was answered before with other content (an API client reusing an idempotency key). */
  conflict: boolean;
  /** When the turn began (epoch ms): an erasure after it keeps this turn from being saved. */
  startedAt: number;
  /** What begin saw of the stored conversation, for save to write only what it must. */
  stored: StoredState;
}

/** A question and its answer, to be saved. */
export interface SavedTurn {
  chatKey: string;
  userKey: string;
  messageId: string;
  /** begin's `content`. */
  content?: string;
  question: { content: string; sentAt: number };
  answer: string;
  /** The model version that answered (its name; core/rollout.ts): the conversation stays on it. */
  version?: string;
  /** The language of the answer (core/language.ts): the conversation's, until the user writes another. */
  lang?: string;
  /** TurnStart.startedAt. */
  startedAt: number;
  /** TurnStart.stored (none: saved as a new conversation). */
  stored?: StoredState;
}

/**
 * A conversation's state in its region's database. A conversation belongs to a chat (`chatKey`: a
 * private chat, a group, a forum topic); the rate limit, saved replies and an erasure go by the
 * person (`userKey`). In a private chat the two are the same key. Its parts: history.ts (turns,
 * summary, saved replies), rate-limit.ts, erasure.ts, each with its Lua scripts beside it, and
 * command-batch.ts, which puts one message's reads in one round trip.
 */
export interface ConversationStore {
  /**
   * The user's rate-limit check, the chat's history and summary, and any saved reply, in one round
   * trip. `content`, for a message whose id its client chose, is what it says: a reply saved for
   * other content under that id is a conflict, not this message's reply.
   */
  begin(
    chatKey: string,
    userKey: string,
    messageId: string,
    content?: string,
    options?: { rateLimit?: boolean; serialized?: boolean; firstInChat?: boolean },
  ): Promise<TurnStart>;
  /**
   * Appends the turns to the chat's conversation and keeps the reply for a retried message to deliver
   * instead of asking the model again; both expire with the region's retention. In a shared chat the
   * user's turns carry their key, and the chat is listed under the user for their erasure. Atomic,
   * in one round trip; nothing is written when the user was erased after the turn began.
   */
  save(turn: SavedTurn, ttlSeconds: number): Promise<void>;
  /** Forgets a chat's conversation (/reset): its turns and its summary. */
  clear(chatKey: string): Promise<void>;
  /**
   * A reaction on message `reacted` of the chat: the model version (its name) the chat's conversation
   * is on, if one is under way, and whether it is the first reaction counted on that message (kept
   * for `ttlSeconds`). One round trip.
   */
  reactionOn(
    chatKey: string,
    reacted: string,
    ttlSeconds: number,
  ): Promise<{ version: string | undefined; first: boolean }>;
  /** Nothing is written when the chat (or its user) was erased after `startedAt`. */
  saveSummary(chatKey: string, summary: ConversationSummary, ttlSeconds: number, startedAt: number): Promise<void>;
  /** The chat's stored turns, oldest first (for a page reload). */
  history(chatKey: string): Promise<Array<Turn & { at: number }>>;
  /** When the user last sent a message in this chat that was answered (the platform's time), if still kept. */
  lastUserMessageAt(chatKey: string): Promise<number | undefined>;
  /** Keeps a reply the channel could not deliver (no free-text window, no template), for the retention period. */
  recordUndelivered(
    userKey: string,
    messageId: string,
    reply: string,
    ttlSeconds: number,
    startedAt: number,
  ): Promise<void>;
  /** The chat became another (a group upgraded to a supergroup): its conversation goes with it. */
  moveChat(from: string, to: string): Promise<void>;
  /**
   * Deletes every key of this user in this database, and their turns (with the replies to them) in
   * the shared chats they wrote in, and counts what was there.
   */
  erase(userKey: string): Promise<ErasedCounts>;
  /** True the first time in `cooldownSeconds` that this user is told to slow down. */
  claimSlowDownNotice(userKey: string, cooldownSeconds: number): Promise<boolean>;
}

/** Whether a limit can be read off a chat's stored turns: its window's replies are all among them. */
function limitFitsTurns(limit: RateLimitOptions): boolean {
  return limit.messages <= STORED_TURNS_MAX / 2;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
function windowMs(window: RateLimitOptions["window"]): number {
  const [, n, unit] = /^(\d+)\s*(ms|s|m|h|d)$/.exec(window)!;
  return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** The conversation store of one region's database; ids become keyed pseudonyms here, and only here. */
export function createConversationStore(redis: Redis, limit: RateLimitOptions, keys: Pseudonyms): ConversationStore {
  const names = conversationKeys(keys);
  const history = conversationHistory(redis, names);
  const withoutAuthor = ({ role, content, at }: StoredTurn) => ({ role, content, at });
  /** What a turn says the conversation needs: no author, but the model version an answer came from. */
  const forConversation = ({ role, content, at, v, l }: StoredTurn) => ({
    role,
    content,
    at,
    ...(v !== undefined ? { v } : {}),
    ...(l !== undefined ? { l } : {}),
  });

  // (Once per store, not per message.)
  const limitWindowMs = windowMs(limit.window);
  const turnsCanCount = limitFitsTurns(limit);

  return {
    async begin(
      chatKey,
      userKey,
      messageId,
      content,
      { rateLimit: counted = true, serialized = false, firstInChat = false } = {},
    ) {
      const startedAt = Date.now();
      const user = keys.of(userKey);
      const shared = chatKey !== userKey;
      // A chat answered one reply after another counts its user's replies in its own stored turns
      // (no command of its own); otherwise, or where the limit is more than the turns show, the
      // limiter's counters in Redis do.
      // (A group's members share its turns: theirs push each other's out, so a group keeps the limiter.)
      const fromTurns = serialized && !shared && turnsCanCount;
      const batch = new CommandBatch(redis);
      // A message held for capacity passed the limiter on its first try: it is not counted again.
      const limited = counted && !fromTurns;
      let rateLimit: ReturnType<typeof checkRateLimit> | undefined;
      const check = (along?: string[]) => (rateLimit = checkRateLimit(batch, user, limit, limitWindowMs, along));
      // The limiter's script reads the summary and the /reset mark with its counters, in one command.
      const read = history.read(batch, keys.of(chatKey), user, messageId, {
        serialized,
        idempotent: content !== undefined,
        firstInChat,
        readAlong: limited ? (along) => check(along).alongside : undefined,
      });
      if (limited && !rateLimit) check();
      batch.flush();
      const [counterAllows, stored, summary, resetReplies, keptReply] = await Promise.all([
        rateLimit?.allowed ?? true,
        read.turns,
        read.summary,
        fromTurns ? read.resetReplies : [],
        read.keptReply,
      ]);
      const turns = stored ?? [];
      const since = startedAt - limitWindowMs;
      const allowed =
        counted && fromTurns
          ? repliesSince(turns, since).length + resetReplies.filter((at) => at > since).length < limit.messages
          : counterAllows;
      const saved = keptReply ?? history.savedReply(turns, messageId);
      const conflict = content !== undefined && saved?.about !== undefined && saved.about !== names.about(content);
      return {
        allowed,
        history: turns.slice(-STORED_TURNS_MAX).map(forConversation),
        summary: summary ?? null,
        savedReply: conflict ? null : (saved?.text ?? null),
        conflict,
        startedAt,
        stored: history.state(turns, serialized),
      };
    },

    save({ chatKey, userKey, messageId, content, question, answer, version, lang, startedAt, stored }, ttlSeconds) {
      const reply: SavedReply =
        content === undefined ? { text: answer } : { text: answer, about: names.about(content) };
      return history.save(
        {
          chat: keys.of(chatKey),
          user: keys.of(userKey),
          shared: chatKey !== userKey,
          messageId,
          question,
          answer,
          ...(version !== undefined ? { version } : {}),
          ...(lang !== undefined ? { lang } : {}),
          reply,
          startedAt,
          ...(stored ? { stored } : {}),
        },
        ttlSeconds,
      );
    },

    reactionOn: async (chatKey, reacted, ttlSeconds) => {
      const chat = keys.of(chatKey);
      const p = redis.pipeline();
      p.lrange(names.session(chat), -6, -1);
      p.set(names.reaction(chat, reacted), 1, { nx: true, ex: ttlSeconds });
      const [turns, first] = (await p.exec()) as [StoredTurn[] | null, "OK" | null];
      return { version: versionOf(turns ?? []), first: first === "OK" };
    },

    // A chat whose limit is its turns keeps its replies' times in the window through the /reset.
    clear: (chatKey) => history.clear(keys.of(chatKey), turnsCanCount ? limitWindowMs : 0),

    // A private chat is its user's: their erasure counts as the chat's.
    saveSummary: (chatKey, summary, ttlSeconds, startedAt) =>
      history.saveSummary(keys.of(chatKey), summary, ttlSeconds, startedAt),

    history: async (chatKey) => (await history.turns(keys.of(chatKey))).map(withoutAuthor),

    lastUserMessageAt: (chatKey) => history.lastUserMessageAt(keys.of(chatKey)),

    recordUndelivered: (userKey, messageId, reply, ttlSeconds, startedAt) =>
      history.recordUndelivered(
        keys.of(userKey),
        { messageId: keys.of(messageId), text: reply, at: Date.now() },
        ttlSeconds,
        startedAt,
      ),

    moveChat: (from, to) => history.move(keys.of(from), keys.of(to)),

    async erase(userKey) {
      // While a key rotation is under way, what was written under the previous key goes too.
      const users = [keys.of(userKey), ...(keys.previous ? [keys.previous(userKey)] : [])];
      return sumErased(await Promise.all(users.map((user) => eraseUnder(redis, names, user))));
    },

    claimSlowDownNotice: (userKey, cooldownSeconds) =>
      claimSlowDownNotice(redis, names.notice(keys.of(userKey)), cooldownSeconds),
  };
}
