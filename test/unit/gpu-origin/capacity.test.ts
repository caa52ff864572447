import { describe, expect, it } from "vitest";
import { HeldAtEdge, LoadAverager, queueLoad } from "../../../gpu-origin/agent/capacity.js";

describe("queue load", () => {
  it.each([
    // running, waiting, held at the edge → queue load
    [0, 0, 0, 0],
    [32, 0, 0, 0.5],
    [64, 0, 0, 1],
    [64, 32, 0, 1.5],
    [64, 32, 20, 116 / 64],
    // A burst of 1,000 held chats asks for ~17 servers' worth at once.
    [64, 32, 1000, (96 + 1000) / 64],
  ])("running %i, waiting %i, %i held → %f", (running, waiting, heldAtEdge, expected) => {
    expect(queueLoad({ running, waiting, heldAtEdge, maxNumSeqs: 64 })).toBeCloseTo(expected, 10);
  });
});

describe("chats held at the edge for this server", () => {
  it("counts each chat refused at its own key once, however often and at whatever pace it asks again", () => {
    const held = new HeldAtEdge(30_000);
    // Ten chats asking every 3 s for 15 s, and five more, told, every 10 s.
    for (let t = 0; t <= 15_000; t += 3000) for (let c = 0; c < 10; c++) held.record(t, `chat${c}aaaaaaaaaaa`);
    for (let t = 0; t <= 15_000; t += 10_000) for (let c = 0; c < 5; c++) held.record(t, `told${c}aaaaaaaaaaa`);
    expect(held.estimate(15_000, 3)).toBe(15);
  });

  it("leaves a chat's tries at other servers (salted keys) to its own server's count", () => {
    const held = new HeldAtEdge(30_000);
    held.record(0, "abcdefabcdefabcd");
    held.record(1, "abcdefabcdefabcd.03fa");
    held.record(2, "bbbbbbbbbbbbbbbb.77e1");
    expect(held.estimate(10, 3)).toBe(1);
  });

  it("forgets a chat the window after its last refusal", () => {
    const held = new HeldAtEdge(30_000);
    held.record(0, "aaaaaaaaaaaaaaaa");
    held.record(20_000, "bbbbbbbbbbbbbbbb");
    held.record(25_000, "aaaaaaaaaaaaaaaa");
    expect(held.estimate(45_000, 3)).toBe(2);
    expect(held.estimate(50_000, 3)).toBe(1);
    expect(held.estimate(55_000, 3)).toBe(0);
  });

  it("counts requests without a key as coming back once per Retry-After", () => {
    const held = new HeldAtEdge(15_000);
    // 10 requests retried every 3 s: 50 refusals in 15 s.
    for (let t = 0; t < 15_000; t += 3000) for (let c = 0; c < 10; c++) held.record(t, undefined);
    expect(held.estimate(14_999, 3)).toBe(10);
  });

  it("stays exact over many refusals (compaction)", () => {
    const held = new HeldAtEdge(1000);
    for (let t = 0; t < 10_000; t++) held.record(t, undefined);
    // 1,000 requests a second coming back every second: 1,000 held.
    expect(held.estimate(9_999, 1)).toBe(1000);
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
