import { Redis } from "@upstash/redis/cloudflare";
import type { RegionSettings } from "../config.js";

const clients = new Map<string, Redis>();

/**
 * The Upstash client of a region's database. One per isolate and database, kept at module scope so
 * connections are reused across requests.
 */
export function redisFor(region: RegionSettings, timeoutMs: number): Redis {
  const key = `${region.redisUrl}\n${region.redisToken}\n${timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    client = new Redis({
      url: region.redisUrl,
      token: region.redisToken,
      // Retries are the queue's job: a retry here would hold a webhook or a consumer for seconds.
      retry: { retries: 1, backoff: () => 50 },
      // Each request (a command or a pipeline) has its deadline: a database that accepts the
      // connection and never answers fails the call like one that refuses it. (A signal made per
      // request: the client aborts on it and does not try again.)
      signal: () => AbortSignal.timeout(timeoutMs),
      enableTelemetry: false,
      // Each call carries the keys it needs; no read-your-writes token is threaded between isolates.
      readYourWrites: false,
      // Commands that belong together are batched explicitly (see services/conversation/command-batch.ts); implicit
      // batching would only delay a lone command by a tick.
      enableAutoPipelining: false,
    });
    clients.set(key, client);
  }
  return client;
}
