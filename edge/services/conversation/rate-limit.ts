import type { Redis } from "@upstash/redis/cloudflare";
import { DeadlineExceeded, withDeadline } from "../../deadline.js";
import { RATE_LIMIT_TIMEOUT_MS } from "../../limits.js";
import { log } from "../../log.js";
import type { CommandBatch } from "./command-batch.js";
import { SCRIPTS } from "./lua.js";

export interface RateLimitOptions {
  /** Replies a user may get per window (a burst answered together counts once). */
  messages: number;
  window: `${number} ${"ms" | "s" | "m" | "h" | "d"}`;
}

/**
 * Users known to be over their limit, and until when (the end of their window): refused without a
 * round trip meanwhile. At module scope, so it outlives a request.
 */
const blocked = new Map<string, number>();
const BLOCKED_MAX = 10_000;

/** The user's limiter keys: under `ratelimit:` and the user, where an erasure finds them. */
const counter = (user: string, window: number) => `ratelimit:${user}:${window}`;

/**
 * Whether `user` (a pseudonym) may get another reply: a sliding window (this window's count plus the
 * previous window's, weighted by how much of it is still inside the window), by one script carried
 * in `batch`, which reads `alongside` (the conversation's summary and /reset mark) in the same
 * command, so the check costs no round trip, nor a command of its own. `alongside` is undefined for a
 * user known to be over the limit: refused without a command until their window ends. A Redis
 * slower than RATE_LIMIT_TIMEOUT_MS lets the message through (a slow database must not hold a user
 * hostage).
 */
export function checkRateLimit(
  batch: CommandBatch,
  user: string,
  limit: RateLimitOptions,
  windowMs: number,
  alongside: string[] = [],
): { allowed: Promise<boolean>; alongside: Promise<unknown[]> | undefined } {
  const now = Date.now();
  const until = blocked.get(user);
  if (until !== undefined && now < until) return { allowed: Promise.resolve(false), alongside: undefined };
  blocked.delete(user);
  const window = Math.floor(now / windowMs);
  const result = batch.script<unknown[]>(
    SCRIPTS.rateLimit,
    [counter(user, window), counter(user, window - 1), ...alongside],
    [limit.messages, now, windowMs],
  );
  const checked = result.then(([remaining]) => {
    if (Number(remaining) >= 0) return true;
    if (blocked.size >= BLOCKED_MAX) blocked.delete(blocked.keys().next().value!);
    blocked.set(user, (window + 1) * windowMs);
    return false;
  });
  const allowed = withDeadline(checked, RATE_LIMIT_TIMEOUT_MS, "ratelimit").catch((err: unknown) => {
    if (!(err instanceof DeadlineExceeded)) throw err;
    log.warn("ratelimit.fail_open", { waitedMs: RATE_LIMIT_TIMEOUT_MS });
    return true;
  });
  // (The client hands each value on as stored JSON parsed, a key not there as null.)
  const values = result.then((all) => all.slice(1).map((value) => value ?? null));
  // (Awaited by the caller when it asked for keys along; a failure is the limiter's to report.)
  values.catch(() => {});
  return { allowed, alongside: values };
}

/** True the first time in `cooldownSeconds` that this user (a pseudonym) is told to slow down. */
export async function claimSlowDownNotice(
  redis: Pick<Redis, "set">,
  noticeKey: string,
  cooldownSeconds: number,
): Promise<boolean> {
  return (await redis.set(noticeKey, 1, { nx: true, ex: cooldownSeconds })) === "OK";
}
