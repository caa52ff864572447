import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RespConnection } from "../../infra/local/resp.js";
import { startUpstashShim, stripKeyLockingFlag, type UpstashShim } from "../../infra/local/upstash-shim.js";

const DB = 14;
let shim: UpstashShim;
let raw: RespConnection;
let redis: Redis;

beforeAll(async () => {
  raw = new RespConnection("127.0.0.1", Number(process.env.REDIS_PORT ?? 6379), DB);
  await raw.send([["FLUSHDB"], ["SCRIPT", "FLUSH"]]);
  shim = await startUpstashShim({ databases: [{ name: "test", db: DB, token: "secret-token" }] });
  redis = new Redis({ url: shim.urls.test!, token: "secret-token", enableTelemetry: false });
});
afterAll(async () => {
  await shim?.close();
  raw?.close();
});

describe("Upstash REST shim, driven by the real @upstash/redis client", () => {
  it("refuses a wrong token with 401", async () => {
    const res = await fetch(shim.urls.test!, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
      body: '["PING"]',
    });
    expect(res.status).toBe(401);
  });

  it("round-trips unicode, JSON and binary-unsafe text through base64 encoding", async () => {
    const value = { text: 'Grüße 👋 "quoted" \\ back', n: 1 };
    await redis.set("k", value);
    expect(await redis.get("k")).toEqual(value);
    await redis.set("plain", "ok then");
    expect(await redis.get("plain")).toBe("ok then");
    expect(await redis.get("missing")).toBeNull();
  });

  it("keeps each database in its own Redis logical database", async () => {
    await redis.set("where", "here");
    const [reply] = await raw.send([["GET", "where"]]);
    expect(reply).toMatchObject({ type: "bulk" });
    expect(reply?.type === "bulk" && reply.value?.toString()).toBe("here");
  });

  it("runs a pipeline in one request and a transaction atomically", async () => {
    shim.resetStats();
    const p = redis.pipeline();
    p.rpush("list", "a", "b");
    p.lrange("list", 0, -1);
    p.incr("list"); // wrong type: the error stays with its command
    const results = await p.exec({ keepErrors: true });
    expect(results[1]?.result).toEqual(["a", "b"]);
    expect(results[2]?.error).toMatch(/WRONGTYPE/);
    const tx = redis.multi();
    tx.set("counter", 1);
    tx.incr("counter");
    expect(await tx.exec()).toEqual(["OK", 2]);
    expect(shim.stats().test).toEqual({
      requests: 2,
      commands: 5,
      byCommand: { RPUSH: 1, LRANGE: 1, SET: 1, INCR: 2 },
    });
  });

  it("strips allow-key-locking from a script shebang and keeps other flags", () => {
    expect(stripKeyLockingFlag("#!lua flags=allow-key-locking\nreturn 1")).toBe("#!lua\nreturn 1");
    expect(stripKeyLockingFlag("#!lua flags=no-writes,allow-key-locking\nreturn 1")).toBe(
      "#!lua flags=no-writes\nreturn 1",
    );
    expect(stripKeyLockingFlag("return 1")).toBe("return 1");
  });

  it("lets @upstash/ratelimit run on stock Redis, one round trip per check once its script is known", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(2, "1 m"),
      prefix: "rl",
      ephemeralCache: false,
    });
    const first = await limiter.limit("user");
    expect(first.success).toBe(true);
    shim.resetStats();
    const second = await limiter.limit("user");
    const third = await limiter.limit("user");
    expect([second.success, third.success]).toEqual([true, false]);
    expect(shim.stats().test?.requests).toBe(2);
  });

  it("answers EVALSHA after Redis lost its scripts, without a NOSCRIPT round trip", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(5, "1 m"),
      prefix: "rl2",
      ephemeralCache: false,
    });
    await limiter.limit("u");
    await raw.send([["SCRIPT", "FLUSH"]]);
    shim.resetStats();
    expect((await limiter.limit("u")).remaining).toBe(3);
    expect(shim.stats().test?.requests).toBe(1);
  });
});
