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
export type StoredTurn = Turn & { at: number; sentAt?: number; by?: string };

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
  chat: string;
  user: string;
  /** The chat is shared (a group): the user's turn says who wrote it, and the chat is listed under them. */
  shared: boolean;
  messageId: string;
  question: { content: string; sentAt: number };
  answer: string;
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
  return {
    /** The chat's recent turns, its summary and the reply saved for this message, queued in `batch`. */
    read(batch: CommandBatch, chat: string, user: string, messageId: string) {
      return {
        turns: batch.add<StoredTurn[] | null>((p) => p.lrange(names.session(chat), -STORED_TURNS_MAX, -1)),
        savedReply: batch.add<SavedReply | null>((p) => p.get(names.reply(user, messageId))),
        summary: batch.add<ConversationSummary | null>((p) => p.get(names.summary(chat))),
      };
    },

    /**
     * Appends both turns and trims the conversation to STORED_TURNS_MAX, keeps the reply for a retried
     * message, and in a shared chat lists the chat under the user: atomically, in one round trip, and
     * not at all when the user was erased after the turn began.
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
      const answered: StoredTurn = { role: "assistant", content: turn.answer, at };
      await runScript(
        redis,
        SCRIPTS.saveTurn,
        [
          names.erased(turn.user),
          names.session(turn.chat),
          names.reply(turn.user, turn.messageId),
          names.chats(turn.user),
        ],
        [
          turn.startedAt,
          ttlSeconds,
          STORED_TURNS_MAX,
          JSON.stringify(asked),
          JSON.stringify(answered),
          JSON.stringify(turn.reply),
          turn.shared ? turn.chat : "",
        ],
      );
    },

    /** Forgets the chat's turns and summary (/reset). */
    async clear(chat: string): Promise<void> {
      await redis.del(names.session(chat), names.summary(chat));
    },

    /** Keeps the summary, unless the chat (a private chat: its user) was erased after `startedAt`. */
    async saveSummary(chat: string, summary: ConversationSummary, ttlSeconds: number, startedAt: number) {
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
