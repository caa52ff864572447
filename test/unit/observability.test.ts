import http from "node:http";
import path from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { MessageMetrics } from "../../edge/core/message-metrics.js";
import { createMetricsSink } from "../../edge/services/metrics.js";
import { AGENT_METRICS } from "../../gpu-origin/agent/agent-metrics.js";
import { scrape } from "../../infra/observability/analytics-exporter.js";
import {
  column,
  GATEWAY_METRICS,
  NO_ROWS,
  renderGatewayMetrics,
  rowsFromRecords,
} from "../../infra/observability/gateway-metrics.js";
import { startMetricsEndpoint, type MetricsEndpoint } from "../../infra/local/metrics-endpoint.js";
import { versionFigures } from "../../edge/services/rollout-figures.js";
import type { Config } from "../../edge/config.js";
import { serverScrapeConfig, standInOutputs, targetsFile } from "../../scripts/deploy.js";
import regionFile from "../../infra/regions.json" with { type: "json" };
import { answeredRecord } from "../support/metrics-record.js";
import vllm from "../fixtures/vllm/metrics.json" with { type: "json" };

const dashboard = JSON.parse(readFileSync("infra/observability/grafana-dashboard.json", "utf8")) as {
  panels: Array<{
    title: string;
    type: string;
    gridPos: { x: number; y: number; w: number; h: number };
    targets?: Array<{ expr: string }>;
  }>;
};
const alerts = parse(readFileSync("infra/observability/alerts.yml", "utf8")) as {
  groups: Array<{
    rules: Array<{ alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }>;
  }>;
};
const prometheus = parse(readFileSync("infra/observability/prometheus.yml", "utf8")) as {
  rule_files: string[];
  scrape_config_files?: string[];
  scrape_configs: Array<{ job_name: string; file_sd_configs?: Array<{ files: string[] }> }>;
};
const exprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
];
const rule = (name: string) => alerts.groups.flatMap((g) => g.rules).find((r) => r.alert === name);

/** What really emits a metric: the edge (its records, through the exporter), vLLM, the GPU servers' agent, Prometheus itself. */
const EMITTED = new Set<string>([
  ...Object.values(GATEWAY_METRICS),
  ...vllm.gauges,
  ...vllm.counters.map((c) => `${c}_total`),
  ...vllm.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  ...Object.values(AGENT_METRICS),
  "up",
]);
const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "or", "and", "unless"]);
const FUNCTIONS =
  /\b(max|min|sum|avg|count|rate|irate|increase|histogram_quantile|clamp_min|clamp_max|absent|le|quantile|scalar|last_over_time|sum_over_time)\b/;

/** The metric names a PromQL expression reads (not its labels, functions or keywords). */
function metricsOf(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\bby \([^)]*\)/g, "");
  return [...withoutLabels.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w) && !FUNCTIONS.test(w) && !/^\d/.test(w));
}

const record = (over: Partial<MessageMetrics>): MessageMetrics => answeredRecord({ kvReads: 1, ...over });
const V1 = "v1-1a2b3c4d";
const V2 = "v2-0f0e0d0c";

