import { describe, expect, it, vi } from "vitest";
import { UpstreamModelError } from "../../../edge/errors.js";
import type { BreakerSnapshot, BreakerStore } from "../../../edge/services/breaker.js";
import type { ModelClient } from "../../../edge/services/origin-client.js";
import { regionModel, type Origin } from "../../../edge/services/region-model.js";

function memoryBreaker(threshold: number, initial: Record<string, BreakerSnapshot> = {}) {
  const states = new Map(Object.entries(initial));
  const probes = new Set<string>();
  const store: BreakerStore & { states: typeof states } = {
    states,
    read: async (ids) => new Map(ids.map((id) => [id, states.get(id) ?? { failures: 0, state: "closed" }])),
    failure: async (id) => {
      const failures = (states.get(id)?.failures ?? 0) + 1;
      const snap: BreakerSnapshot = { failures, state: failures >= threshold ? "open" : "closed" };
      states.set(id, snap);
      return snap;
    },
    success: async (id) => void states.delete(id),
    claimProbe: async (id) => (probes.has(id) ? false : (probes.add(id), true)),
  };
  return store;
}

const ok = (text: string): ModelClient => ({
  complete: async (_m, call) => (call?.onText?.(text), { text, usage: undefined, firstTokenMs: 1 }),
});
const failing = (
  failure: "unavailable" | "timeout" | "rejected",
  opts: { streamed?: boolean } = {},
): ModelClient & { calls: number } => {
  const c = {
    calls: 0,
    complete: async () => {
      c.calls += 1;
      throw new UpstreamModelError(failure, "eu", "scripted", opts);
    },
  };
  return c;
};
const origin = (id: string, client: ModelClient): Origin => ({ id, client });

