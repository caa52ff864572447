import { performance } from "node:perf_hooks";
import { chooseVersion, command, decide, initialState, type VersionStats } from "../../edge/core/rollout.js";
import { quantile, random } from "../numbers.js";
import type { Row } from "../support.js";

const HOUR = 3_600_000;

/**
 * `npm run bench -- rollout`: what choosing a model version costs a message, how close the split is
 * to its weights, and the rule replayed over simulated windows of a region's traffic: how soon a
 * version with twice the failures, or a P90 reply 30 % worse, is rolled back after reaching its
 * minimum sample, how many chats ever saw it, and how long a good one takes to become stable.
 *
 * The traffic: a region at 10 million messages a month (2,300 replies per 10-minute window, a
 * quarter of them starting a conversation, as in the cost bench's mix), a stable version failing
 * 1 % of replies with a log-normal reply time (median 2.66 s, the Azure conversation trace's median
 * reply at a server at its target: docs/COSTS.md), each conversation 4 replies long. Seeded: the
 * same figures every run.
 */
export async function rollout(): Promise<Row[]> {
  const rows: Row[] = [];

  // The cost of a choice: a conversation under way (the common case) and a new one (a hash).
  const chats = Array.from({ length: 200_000 }, (_, i) => `k${(i * 2654435761) % 4294967291}`.slice(0, 16));
  const state = { ...command(initialState("v1"), "start", 0, HOUR, "v2"), candidate: null } as ReturnType<
    typeof initialState
  >;
  const canary = command(initialState("v1"), "start", 0, HOUR, "v2");
  const perCall: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const s of [state, canary]) {
      const t0 = performance.now();
      let on = 0;
      for (let i = 0; i < chats.length; i++)
        if (chooseVersion(s, chats[i]!, i % 4 ? "v1" : undefined, 1) === "v2") on++;
      perCall.push(((performance.now() - t0) * 1000) / chats.length);
      if (on < 0) throw new Error("unreachable");
    }
  }
  rows.push([
    "rollout",
    "choosing a version, per message (200,000 chats, 3 in 4 under way)",
    `${quantile(perCall, 0.5).toFixed(3)} µs median of 10 rounds`,
    `max ${Math.max(...perCall).toFixed(3)} µs (target < 50 µs)`,
  ]);

  // The split against its weights over 100,000 new conversations.
  const errors = [1, 5, 25, 50].map((percent) => {
    const s = { ...canary, candidate: { ...canary.candidate!, percent } };
    const on = chats.slice(0, 100_000).filter((c) => chooseVersion(s, c, undefined, 1) === "v2").length;
    return Math.abs(on / 1000 - percent);
  });
  rows.push([
    "rollout",
    "split of 100,000 new conversations at 1, 5, 25, 50 %",
    `largest error ${Math.max(...errors).toFixed(2)} points`,
    "target ≤ 0.5",
  ]);

  // The rule, replayed.
  for (const [name, bad] of [
    ["twice the failures", { failures: 2 }],
    ["P90 reply 30 % worse", { slower: 1.3 }],
    ["the same as stable", {}],
  ] as const) {
    const results = Array.from({ length: 50 }, (_, seed) => replay(seed + 1, bad));
    const rolledBack = results.filter((r) => r.outcome === "rollback");
    const saw = results.map((r) => r.chatsSaw);
    const hours = (windows: number) => `${((windows * 10) / 60).toFixed(1)} h`;
    if (name === "the same as stable") {
      const promoted = results.filter((r) => r.outcome === "promote");
      rows.push([
        "rollout",
        `a version ${name} (50 replays)`,
        `promoted in ${promoted.length} of 50, median ${hours(
          quantile(
            promoted.map((r) => r.windows),
            0.5,
          ),
        )} from the start`,
        `${rolledBack.length} rolled back wrongly`,
      ]);
    } else {
      const windows = rolledBack.map((r) => r.windows);
      rows.push([
        "rollout",
        `a version with ${name} (50 replays)`,
        `rolled back in ${rolledBack.length} of 50, median ${hours(quantile(windows, 0.5))} (max ${hours(Math.max(...windows))}) from the start, on median ${quantile(
          rolledBack.map((r) => r.replies),
          0.5,
        )} of its replies`,
        `at most ${(Math.max(...saw) * 100).toFixed(2)} % of chats saw it (target ≤ 5 %)`,
      ]);
    }
  }
  return rows;
}

/** One rollout over simulated 10-minute windows of a region's traffic. */
function replay(
  seed: number,
  candidate: { failures?: number; slower?: number },
): { outcome: "rollback" | "promote" | "none"; windows: number; replies: number; chatsSaw: number } {
  const rand = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const replyMs = (slower: number) => 2660 * Math.exp(0.5 * normal()) * slower;
  const REPLIES = 2300;
  const NEW_SHARE = 0.25;
  let state = command(initialState("v1"), "start", 0, HOUR, "v2");
  let now = 0;
  let newChats = 0;
  let chatsOnCandidate = 0;
  // What the records say since the candidate's stage began (the rule reads that span).
  let stats = { cand: [] as number[], candFail: 0, stable: [] as number[], stableFail: 0 };
  for (let window = 1; window <= 200; window++) {
    now += 600_000;
    const percent = state.candidate?.percent ?? 0;
    for (let i = 0; i < REPLIES; i++) {
      if (rand() < NEW_SHARE) {
        newChats++;
        if (rand() * 100 < percent) chatsOnCandidate++;
      }
      const onCandidate = rand() * 100 < percent;
      if (onCandidate) {
        stats.cand.push(replyMs(candidate.slower ?? 1));
        if (rand() < 0.01 * (candidate.failures ?? 1)) stats.candFail++;
      } else {
        stats.stable.push(replyMs(1));
        if (rand() < 0.01) stats.stableFail++;
      }
    }
    const figures = (times: number[], failures: number): VersionStats => ({
      replies: times.length,
      failures,
      blocked: 0,
      p90ReplyMs: times.length ? quantile(times, 0.9) : null,
      p99FirstTokenMs: null,
      tokensOut: null,
      modelMs: null,
      thumbsUp: 0,
      thumbsDown: 0,
    });
    const decision = decide(
      state,
      { candidate: figures(stats.cand, stats.candFail), stable: figures(stats.stable, stats.stableFail) },
      now,
      HOUR,
    );
    state = decision.state;
    if (decision.action === "advance") stats = { cand: [], candFail: 0, stable: [], stableFail: 0 };
    if (decision.action === "rollback" || decision.action === "promote")
      return {
        outcome: decision.action,
        windows: window,
        replies: stats.cand.length,
        chatsSaw: chatsOnCandidate / newChats,
      };
  }
  return { outcome: "none", windows: 200, replies: stats.cand.length, chatsSaw: chatsOnCandidate / newChats };
}
