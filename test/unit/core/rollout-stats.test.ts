import { NO_FIGURES } from "../../../edge/core/rollout.js";
import { describe, expect, it } from "vitest";
import type { MessageMetrics } from "../../../edge/core/message-metrics.js";
import { VersionStats } from "../../../edge/core/rollout.js";
import {
  column,
  versionStatsFromRecords,
  versionStatsFromSql,
  versionStatsSql,
} from "../../../edge/core/rollout-stats.js";
import { answeredRecord } from "../../support/metrics-record.js";

const V1 = "v1-1a2b3c4d";
const V2 = "v2-0f0e0d0c";

const record = (over: Partial<MessageMetrics>): MessageMetrics => answeredRecord({ version: V2, ...over });

describe("a version's figures from the records", () => {
  it("counts its replies, failures and blocked answers, and nothing of another version", () => {
    const records = [
      // v2: 10 replies, 2 of them failed (the model, then the FAQ while offline), 1 refused by a filter.
      ...Array.from({ length: 7 }, () => record({})),
      record({ outcome: "model_failed", firstTokenMs: 0, tokensOut: 0 }),
      record({ outcome: "faq_offline", firstTokenMs: 0, tokensOut: 0 }),
      record({ outcome: "refused", delivery: "refused" }),
      // Not replies of v2: a command, an answer of no version, v1's answers and failures.
      record({ outcome: "command", version: "", firstTokenMs: 0 }),
      record({ version: "", totalMs: 60_000 }),
      ...Array.from({ length: 5 }, () => record({ version: V1, outcome: "model_failed", totalMs: 30_000 })),
    ];
    const stats = versionStatsFromRecords(records, V2);
    expect(VersionStats.parse(stats)).toEqual(stats);
    expect(stats).toMatchObject({ replies: 10, failures: 2, blocked: 1, thumbsUp: 0, thumbsDown: 0 });
    expect(stats.p90ReplyMs).toBe(900);
    expect(versionStatsFromRecords(records, V1)).toMatchObject({ replies: 5, failures: 5, blocked: 0 });
  });

  it("counts an answer a fallback region gave when the version's own pool failed as the version's failure", () => {
    const records = [record({}), record({ versionFailed: 1 }), record({ versionFailed: 1, outcome: "faq_offline" })];
    expect(versionStatsFromRecords(records, V2)).toMatchObject({ replies: 3, failures: 2 });
  });

  it("counts users' reactions on its answers, which are no replies", () => {
    const reaction = (outcome: string, version = V2) =>
      record({ outcome, version, delivery: "none", ackMs: 0, firstTokenMs: 0, totalMs: 0, tokensOut: 0, modelMs: 0 });
    const records = [
      record({}),
      reaction("reaction_up"),
      reaction("reaction_up"),
      reaction("reaction_down"),
      reaction("reaction_down", V1),
    ];
    const stats = versionStatsFromRecords(records, V2);
    expect(stats).toMatchObject({ replies: 1, thumbsUp: 2, thumbsDown: 1 });
    // A reaction's zero times are not replies' times.
    expect(stats.p90ReplyMs).toBe(900);
  });

  it("takes nearest-rank quantiles over the replies, means over the answers, null over none", () => {
    // Reply times 100…1000 ms: P90 is the 9th (⌈0.9 × 10⌉), 900 ms, with no interpolation.
    const records = Array.from({ length: 10 }, (_, i) =>
      record({ totalMs: (i + 1) * 100, firstTokenMs: i === 0 ? 0 : (i + 1) * 10, tokensOut: i < 5 ? 10 : 30 }),
    );
    records.push(record({ outcome: "model_failed", totalMs: 5000, firstTokenMs: 0, tokensOut: 0, modelMs: 0 }));
    const stats = versionStatsFromRecords(records, V2);
    // 11 replies: ⌈0.9 × 11⌉ = 10th smallest.
    expect(stats.p90ReplyMs).toBe(1000);
    // First tokens only where there was one (9 of the answers): ⌈0.99 × 9⌉ = 9th, the largest.
    expect(stats.p99FirstTokenMs).toBe(100);
    // Means over the 10 answers only (not the failure's zeros).
    expect(stats.tokensOut).toBe(20);
    expect(stats.modelMs).toBe(250);
    expect(versionStatsFromRecords(records, V1)).toEqual(NO_FIGURES);
  });
});

