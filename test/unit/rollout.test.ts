import { describe, expect, it } from "vitest";
import {
  bucketOf,
  chooseVersion,
  command,
  decide,
  DEFAULT_POLICY,
  initialState,
  RolloutError,
  versionId,
  type RolloutState,
  type VersionStats,
} from "../../edge/core/rollout.js";
import { parseRegionFile } from "../../edge/core/region-policy.js";
import regionFile from "../../infra/regions.json" with { type: "json" };

const HOUR = 3_600_000;
const chats = (n: number) => Array.from({ length: n }, (_, i) => `chat-${i}-${(i * 2654435761) % 1000003}`);
const started = (percent: number, stages = [1, 5, 25, 50, 100]): RolloutState => {
  const s = command({ ...initialState("v1"), stages }, "start", 0, HOUR, "v2");
  const stage = stages.indexOf(percent);
  return { ...s, candidate: { ...s.candidate!, stage, percent } };
};
const stats = (over: Partial<VersionStats> = {}): VersionStats => ({
  replies: 1000,
  failures: 10,
  blocked: 0,
  p90ReplyMs: 3000,
  p99FirstTokenMs: 800,
  tokensOut: 150,
  modelMs: 2500,
  thumbsUp: 0,
  thumbsDown: 0,
  ...over,
});

describe("which version answers a chat", () => {
  it("gives the candidate its share of 100,000 chats within half a point", () => {
    for (const percent of [1, 5, 25, 50]) {
      const state = started(percent);
      const on = chats(100_000).filter((c) => chooseVersion(state, c, undefined, 1) === "v2").length;
      expect(Math.abs((on / 100_000) * 100 - percent)).toBeLessThan(0.5);
    }
  });

  it("moves chats only from old to new as the share rises, and everyone back on a rollback", () => {
    const ids = chats(20_000);
    let before = new Set(ids.filter((c) => chooseVersion(started(1), c, undefined, 1) === "v2"));
    for (const percent of [5, 25, 50, 100]) {
      const now = new Set(ids.filter((c) => chooseVersion(started(percent), c, undefined, 1) === "v2"));
      for (const c of before) expect(now.has(c)).toBe(true);
      before = now;
    }
    expect(before.size).toBe(ids.length);
    const back = command(started(25), "rollback", 5, HOUR);
    expect(ids.every((c) => chooseVersion(back, c, "v2", 6) === "v1")).toBe(true);
  });

  it("keeps a conversation on its version while the share changes and after a promotion", () => {
    const ids = chats(5000);
    const at5 = started(5);
    const first = new Map(ids.map((c) => [c, chooseVersion(at5, c, undefined, 1)]));
    const at50 = started(50);
    for (const c of ids) expect(chooseVersion(at50, c, first.get(c), 2)).toBe(first.get(c));
    const promoted = command(started(100), "promote", 10, HOUR);
    expect(promoted.stable).toBe("v2");
    // Under way on v1: still v1 until the region's retention has ended those conversations.
    expect(chooseVersion(promoted, ids[0]!, "v1", 10 + HOUR - 1)).toBe("v1");
    expect(chooseVersion(promoted, ids[0]!, "v1", 10 + HOUR + 1)).toBe("v2");
    expect(chooseVersion(promoted, ids[0]!, undefined, 11)).toBe("v2");
  });

  it("keeps a conversation on a version promoted away from, also across a second promotion", () => {
    const first = command(started(100), "promote", 10, HOUR);
    const second = command(command({ ...first, stages: [100] }, "start", 20, HOUR, "v3"), "promote", 40, HOUR);
    expect(second.stable).toBe("v3");
    expect(second.retiring.map((r) => r.version)).toEqual(["v1", "v2"]);
    expect(chooseVersion(second, "any", "v1", 50)).toBe("v1");
    expect(chooseVersion(second, "any", "v2", 50)).toBe("v2");
    expect(chooseVersion(second, "any", undefined, 50)).toBe("v3");
  });

  it("puts each candidate's share on a different set of chats", () => {
    const ids = chats(10_000);
    const a = ids.filter((c) => bucketOf(c, "v2") < 500);
    const b = new Set(ids.filter((c) => bucketOf(c, "v3") < 500));
    expect(a.filter((c) => b.has(c)).length).toBeLessThan(a.length / 4);
  });
});

