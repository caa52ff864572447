import { Redis } from "@upstash/redis/cloudflare";
import type { RegionSettings } from "../config.js";
import { deadlineSignal } from "../deadline.js";

const clients = new Map<string, Redis>();

/**
 * The deadline of the request the client is about to make, set while one of its calls starts (the
 * client builds its request, signal included, before it first awaits anything).
 */
let starting: AbortSignal | undefined;

/**
 * The Upstash client of a region's database. One per isolate and database, kept at module scope so
 * connections are reused across requests.
 */
export function redisFor(region: RegionSettings, timeoutMs: number): Redis {
  const key = `${region.redisUrl}\n${region.redisToken}\n${timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    const redis = new Redis({
      url: region.redisUrl,
      token: region.redisToken,
      // Retries are the queue's job: a retry here would hold a webhook or a consumer for seconds.
      retry: { retries: 1, backoff: () => 50 },
      // Each request (a command or a pipeline) has its deadline: a database that accepts the
      // connection and never answers fails the call like one that refuses it. (A signal per request:
      // the client aborts on it and does not try again.)
      signal: () => starting ?? AbortSignal.timeout(timeoutMs),
      enableTelemetry: false,
      // Each call carries the keys it needs; no read-your-writes token is threaded between isolates.
      readYourWrites: false,
      // Commands that belong together are batched explicitly (see services/conversation/command-batch.ts); implicit
      // batching would only delay a lone command by a tick.
      enableAutoPipelining: false,
    });
    client = withClearedDeadlines(redis, timeoutMs);
    clients.set(key, client);
  }
  return client;
}

/**
 * The client, with each call's deadline a timer stopped once the call has settled. (The client's own
 * per-request AbortSignal.timeout would stay pending after an answer, for the whole deadline; a
 * pending timer keeps a Durable Object in memory, and billed, until it fires.) Pipelines and
 * transactions get theirs when they are executed.
 */
function withClearedDeadlines(redis: Redis, ms: number): Redis {
  return new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === "pipeline" || property === "multi")
        return (...args: unknown[]) => {
          const batch = Reflect.apply(value as (...a: unknown[]) => object, target, args);
          return new Proxy(batch, {
            get(b, p) {
              const member: unknown = Reflect.get(b, p);
              if (p !== "exec" || typeof member !== "function") return member;
              return (...execArgs: unknown[]) => timed(ms, () => Reflect.apply(member as () => unknown, b, execArgs));
            },
          });
        };
      return (...args: unknown[]) =>
        timed(ms, () => Reflect.apply(value as (...a: unknown[]) => unknown, target, args));
    },
  });
}

/** Starts a call with a deadline of `ms` and stops the deadline's timer once the call has settled. */
function timed(ms: number, start: () => unknown): unknown {
  const deadline = deadlineSignal(ms);
  let result: unknown;
  starting = deadline.signal;
  try {
    result = start();
  } catch (err) {
    deadline.stop();
    throw err;
  } finally {
    starting = undefined;
  }
  if (typeof (result as { then?: unknown } | null)?.then !== "function") {
    deadline.stop();
    return result;
  }
  return Promise.resolve(result).finally(deadline.stop);
}