describe("a version's figures from Analytics Engine", () => {
  const since = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

  it("asks for the region's versions since a time, weighted by the sampling", () => {
    const sql = versionStatsSql("gateway_messages_production", "eu", [V1, V2], since);
    expect(sql).toContain("FROM gateway_messages_production");
    expect(sql).toContain(`WHERE ${column("region")} = 'eu'`);
    expect(sql).toContain(`${column("version")} IN ('${V1}', '${V2}')`);
    // Whole seconds: Analytics Engine's timestamps have none smaller.
    expect(sql).toContain(`timestamp >= toDateTime(${Math.floor(since / 1000)})`);
    expect(sql).toContain(`GROUP BY version`);
    expect(sql).toContain(`quantileExactWeighted(0.9)(${column("totalMs")}, if(`);
    expect(sql).toContain(`quantileExactWeighted(0.99)(${column("firstTokenMs")}, if(`);
    expect(sql).toMatch(/SUM\(if\(blob3 = 'reaction_down', _sample_interval, 0\)\) AS thumbs_down/);
    expect(column("version")).toBe("blob5");
    expect(column("share")).toBe("double18");
  });

  it("rejects what is not a dataset, region, version id or time, rather than quote it", () => {
    const ok = (over: { dataset?: string; region?: string; versions?: string[]; since?: number }) => () =>
      versionStatsSql(over.dataset ?? "ds", over.region ?? "eu", over.versions ?? [V1], over.since ?? since);
    expect(ok({})).not.toThrow();
    for (const region of ["eu'", "eu' OR '1'='1", "EU", "e", "", "eu\\", "eu--"])
      expect(ok({ region }), region).toThrow(/region/);
    for (const version of [
      "v1-1a2b3c4d' OR 1=1 --",
      "v1-1A2B3C4D",
      "v1-1a2b3c4",
      "v1_1a2b3c4d",
      "toolongname-1a2b3c4d",
      "",
      "v1-1a2b3c4d\n",
    ])
      expect(ok({ versions: [V1, version] }), JSON.stringify(version)).toThrow(/version/);
    expect(ok({ versions: [] })).toThrow(/version/);
    for (const dataset of ["ds; DROP", "ds ", "a-b", ""]) expect(ok({ dataset }), dataset).toThrow(/dataset/);
    for (const t of [Number.NaN, Number.POSITIVE_INFINITY, -1]) expect(ok({ since: t }), String(t)).toThrow(/time/);
  });

  it("reads its rows as the SQL API answers them (numbers as strings), a version without one as nothing done", () => {
    const rows = [
      {
        version: V2,
        replies: "10",
        failures: "2",
        blocked: "1",
        p90_reply_ms: 1850,
        first_tokens: "8",
        p99_first_token_ms: "420",
        answered: "7",
        tokens_out: "1400",
        model_ms: "2100",
        thumbs_up: "3",
        thumbs_down: "1",
      },
      // A version whose replies all failed: quantileExactWeighted over zero weights answers a value, not NaN.
      { version: V1, replies: "4", failures: "4", first_tokens: "0", p99_first_token_ms: 0, answered: "0" },
    ];
    expect(versionStatsFromSql(rows, V2)).toEqual({
      replies: 10,
      failures: 2,
      blocked: 1,
      p90ReplyMs: 1850,
      p99FirstTokenMs: 420,
      tokensOut: 200,
      modelMs: 300,
      thumbsUp: 3,
      thumbsDown: 1,
    });
    expect(versionStatsFromSql(rows, V1)).toMatchObject({
      replies: 4,
      failures: 4,
      p99FirstTokenMs: null,
      tokensOut: null,
      modelMs: null,
    });
    const none = versionStatsFromSql(rows, "v3-00000000");
    expect(VersionStats.parse(none)).toEqual(NO_FIGURES);
  });

  it("counts the same from records as the query does from their rows (one row each, no sampling)", () => {
    const records = [
      record({ totalMs: 700 }),
      record({ totalMs: 1300, tokensOut: 80 }),
      record({ outcome: "model_failed", totalMs: 4000, firstTokenMs: 0 }),
      record({ outcome: "reaction_down", totalMs: 0, firstTokenMs: 0 }),
    ];
    // What the query computes for these rows, each weighted 1.
    const row = {
      version: V2,
      replies: "3",
      failures: "1",
      blocked: "0",
      p90_reply_ms: 4000,
      first_tokens: "2",
      p99_first_token_ms: 300,
      answered: "2",
      tokens_out: "120",
      model_ms: "500",
      thumbs_up: "0",
      thumbs_down: "1",
    };
    expect(versionStatsFromSql([row], V2)).toEqual(versionStatsFromRecords(records, V2));
  });
});