describe("alerts and dashboards", () => {
  it("name only metrics something really emits: the edge's records, vLLM, Prometheus", () => {
    const read = new Set(exprs.flatMap(metricsOf));
    expect([...read].filter((m) => !EMITTED.has(m))).toEqual([]);
    // (And they read what they should: the check above is not vacuous.)
    for (const m of ["gateway_reply_seconds_5m", "gateway_messages_5m", "vllm:num_requests_waiting", "up"])
      expect(read).toContain(m);
  });

  it("alert per region on the SLOs (P90 reply under 2 s, model success over 99.9 %), origins down and dead letters", () => {
    // Over all the region's messages (the series without a version), not a model version's own.
    expect(rule("ReplyTimeP90AboveTwoSeconds")?.expr).toBe(
      'max by (region) (gateway_reply_seconds_5m{quantile="0.9",version=""}) > 2',
    );
    expect(rule("ModelCallSuccessBelow999")?.expr).toMatch(/sum by \(region\)[\s\S]*> 0\.001\s*$/);
    expect(rule("OriginDown")?.expr).toBe('up{job="vllm-origins"} == 0');
    expect(rule("MessagesDeadLettered")?.expr).toContain('outcome="dead_lettered"');
    // Without the edge's records the SLO alerts could never fire: that is alerted on too.
    expect(rule("EdgeMetricsUnreadable")?.expr).toContain("absent(gateway_analytics_up)");
  });

  it("alert per region when capacity is short: messages held, busy notes sent, overflow carrying traffic", () => {
    expect(rule("MessagesHeldForCapacity")?.expr).toContain('gateway_held_seconds_5m{quantile="0.9"}');
    expect(rule("BusyNotesSent")?.expr).toContain('outcome=~"busy_note|faq_busy"');
    expect(rule("AutoscalerSignalNotPublished")?.expr).toContain(AGENT_METRICS.publishFailures);
    expect(rule("PoolAboveItsTarget")?.expr).toContain(AGENT_METRICS.queueLoad);
    expect(rule("OverflowCarryingTraffic")?.expr).toMatch(/sum by \(region\) \(gateway_overflow_5m\)/);
    // And a panel shows each.
    const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    for (const metric of ["gateway_model_inflight_5m", "gateway_held_seconds_5m", "gateway_overflow_5m", "busy_note"])
      expect(
        panels.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
  });

  it("show each model version side by side in a row of its own, and alert when one is rolled back", () => {
    const row = dashboard.panels.find((p) => p.type === "row" && p.title === "Model versions")!;
    expect(row).toBeDefined();
    // The row's panels: those below it (to the next row, there is none).
    const below = dashboard.panels.filter((p) => p.gridPos.y > row.gridPos.y);
    const exprOf = (title: RegExp) =>
      below
        .find((p) => title.test(p.title))
        ?.targets?.map((t) => t.expr)
        .join("\n");
    const perVersion = /by \(region, version(, action)?\)/;
    for (const [title, metric] of [
      [/replies per second/, "gateway_messages_5m"],
      [/failure share/, 'outcome=~"model_failed|faq_offline"'],
      [/P90 reply/, 'gateway_reply_seconds_5m{version!="",quantile="0.9"}'],
      [/P99 first token/, 'gateway_first_token_seconds_5m{version!="",quantile="0.99"}'],
      [/tokens out per answer/, "gateway_tokens_out_5m"],
      [/thumbs-down share/, 'outcome=~"reaction_down"'],
      [/rollout share/, "gateway_rollout_share"],
      [/rollout decisions/, "gateway_rollout_decisions_5m"],
    ] as const) {
      const expr = exprOf(title);
      expect(expr, String(title)).toContain(metric);
      expect(expr, String(title)).toMatch(perVersion);
    }
    // Side by side: no two panels of the row overlap, and rows of them fill the width.
    for (const a of below)
      for (const b of below)
        if (a !== b)
          expect(
            a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
              b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
              a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
              b.gridPos.y + b.gridPos.h <= a.gridPos.y,
            `${a.title} / ${b.title}`,
          ).toBe(true);
    expect(new Set(below.map((p) => p.gridPos.y)).size).toBe(2);

    const rolledBack = rule("ModelRolloutRolledBack")!;
    expect(rolledBack.expr).toBe('sum by (region, version) (gateway_rollout_decisions_5m{action="rollback"}) > 0');
    expect(rolledBack.labels.severity).toBe("warn");
    expect(rolledBack.annotations.description).toContain("npm run rollout -- <env> {{ $labels.region }} status");
    // The same severities as every other rule (what Alertmanager routes by).
    const severities = new Set(alerts.groups.flatMap((g) => g.rules.map((r) => r.labels.severity)));
    expect([...severities].sort()).toEqual(["page", "warn"]);
  });

  it("scrape the pools' servers as the deploy configures it from Terraform's outputs, under the jobs alerts read", () => {
    expect(prometheus.scrape_config_files).toEqual(["targets/*.json"]);
    // The files the deploy writes are the ones that glob reads.
    const glob = prometheus.scrape_config_files![0]!;
    for (const env of ["staging", "production"] as const)
      expect(path.matchesGlob(path.relative("infra/observability", targetsFile(env)), glob), env).toBe(true);
    const pools = JSON.parse(JSON.stringify(standInOutputs("production").origin_pools.value));
    const { scrape_configs: jobs } = serverScrapeConfig("production", pools);
    // Every job alerts and panels name by `job=` is one the servers are scraped under.
    const named = [...new Set(exprs.flatMap((e) => [...e.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!)))];
    const scraped = jobs.map((j) => j.relabel_configs.find((r) => r.target_label === "job")!.replacement);
    expect(named.length).toBeGreaterThan(0);
    for (const job of named) expect(scraped, job).toContain(job);
    // And every region's servers are discovered, in each of its zones.
    for (const [id, r] of Object.entries(regionFile.regions))
      for (const zone of r.origins.zones)
        expect(
          jobs[0]!.gce_sd_configs.some((d) => d.zone === zone && d.filter.includes(`labels.region = "${id}"`)),
          zone,
        ).toBe(true);
    expect(prometheus.rule_files).toEqual(["alerts.yml"]);
  });
});

describe("the edge's metrics from Analytics Engine", () => {
  it("reads the columns the Worker writes its fields to", () => {
    const points: Array<{ indexes: string[]; blobs: string[]; doubles: number[] }> = [];
    const sink = createMetricsSink({ METRICS: { writeDataPoint: (p) => void points.push(p) } });
    void sink.record(record({ outcome: "model_failed", totalMs: 1234, firstTokenMs: 0 }));
    const [point] = points;
    const at = (col: string) =>
      col.startsWith("blob") ? point!.blobs[Number(col.slice(4)) - 1] : point!.doubles[Number(col.slice(6)) - 1];
    expect(at(column("outcome"))).toBe("model_failed");
    expect(at(column("region"))).toBe("eu");
    expect(at(column("totalMs"))).toBe(1234);
    expect(point!.indexes).toEqual(["eu"]);
  });

  let api: http.Server;
  let apiUrl = "";
  const queries: string[] = [];
  let fail = false;
  beforeAll(async () => {
    // Cloudflare's SQL API as it answers FORMAT JSON (64-bit numbers as strings).
    api = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        queries.push(body);
        if (fail || req.headers.authorization !== "Bearer read-token") return void res.writeHead(403).end("{}");
        const data = body.includes("GROUP BY channel")
          ? [
              {
                channel: "telegram",
                region: "eu",
                outcome: "answered",
                delivery: "delivered",
                version: V2,
                messages: "120",
              },
              {
                channel: "telegram",
                region: "eu",
                outcome: "command",
                delivery: "delivered",
                version: "",
                messages: "7",
              },
            ]
          : body.includes("GROUP BY region, version, outcome")
            ? [
                { region: "eu", version: V2, outcome: "rollout_hold", decisions: "1", at: "1767322000", share: 5 },
                { region: "eu", version: V2, outcome: "rollout_rollback", decisions: "1", at: "1767322300", share: 0 },
              ]
            : body.includes("GROUP BY region, version")
              ? [
                  {
                    region: "eu",
                    version: V2,
                    reply_05: 1.1,
                    reply_09: 2.9,
                    reply_099: 5,
                    first_token_05: 0.4,
                    first_token_09: 0.7,
                    first_token_099: 1.3,
                    replies: "40",
                    first_tokens: "38",
                    tokens_out: "1600",
                  },
                  // Only reactions in the window: no reply to take a quantile of (whatever the query answered).
                  {
                    region: "eu",
                    version: V1,
                    reply_09: 0,
                    first_token_099: 0,
                    replies: "0",
                    first_tokens: "0",
                    tokens_out: "0",
                  },
                ]
              : [
                  {
                    region: "eu",
                    reply_05: 0.9,
                    reply_09: 2.4,
                    reply_099: 4.1,
                    first_token_05: 0.3,
                    first_token_09: 0.5,
                    first_token_099: 1,
                    ack_05: 0.002,
                    ack_09: 0.003,
                    ack_099: 0.01,
                    held_05: 4,
                    held_09: 12.5,
                    held_099: 30,
                    inflight: "41.7",
                    overflowed: "3",
                  },
                ];
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ meta: [], data, rows: data.length }));
      });
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => api.close(() => r())));

  const options = () => ({
    accountId: "acct",
    apiToken: "read-token",
    dataset: "gateway_messages_production",
    apiBase: apiUrl,
  });

  it("serves per-region figures from the SQL API, weighted by the sampling", async () => {
    const text = await scrape(options());
    expect(text).toContain("gateway_analytics_up 1");
    expect(text).toContain(
      `gateway_messages_5m{channel="telegram",region="eu",outcome="answered",delivery="delivered",version="${V2}"} 120`,
    );
    expect(text).toContain(
      'gateway_messages_5m{channel="telegram",region="eu",outcome="command",delivery="delivered",version=""} 7',
    );
    // The region's reply time, and its model versions' own.
    expect(text).toContain('gateway_reply_seconds_5m{region="eu",quantile="0.9"} 2.4');
    expect(text).toContain(`gateway_reply_seconds_5m{region="eu",version="${V2}",quantile="0.9"} 2.9`);
    expect(text).toContain(`gateway_first_token_seconds_5m{region="eu",version="${V2}",quantile="0.99"} 1.3`);
    expect(text).not.toContain(`gateway_reply_seconds_5m{region="eu",version="${V1}"`);
    expect(text).toContain(`gateway_tokens_out_5m{region="eu",version="${V2}"} 1600`);
    // Two decisions in the window; the share is the latest one's (the rollback's).
    expect(text).toContain(`gateway_rollout_decisions_5m{region="eu",version="${V2}",action="hold"} 1`);
    expect(text).toContain(`gateway_rollout_decisions_5m{region="eu",version="${V2}",action="rollback"} 1`);
    expect(text).toContain(`gateway_rollout_share{region="eu",version="${V2}"} 0`);
    expect(text).toContain('gateway_held_seconds_5m{region="eu",quantile="0.9"} 12.5');
    expect(text).toContain('gateway_model_inflight_5m{region="eu"} 41.7');
    expect(text).toContain('gateway_overflow_5m{region="eu"} 3');
    expect(queries.every((q) => q.includes("FROM gateway_messages_production") && q.includes("_sample_interval"))).toBe(
      true,
    );
    expect(queries.some((q) => q.includes(`${column("outcome")} AS outcome`))).toBe(true);
    expect(queries.some((q) => q.includes(`${column("version")} AS version`))).toBe(true);
    expect(queries.some((q) => q.includes(`argMax(${column("share")}, timestamp) AS share`))).toBe(true);
  });

  it("says so, rather than serving stale figures, when the SQL API cannot be read", async () => {
    fail = true;
    const text = await scrape(options());
    fail = false;
    expect(text).toContain("gateway_analytics_up 0");
    expect(text).not.toContain("gateway_messages_5m{");
  });

  it("warns a day's traffic ahead that a region would spend its Upstash budget (throttled at it)", () => {
    const text = renderGatewayMetrics(NO_ROWS, true, {
      monthlyBudgetUsd: 270,
      commandsPerMessage: 4.5,
    });
    expect(text).toContain("gateway_upstash_monthly_budget_usd 270");
    expect(text).toContain("gateway_upstash_commands_per_message 4.5");
    // 10 million messages a month cost 90 USD at 4.5 commands: the alert's projection of the last
    // 5 minutes (× 8,640 to a month) crosses 80 % of 270 USD at 24 million a month, 2,778 a 5 minutes.
    const alert = rule("UpstashBudgetNearlySpent")!;
    expect(alert.expr).toMatch(
      /gateway_messages_5m\) \* 8640 \* scalar\(gateway_upstash_commands_per_message\) \* 0\.000002/,
    );
    expect(alert.expr).toMatch(/> 0\.8 \* scalar\(gateway_upstash_monthly_budget_usd\)/);
    expect(renderGatewayMetrics(NO_ROWS, true)).not.toContain("gateway_upstash");
  });

  it("serves the same metrics from the local stack's records, over the same window", () => {
    const now = Date.now();
    const text = renderGatewayMetrics(
      rowsFromRecords(
        [
          { at: now - 1000, record: record({ totalMs: 800 }) },
          { at: now - 2000, record: record({ totalMs: 2600 }) },
          { at: now - 3000, record: record({ outcome: "dead_lettered", delivery: "none", totalMs: 0, modelMs: 0 }) },
          // Held 20 s for a free server, then answered by the region's overflow after 60 s of model time.
          { at: now - 4000, record: record({ totalMs: 81_000, heldMs: 20_000, modelMs: 59_750, overflow: 1 }) },
          { at: now - 10 * 60_000, record: record({ totalMs: 99_000, modelMs: 300_000 }) }, // outside the window
        ],
        now,
      ),
      true,
    );
    expect(text).toContain(
      'gateway_messages_5m{channel="telegram",region="eu",outcome="dead_lettered",delivery="none",version=""} 1',
    );
    expect(text).toContain(
      'gateway_messages_5m{channel="telegram",region="eu",outcome="answered",delivery="delivered",version=""} 3',
    );
    expect(text).toContain('gateway_reply_seconds_5m{region="eu",quantile="0.9"} 81');
    expect(text).toContain('gateway_held_seconds_5m{region="eu",quantile="0.5"} 20');
    // 250 + 250 + 59,750 ms of model time over 5 minutes: 0.2 calls in flight on average.
    expect(text).toContain('gateway_model_inflight_5m{region="eu"} 0.2');
    expect(text).toContain('gateway_overflow_5m{region="eu"} 1');
  });

  it("serves model versions' figures and rollout decisions from the local stack's records", () => {
    const now = Date.now();
    const reaction = (outcome: string, version: string) =>
      record({ outcome, version, delivery: "none", ackMs: 0, firstTokenMs: 0, totalMs: 0, tokensOut: 0, modelMs: 0 });
    const decision = (action: string, share: number) =>
      record({
        channel: "rollout",
        outcome: `rollout_${action}`,
        version: V2,
        share,
        delivery: "none",
        ackMs: 0,
        firstTokenMs: 0,
        totalMs: 0,
        tokensOut: 0,
        modelMs: 0,
        kvReads: 0,
      });
    const text = renderGatewayMetrics(
      rowsFromRecords(
        [
          // v1 (stable) answers fast; v2 (the candidate) slowly, and fails once.
          ...Array.from({ length: 4 }, (_, i) => ({
            at: now - 1000 - i,
            record: record({ version: V1, totalMs: 800 }),
          })),
          { at: now - 2000, record: record({ version: V2, totalMs: 3000, tokensOut: 100 }) },
          { at: now - 2100, record: record({ version: V2, totalMs: 2000, tokensOut: 60 }) },
          { at: now - 2200, record: record({ version: V2, outcome: "model_failed", totalMs: 9000, firstTokenMs: 0 }) },
          // Reactions: messages of their version, with no reply time of their own.
          ...Array.from({ length: 3 }, () => ({ at: now - 2500, record: reaction("reaction_down", V2) })),
          // Decisions: no messages; the latest one's share is the gauge.
          { at: now - 240_000, record: decision("start", 1) },
          { at: now - 3000, record: decision("advance", 5) },
          { at: now - 10 * 60_000, record: decision("hold", 1) }, // outside the window
        ],
        now,
      ),
      true,
    );
    expect(text).toContain(
      `gateway_messages_5m{channel="telegram",region="eu",outcome="answered",delivery="delivered",version="${V1}"} 4`,
    );
    expect(text).toContain(
      `gateway_messages_5m{channel="telegram",region="eu",outcome="model_failed",delivery="delivered",version="${V2}"} 1`,
    );
    expect(text).toContain(
      `gateway_messages_5m{channel="telegram",region="eu",outcome="reaction_down",delivery="none",version="${V2}"} 3`,
    );
    expect(text).not.toMatch(/gateway_messages_5m\{[^}]*outcome="rollout_/);
    // The region's P90 over its 7 replies (not the reactions' zeros), each version's over its own.
    expect(text).toContain('gateway_reply_seconds_5m{region="eu",quantile="0.9"} 9');
    expect(text).toContain('gateway_reply_seconds_5m{region="eu",quantile="0.5"} 0.8');
    expect(text).toContain(`gateway_reply_seconds_5m{region="eu",version="${V1}",quantile="0.9"} 0.8`);
    expect(text).toContain(`gateway_reply_seconds_5m{region="eu",version="${V2}",quantile="0.5"} 3`);
    expect(text).toContain(`gateway_first_token_seconds_5m{region="eu",version="${V2}",quantile="0.99"} 0.3`);
    expect(text).toContain(`gateway_tokens_out_5m{region="eu",version="${V2}"} 160`);
    expect(text).toContain(`gateway_rollout_decisions_5m{region="eu",version="${V2}",action="start"} 1`);
    expect(text).toContain(`gateway_rollout_decisions_5m{region="eu",version="${V2}",action="advance"} 1`);
    expect(text).not.toContain('action="hold"');
    expect(text).toContain(`gateway_rollout_share{region="eu",version="${V2}"} 5`);
  });
});

