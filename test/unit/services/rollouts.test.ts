import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { initialState } from "../../../edge/core/rollout.js";
import { rolloutStore } from "../../../edge/services/rollouts.js";

/** A KV namespace that counts its reads and fails while `down`. */
function kv(value: unknown) {
  const kv = {
    reads: 0,
    down: false,
    value,
    get: async () => {
      kv.reads += 1;
      if (kv.down) throw new Error("KV unavailable");
      return kv.value;
    },
    put: async () => {},
  };
  return kv;
}

beforeEach(() => vi.useFakeTimers({ now: 1_767_225_600_000 }));
afterEach(() => vi.useRealTimers());

describe("the rollout state a message reads", () => {
  it("is read from KV at most every 30 s per isolate", async () => {
    const ns = kv(initialState("v1"));
    const store = rolloutStore(ns);
    for (let i = 0; i < 5; i++) expect(await store.get("eu")).toEqual(initialState("v1"));
    vi.advanceTimersByTime(30_001);
    await store.get("eu");
    expect(ns.reads).toBe(2);
  });

  it("when KV cannot be read: the last state read stands, and KV is not asked again for 30 s", async () => {
    const ns = kv(initialState("v1"));
    const store = rolloutStore(ns);
    await store.get("eu");
    vi.advanceTimersByTime(30_001);
    ns.down = true;
    for (let i = 0; i < 5; i++) expect(await store.get("eu")).toEqual(initialState("v1"));
    expect(ns.reads).toBe(2);
  });

  it("without a state read before, each message is told it is unknown, and KV is asked once in 30 s", async () => {
    const ns = kv(null);
    ns.down = true;
    const store = rolloutStore(ns);
    for (let i = 0; i < 5; i++) await expect(store.get("eu")).rejects.toThrow("KV unavailable");
    expect(ns.reads).toBe(1);
    ns.value = { not: "a rollout state" };
    ns.down = false;
    vi.advanceTimersByTime(30_001);
    await expect(store.get("eu")).rejects.toThrow("not a rollout state");
    await expect(store.get("eu")).rejects.toThrow("not a rollout state");
    expect(ns.reads).toBe(2);
  });
});
