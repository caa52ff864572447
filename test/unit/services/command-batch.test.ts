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
    await batch.scriptPort.evalsha("abc", [], []);
    expect(requests).toEqual([["get"]]);
    expect(direct).toEqual(["evalsha"]);
  });

  it("is all @upstash/ratelimit needs: its check rides in the batch, by EVALSHA", async () => {
    // The limiter's sliding window answers [remaining, reset] pairs; anything it calls besides
    // evalsha and eval on the batch fails here (a limiter release that needs more breaks this test).
    const { redis, requests } = fakeRedis((command) => ({ result: command === "evalsha" ? [1, 0] : null }));
    const batch = new CommandBatch(redis);
    const history = batch.add((p) => p.lrange("session:x", -50, -1));
    const check = checkRateLimit(batch, "a-user-pseudonym", { messages: 5, window: "1 s" });
    await check.queued;
    batch.flush();
    await expect(check.allowed).resolves.toBe(true);
    await history;
    expect(requests).toEqual([["lrange", "evalsha"]]);
  });
});
