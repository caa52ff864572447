import type { Redis } from "@upstash/redis/cloudflare";
import { ERASED_MARK_SECONDS } from "../../limits.js";
import type { ConversationKeys } from "./keys.js";
import { runScript, SCRIPTS } from "./lua.js";

export interface ErasedCounts {
  /** Messages of the conversation (each turn is one), the user's own and theirs in shared chats. */
  messages: number;
  /** Replies kept for retries, and replies kept undelivered. */
  savedReplies: number;
  undeliveredReplies: number;
  /** Rate-limit counters and notices. */
  rateLimitKeys: number;
  /** Summaries of older turns (the private chat's, and those of shared chats the user wrote in). */
  summaries: number;
}

/**
 * Everything of the user named `user` (one pseudonym) in this database: their private conversation
 * and its summary, saved and undelivered replies, rate-limit state, and their turns (with the answers
 * to them) in the shared chats they wrote in, whose other members' turns stay. Each affected chat and
 * the user are marked erased for ERASED_MARK_SECONDS, so a reply or summary being written meanwhile
 * saves nothing back. Returns what there was.
 */
export async function eraseUnder(redis: Redis, names: ConversationKeys, user: string): Promise<ErasedCounts> {
  const now = Date.now();
  const [replies, limits, shared] = await Promise.all([
    scanAll(redis, `reply:${user}:*`),
    scanAll(redis, `ratelimit:${user}:*`),
    redis.smembers(names.chats(user)),
  ]);
  // Their turns in shared chats (groups) go one chat at a time; the chat and its other members stay.
  const inShared = await Promise.all(
    shared.map((chat) =>
      runScript<[number, number]>(
        redis,
        SCRIPTS.removeAuthor,
        [names.session(chat), names.summary(chat), names.erased(chat)],
        [user, now, ERASED_MARK_SECONDS],
      ),
    ),
  );
  const tx = redis.multi();
  tx.llen(names.session(user));
  tx.llen(names.undelivered(user));
  tx.exists(names.notice(user));
  tx.exists(names.summary(user));
  tx.del(
    names.session(user),
    names.undelivered(user),
    names.notice(user),
    names.summary(user),
    names.chats(user),
    ...replies,
    ...limits,
  );
  // A reply being written now must not save its turn back.
  tx.set(names.erased(user), now, { ex: ERASED_MARK_SECONDS });
  const [messages, undelivered, noticed, summarized] = (await tx.exec()) as number[];
  return {
    messages: messages! + inShared.reduce((n, [removed]) => n + removed, 0),
    savedReplies: replies.length,
    undeliveredReplies: undelivered!,
    rateLimitKeys: limits.length + noticed!,
    summaries: summarized! + inShared.reduce((n, [, summaries]) => n + summaries, 0),
  };
}

/** The counts of several erasures (a user's keys under the current and the previous KEY_SECRET), added up. */
export function sumErased(counts: ErasedCounts[]): ErasedCounts {
  return counts.reduce((sum, c) => ({
    messages: sum.messages + c.messages,
    savedReplies: sum.savedReplies + c.savedReplies,
    undeliveredReplies: sum.undeliveredReplies + c.undeliveredReplies,
    rateLimitKeys: sum.rateLimitKeys + c.rateLimitKeys,
    summaries: sum.summaries + c.summaries,
  }));
}

/** Every key matching `pattern` (SCAN, so a large database is never blocked). */
async function scanAll(redis: Pick<Redis, "scan">, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | number = 0;
  do {
    const [next, batch]: [string | number, string[]] = await redis.scan(cursor, { match: pattern, count: 500 });
    keys.push(...batch);
    cursor = next;
  } while (String(cursor) !== "0");
  return [...new Set(keys)];
}
