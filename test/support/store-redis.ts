import { Redis } from "@upstash/redis";
import { TEST_REDIS_DB } from "../../infra/local/edge-stack.js";
import { RespConnection } from "../../infra/local/resp.js";
import { startUpstashShim, type UpstashShim } from "../../infra/local/upstash-shim.js";
import { createPseudonyms, type Pseudonyms } from "../../edge/crypto.js";

/**
 * One region's database as the conversation store sees it, without the Worker: the Upstash REST shim
 * over the real redis-server (the integration tests' EU database, flushed), the @upstash/redis client
 * the edge uses, and a raw connection to look at what was stored.
 */
export interface StoreRedis {
  redis: Redis;
  raw: RespConnection;
  shim: UpstashShim;
  keys: Pseudonyms;
  /** Every key in the database. */
  allKeys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startStoreRedis(secret = "store-test-key-secret-0123456789abcdef"): Promise<StoreRedis> {
  const db = TEST_REDIS_DB.eu;
  const raw = new RespConnection("127.0.0.1", Number(process.env.REDIS_PORT ?? 6379), db);
  await raw.send([["FLUSHDB"]]);
  const shim = await startUpstashShim({ databases: [{ name: "eu", db, token: "token-eu" }] });
  const redis = new Redis({
    url: shim.urls.eu!,
    token: "token-eu",
    enableTelemetry: false,
    enableAutoPipelining: false,
  });
  return {
    redis,
    raw,
    shim,
    keys: createPseudonyms(secret),
    allKeys: async () => (await redis.keys("*")).sort(),
    async close() {
      await shim.close();
      raw.close();
    },
  };
}
