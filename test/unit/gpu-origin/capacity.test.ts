import { describe, expect, it } from "vitest";
import { LoadAverager, queueLoad, RefusalWindow, refusedEstimate } from "../../../gpu-origin/agent/capacity.js";

describe("queue load", () => {
  const base = { retryAfterSeconds: 3, windowSeconds: 15, maxNumSeqs: 64 };
  it.each([
    // running, waiting, refused in 15 s → queue load
    [0, 0, 0, 0],
    [32, 0, 0, 0.5],
    [64, 0, 0, 1],
    [64, 32, 0, 1.5],
    // Saturated: 96 in flight and 100 refusals in 15 s at Retry-After 3 s ≈ 20 messages held at the
    // edge for this server: (64 + 32 + 20) / 64.
    [64, 32, 100, 116 / 64],
    // A burst of 1,000 held messages (5,000 refusals in 15 s) asks for ~17 servers' worth at once.
    [64, 32, 5000, (96 + 1000) / 64],
  ])("running %i, waiting %i, %i refused → %f", (running, waiting, refusedInWindow, expected) => {
    expect(queueLoad({ ...base, running, waiting, refusedInWindow })).toBeCloseTo(expected, 10);
  });

  it("counts each held message once per window, whatever the window", () => {
    // 10 messages held, each retried every 3 s: 50 refusals in 15 s, 100 in 30 s.
    expect(refusedEstimate({ refusedInWindow: 50, retryAfterSeconds: 3, windowSeconds: 15 })).toBe(10);
    expect(refusedEstimate({ refusedInWindow: 100, retryAfterSeconds: 3, windowSeconds: 30 })).toBe(10);
  });
});

describe("refusal window", () => {
  it("counts the refusals of the last window, exactly", () => {
    const w = new RefusalWindow(15_000);
    for (const t of [0, 1000, 14_999, 15_000]) w.record(t);
    expect(w.count(15_000)).toBe(3);
    expect(w.count(15_999)).toBe(3);
    expect(w.count(16_000)).toBe(2);
    expect(w.count(30_000)).toBe(0);
  });

  it("stays exact over many refusals (compaction)", () => {
    const w = new RefusalWindow(1000);
    for (let t = 0; t < 10_000; t++) w.record(t);
    expect(w.count(9_999)).toBe(1000);
  });
});

describe("load averager", () => {
  it("answers the mean of a period's reads, then starts a new period", () => {
    const a = new LoadAverager();
    expect(a.take()).toBeUndefined();
    a.add({ running: 10, waiting: 0, kvCacheUsage: 0.2 });
    a.add({ running: 20, waiting: 6, kvCacheUsage: 0.4 });
    expect(a.take()).toEqual({ running: 15, waiting: 3, kvCacheUsage: expect.closeTo(0.3, 10) });
    expect(a.take()).toBeUndefined();
  });
});
