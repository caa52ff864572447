import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import { RATE_LIMIT_TIMEOUT_MS } from "../../limits.js";
import { log } from "../../log.js";
import type { CommandBatch } from "./command-batch.js";

export interface RateLimitOptions {
  /** Replies a user may get per window (a burst answered together counts once). */
  messages: number;
  window: `${number} ${"ms" | "s" | "m" | "h" | "d"}`;
}

/**
 * The limiter's in-isolate cache of blocked users, at module scope so it outlives a request: a user
 * known to be over the limit is refused without a round trip until their window resets.
 */
const blockedCache = new Map<string, number>();

/**
 * Whether `user` (a pseudonym) may get another reply: Upstash's sliding-window limiter, its script
 * carried in `batch`, so the check costs no round trip of its own. A Redis slower than
 * RATE_LIMIT_TIMEOUT_MS lets the message through (a slow database must not hold a user hostage).
 * Resolves once `batch` is flushed; `queued` resolves when there is something to flush (the
 * limiter's script, or an answer from its cache).
 */
export function checkRateLimit(
  batch: CommandBatch,
  user: string,
  limit: RateLimitOptions,
): { allowed: Promise<boolean>; queued: Promise<unknown> } {
  const limiter = new Ratelimit({
    // The limiter calls only evalsha/eval (and eval on NOSCRIPT); the batch carries them in the pipeline.
    redis: batch.scriptPort as unknown as Redis,
    limiter: Ratelimit.slidingWindow(limit.messages, limit.window),
    prefix: "ratelimit",
    ephemeralCache: blockedCache,
    analytics: false,
    timeout: RATE_LIMIT_TIMEOUT_MS,
  });
  const result = limiter.limit(user);
  const allowed = result.then((r) => {
    if (r.reason === "timeout") log.warn("ratelimit.fail_open", { waitedMs: RATE_LIMIT_TIMEOUT_MS });
    return r.success;
  });
  return { allowed, queued: Promise.race([batch.scriptQueued, result]) };
}

/** True the first time in `cooldownSeconds` that this user (a pseudonym) is told to slow down. */
export async function claimSlowDownNotice(
  redis: Pick<Redis, "set">,
  noticeKey: string,
  cooldownSeconds: number,
): Promise<boolean> {
  return (await redis.set(noticeKey, 1, { nx: true, ex: cooldownSeconds })) === "OK";
}