describe("a region's model", () => {
  it("retries a failed call once on another origin and records the failure", async () => {
    const breaker = memoryBreaker(3);
    const bad = failing("unavailable");
    // The failing origin has fewer failures, so it is tried first.
    breaker.states.set("eu2", { failures: 1, state: "closed" });
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", bad), origin("eu2", ok("from eu2"))],
      breaker,
      probeTtlMs: 1000,
    });
    expect((await model.complete([])).text).toBe("from eu2");
    expect(bad.calls).toBe(1);
    expect(breaker.states.get("eu1")).toEqual({ failures: 1, state: "closed" });
  });

  it("sends a conversation to the same healthy origin every time (its prefix cache), and conversations to all", async () => {
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", ok("eu1")), origin("eu2", ok("eu2")), origin("eu3", ok("eu3"))],
      breaker: memoryBreaker(3),
      probeTtlMs: 1000,
    });
    const answeredBy = async (chat: string) => (await model.complete([], { affinity: chat })).text;
    for (const chat of ["a", "b", "c"]) {
      const first = await answeredBy(chat);
      for (let i = 0; i < 5; i++) expect(await answeredBy(chat)).toBe(first);
    }
    const spread = new Set(await Promise.all(Array.from({ length: 60 }, (_, i) => answeredBy(`chat-${i}`))));
    expect(spread).toEqual(new Set(["eu1", "eu2", "eu3"]));
  });

  it("tries at most two origins", async () => {
    const a = failing("unavailable"),
      b = failing("unavailable"),
      c = failing("unavailable");
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", a), origin("eu2", b), origin("eu3", c)],
      breaker: memoryBreaker(10),
      probeTtlMs: 1000,
    });
    await expect(model.complete([])).rejects.toMatchObject({ failure: "unavailable" });
    expect(a.calls + b.calls + c.calls).toBe(2);
  });

  it("never repeats a call whose answer had started reaching the user", async () => {
    const cut = failing("bad_response" as "unavailable", { streamed: true });
    const other = failing("unavailable");
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", cut), origin("eu2", other)],
      breaker: memoryBreaker(10, { eu2: { failures: 5, state: "closed" } }),
      probeTtlMs: 1000,
    });
    await expect(model.complete([])).rejects.toMatchObject({ streamed: true });
    expect(other.calls).toBe(0);
  });

  it("does not blame an origin for a request it rejected, nor retry it", async () => {
    const breaker = memoryBreaker(1);
    const rejecting = failing("rejected");
    const other = failing("unavailable");
    breaker.states.set("eu2", { failures: 1, state: "closed" }); // so eu1 goes first
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", rejecting), origin("eu2", other)],
      breaker,
      probeTtlMs: 1000,
    });
    await expect(model.complete([])).rejects.toMatchObject({ failure: "rejected" });
    expect([rejecting.calls, other.calls]).toEqual([1, 0]);
    expect(breaker.states.get("eu1")).toBeUndefined();
  });

  it("skips an open origin and lets one caller probe a half-open one", async () => {
    const open = failing("unavailable");
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", open), origin("eu2", ok("probe answered"))],
      breaker: memoryBreaker(3, { eu1: { failures: 3, state: "open" }, eu2: { failures: 3, state: "half_open" } }),
      probeTtlMs: 1000,
    });
    expect((await model.complete([])).text).toBe("probe answered");
    expect(open.calls).toBe(0);
  });

  it("fails without calling anything when every circuit is open", async () => {
    const a = failing("unavailable");
    const model = regionModel({
      region: "eu",
      origins: [origin("eu1", a)],
      breaker: memoryBreaker(1, { eu1: { failures: 1, state: "open" } }),
      probeTtlMs: 1000,
    });
    await expect(model.complete([])).rejects.toThrow(/every origin's circuit is open/);
    expect(a.calls).toBe(0);
  });
  it("never makes a caller wait on another caller's read of the breaker states", async () => {
    // A promise settled by another request's I/O would run this caller on in that request's context
    // (workerd then refuses the caller's own storage): a caller arriving while a read is under way
    // goes on with the states it last had.
    vi.useFakeTimers({ now: 0 });
    try {
      const breaker = memoryBreaker(3);
      const reads: Array<() => void> = [];
      const slow: BreakerStore = {
        ...breaker,
        read: (ids) => new Promise((resolve) => reads.push(() => void breaker.read(ids).then(resolve))),
      };
      const model = regionModel({
        region: "eu",
        origins: [origin("eu1", ok("hi"))],
        breaker: slow,
        probeTtlMs: 1000,
      });
      const first = model.complete([]);
      reads.shift()!();
      await first;
      vi.setSystemTime(10_000); // the states are stale now
      const reading = model.complete([]);
      expect(reads).toHaveLength(1);
      expect((await model.complete([])).text).toBe("hi"); // not held by the read under way
      expect(reads).toHaveLength(1);
      reads.shift()!();
      expect((await reading).text).toBe("hi");
    } finally {
      vi.useRealTimers();
    }
  });
  it("asks a pool again with the chat's key salted while its server is full, then calls it saturated", async () => {
    const breaker = memoryBreaker(1);
    // A pool of three servers behind one URL: the key picks the server; only "c"'s server is free.
    const keys: string[] = [];
    const pool: ModelClient = {
      complete: async (_m, call) => {
        keys.push(call?.affinity ?? "");
        if (keys.length < 3) throw new UpstreamModelError("busy", "eu", "HTTP 429", { retryAfterSeconds: 3 });
        return { text: "from a free server", usage: undefined, firstTokenMs: 1 };
      },
    };
    const model = regionModel({ region: "eu", origins: [origin("eu", pool)], breaker, probeTtlMs: 1000 });
    expect((await model.complete([], { affinity: "k1" })).text).toBe("from a free server");
    // The chat's own key, then two salted at random (other points of the ring, each try a new one).
    expect(keys[0]).toBe("k1");
    expect(keys.slice(1)).toEqual([
      expect.stringMatching(/^k1\.[0-9a-f]{4}$/),
      expect.stringMatching(/^k1\.[0-9a-f]{4}$/),
    ]);
    expect(keys[1]).not.toBe(keys[2]);
    // Every server full: the call fails busy, and the pool is not blamed for it.
    const full: ModelClient = {
      complete: async () => {
        throw new UpstreamModelError("busy", "eu", "HTTP 429", { retryAfterSeconds: 3 });
      },
    };
    const saturated = regionModel({ region: "eu", origins: [origin("eu", full)], breaker, probeTtlMs: 1000 });
    await expect(saturated.complete([], { affinity: "k2" })).rejects.toMatchObject({
      failure: "busy",
      retryAfterSeconds: 3,
    });
    expect(breaker.states.get("eu")).toBeUndefined();
  });
});