describe("the local stack's metrics endpoint", () => {
  let endpoint: MetricsEndpoint;
  beforeAll(async () => {
    endpoint = await startMetricsEndpoint();
  });
  afterAll(() => endpoint.close());

  const post = (r: MessageMetrics) =>
    fetch(endpoint.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(r) });
  const versions = (query: string) => fetch(`${endpoint.url}/versions?${query}`);

  it("answers what each model version did in a region since a time, as the edge's rollout rule reads it", async () => {
    for (let i = 0; i < 8; i++) await post(record({ version: V2, totalMs: 1000 + i * 100 }));
    await post(record({ version: V2, outcome: "model_failed", firstTokenMs: 0 }));
    await post(record({ version: V2, outcome: "faq_offline", firstTokenMs: 0 }));
    await post(record({ version: V2, outcome: "reaction_up", firstTokenMs: 0, totalMs: 0 }));
    // Not v2's in eu: another region's, another version's, before the time asked from.
    await post(record({ version: V2, region: "us", outcome: "model_failed" }));
    await post(record({ version: V1, outcome: "model_failed" }));
    const res = await versions(`region=eu&since=0&v=${V2}&v=${V1}&v=v3-00000000`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(body).sort()).toEqual([V1, V2, "v3-00000000"]);
    expect(body[V2]).toMatchObject({ replies: 10, failures: 2, blocked: 0, thumbsUp: 1, thumbsDown: 0 });
    // The 9th of its 10 replies' times (900, 900, 1000…1700 ms), nearest-rank.
    expect(body[V2]!.p90ReplyMs).toBe(1600);
    expect(body[V1]).toMatchObject({ replies: 1, failures: 1 });
    expect(body["v3-00000000"]).toMatchObject({ replies: 0, p90ReplyMs: null, tokensOut: null });

    // Only records at or after `since`.
    const since = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    await post(record({ version: V2, outcome: "refused", delivery: "refused" }));
    const later = (await (await versions(`region=eu&since=${since}&v=${V2}`)).json()) as Record<string, unknown>;
    expect(later[V2]).toMatchObject({ replies: 1, failures: 0, blocked: 1 });

    // The edge's own client of it (services/rollout-figures.ts, METRICS_URL as the local stack sets it).
    const figures = await versionFigures({} as Config, endpoint.url, 2000)("eu", [V2], since);
    expect(figures?.[V2]).toMatchObject({ replies: 1, blocked: 1 });
  });

  it("refuses what is not a region, a time or version ids", async () => {
    for (const query of [
      `since=0&v=${V2}`,
      `region=eu&v=${V2}`,
      `region=eu&since=soon&v=${V2}`,
      "region=eu&since=0",
      `region=eu'&since=0&v=${V2}`,
      `region=eu&since=0&v=${V2}&v=v2'--`,
    ])
      expect((await versions(query)).status, query).toBe(400);
  });
});
