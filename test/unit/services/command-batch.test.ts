import type { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { CommandBatch } from "../../../edge/services/conversation/command-batch.js";
import { checkRateLimit } from "../../../edge/services/conversation/rate-limit.js";

type Result = { result?: unknown; error?: string };

/**
 * A Redis that answers pipelines from `answer` and records what was sent: commands queued on the
 * pipeline by name, each exec as one request. Anything else the code touches fails the test.
 */
function fakeRedis(answer: (command: string, args: unknown[]) => Result) {
  const requests: string[][] = [];
  const direct: string[] = [];
  const pipeline = () => {
    const queued: Array<[string, unknown[]]> = [];
    return new Proxy(
      {
        exec: async () => {
          requests.push(queued.map(([c]) => c));
          return queued.map(([c, a]) => answer(c, a));
        },
      },
      {
        get(target, prop: string) {
          if (prop === "exec") return target.exec;
          return (...args: unknown[]) => (queued.push([prop, args]), undefined);
        },
      },
    );
  };
  const redis = new Proxy(
    {},
    {
      get(_t, prop) {
        if (prop === "pipeline") return pipeline;
        if (prop === "evalsha" || prop === "eval")
          return async (...args: unknown[]) => (direct.push(String(prop)), answer(String(prop), args).result);
        throw new Error(`the batch's Redis was asked for ${String(prop)}`);
      },
    },
  ) as unknown as Pick<Redis, "pipeline" | "evalsha" | "eval">;
  return { redis, requests, direct };
}

describe("CommandBatch", () => {
  it("sends what was added in one request, each command getting its own result or error", async () => {
    const { redis, requests } = fakeRedis((command) =>
      command === "get" ? { error: "WRONGTYPE" } : { result: `${command} done` },
    );
    const batch = new CommandBatch(redis);
    const range = batch.add((p) => p.lrange("session:x", -50, -1));
    const value = batch.add((p) => p.get("reply:x"));
    batch.flush();
    await expect(range).resolves.toBe("lrange done");
    await expect(value).rejects.toThrow("WRONGTYPE");
    expect(requests).toEqual([["lrange", "get"]]);
  });

  it("sends a script added after the flush on its own", async () => {
    const { redis, requests, direct } = fakeRedis(() => ({ result: 1 }));
    const batch = new CommandBatch(redis);
    batch.add((p) => p.get("k"));
    batch.flush();
    await batch.script({ text: "return 1", sha1: "abc" }, [], []);
    expect(requests).toEqual([["get"]]);
    expect(direct).toEqual(["evalsha"]);
  });

  it("refuses a command added after the flush, which would never be sent", async () => {
    const { redis } = fakeRedis(() => ({ result: 1 }));
    const batch = new CommandBatch(redis);
    batch.add((p) => p.get("k"));
    batch.flush();
    expect(() => batch.add((p) => p.get("late"))).toThrow("already sent");
  });

  it("sends a script's text at once to a database that does not know it yet", async () => {
    const { redis, requests, direct } = fakeRedis((command) =>
      command === "evalsha" ? { error: "NOSCRIPT No matching script" } : { result: "ran" },
    );
    const batch = new CommandBatch(redis);
    const ran = batch.script({ text: "return 'ran'", sha1: "abc" }, [], []);
    batch.flush();
    await expect(ran).resolves.toBe("ran");
    expect(requests).toEqual([["evalsha"]]);
    expect(direct).toEqual(["eval"]);
  });

  it("carries the rate limit in the batch, one script that reads the summary and /reset mark along", async () => {
    const summary = { text: "Ada asked about A-100.", coversUntil: 5 };
    const { redis, requests } = fakeRedis((command) => ({
      // (As the client hands a script's results on: each stored JSON value parsed.)
      result: command === "evalsha" ? [4, summary, null] : null,
    }));
    const batch = new CommandBatch(redis);
    const history = batch.add((p) => p.lrange("session:x", -50, -1));
    const check = checkRateLimit(batch, "a-user-pseudonym", { messages: 5, window: "1 s" }, 1000, [
      "summary:x",
      "ratelimit:x:reset",
    ]);
    batch.flush();
    await expect(check.allowed).resolves.toBe(true);
    await expect(check.alongside).resolves.toEqual([summary, null]);
    await history;
    expect(requests).toEqual([["lrange", "evalsha"]]);
  });

  it("refuses a user over the limit without a command until their window ends", async () => {
    const { redis, requests } = fakeRedis(() => ({ result: [-1] }));
    const first = new CommandBatch(redis);
    const refused = checkRateLimit(first, "a-busy-pseudonym", { messages: 1, window: "1 m" }, 60_000);
    first.flush();
    await expect(refused.allowed).resolves.toBe(false);
    const again = checkRateLimit(new CommandBatch(redis), "a-busy-pseudonym", { messages: 1, window: "1 m" }, 60_000);
    await expect(again.allowed).resolves.toBe(false);
    expect(again.alongside).toBeUndefined();
    expect(requests).toHaveLength(1);
  });
});