describe("the rule", () => {
  const judge = (state: RolloutState, candidate: VersionStats, stable = stats(), now = 1000) =>
    decide(state, { candidate, stable }, now, HOUR);

  it("holds without enough replies, however clean they look", () => {
    const d = judge(started(1), stats({ replies: 50, failures: 0 }));
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/not enough data/);
    expect(d.state.candidate!.percent).toBe(1);
  });

  it("rolls back a version with twice the failures after two windows over the guardrail", () => {
    const bad = stats({ replies: 3000, failures: 60 });
    const first = judge(started(1), bad);
    expect(first.action).toBe("hold");
    expect(first.reason).toMatch(/failures 2\.0 % against 1\.0 %/);
    const second = judge(first.state, bad, stats(), 2000);
    expect(second.action).toBe("rollback");
    expect(second.state.candidate).toBeNull();
  });

  it("cannot tell twice the failures from chance in a few hundred replies, and says so rather than passing it", () => {
    const d = judge(started(1), stats({ replies: 400, failures: 8 }));
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/not enough data to tell: failures 2\.0 % of 400 replies/);
    expect(d.state.candidate!.percent).toBe(1);
  });

  it("rolls back a P90 reply 30 % slower, and at once below the hard floor", () => {
    const slow = stats({ p90ReplyMs: 3900 });
    const once = judge(started(5), slow);
    expect(judge(once.state, slow).action).toBe("rollback");
    const broken = judge(started(1), stats({ replies: 30, failures: 10 }));
    expect(broken.action).toBe("rollback");
    expect(broken.reason).toMatch(/hard floor/);
  });

  it("forgives one bad window followed by a good one", () => {
    const once = judge(started(5), stats({ p90ReplyMs: 3900 }));
    expect(once.reason).toMatch(/over a guardrail once/);
    const good = judge(once.state, stats());
    expect(good.action).toBe("advance");
    expect(good.state.candidate!.over).toBe(0);
  });

  it("takes a good version through every stage to stable", () => {
    let state = started(1);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = judge(state, stats(), stats(), 1000 * (i + 1));
      seen.push(d.state.candidate?.percent ?? 100);
      state = d.state;
    }
    expect(seen).toEqual([5, 25, 50, 100, 100]);
    expect(state.stable).toBe("v2");
    expect(state.retiring).toEqual([{ version: "v1", until: 5000 + HOUR }]);
  });

  it("judges users' thumbs only with enough of them", () => {
    const few = judge(started(5), stats({ thumbsUp: 1, thumbsDown: 9 }), stats({ thumbsUp: 9, thumbsDown: 1 }));
    expect(few.action).toBe("advance");
    // Enough on one side only, either side: not judged either.
    const candidateOnly = judge(
      started(5),
      stats({ thumbsUp: 10, thumbsDown: 30 }),
      stats({ thumbsUp: 9, thumbsDown: 1 }),
    );
    expect(candidateOnly.action).toBe("advance");
    const stableOnly = judge(
      started(5),
      stats({ thumbsUp: 1, thumbsDown: 9 }),
      stats({ thumbsUp: 30, thumbsDown: 10 }),
    );
    expect(stableOnly.action).toBe("advance");
    const many = judge(started(5), stats({ thumbsUp: 10, thumbsDown: 30 }), stats({ thumbsUp: 30, thumbsDown: 10 }));
    expect(many.action).toBe("hold");
    expect(many.reason).toMatch(/thumbs down 75\.0 %/);
  });

  it("compares with the stable version's last baseline when it has too few replies of its own", () => {
    const baselined = { ...started(100), baseline: stats() };
    const d = judge(baselined, stats({ failures: 40 }), stats({ replies: 3, failures: 0 }));
    expect(d.reason).toMatch(/over a guardrail once: failures 4\.0 % against 1\.0 %/);
    const none = judge(started(100), stats(), stats({ replies: 3 }));
    expect(none.action).toBe("hold");
    expect(none.reason).toMatch(/not enough data/);
  });

  it("neither judges a paused rollout nor lets a person start a second one", () => {
    const paused = command(started(5), "pause", 1, HOUR);
    expect(judge(paused, stats({ failures: 500 })).action).toBe("hold");
    expect(() => command(paused, "start", 2, HOUR, "v3")).toThrow(RolloutError);
    expect(() => command(initialState("v1"), "start", 2, HOUR, "v1")).toThrow(/stable version already/);
  });

  it("catches a P90 30 % worse with the documented numbers, and lets 10 % worse through", () => {
    expect(DEFAULT_POLICY.windowsToRollback).toBe(2);
    expect(judge(started(5), stats({ p90ReplyMs: 3900 })).reason).toMatch(/P90 reply 3900 ms against 3000 ms/);
    expect(judge(started(5), stats({ p90ReplyMs: 3300 })).action).toBe("advance");
  });
});

describe("version ids", () => {
  it("change with any part of a version, and not otherwise", () => {
    const file = parseRegionFile(regionFile);
    const v1 = file.regions.eu!.models.versions.v1!;
    const id = versionId("v1", v1, "prompt");
    expect(id).toMatch(/^v1-[0-9a-f]{8}$/);
    expect(versionId("v1", v1, "prompt")).toBe(id);
    expect(versionId("v1", v1, "another prompt")).not.toBe(id);
    expect(versionId("v1", { ...v1, vllm: "vllm/vllm-openai:v0.34.0" }, "prompt")).not.toBe(id);
  });
});
