import { afterEach, describe, expect, it, vi } from "vitest";
import { isolateCache, miss } from "../../../edge/services/isolate-cache.js";

afterEach(() => vi.useRealTimers());

describe("isolate cache", () => {
  it("holds a value, undefined included, for its time to live and then misses", () => {
    vi.useFakeTimers({ now: 0 });
    const cache = isolateCache<string | undefined>(1000);
    expect(cache.get("a")).toBe(miss);
    cache.set("a", undefined);
    expect(cache.get("a")).toBeUndefined();
    vi.setSystemTime(1000);
    expect(cache.get("a")).toBe(miss);
  });

  it("forgets the least recently written entry when full", () => {
    const cache = isolateCache<number>(60_000, 2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3); // written again: now the newest
    cache.set("c", 4);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([3, miss, 4]);
  });
});
