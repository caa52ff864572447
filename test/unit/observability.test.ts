import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { prometheusText } from "../../infra/local/metrics-endpoint.js";

const VLLM_METRICS = [
  "vllm:num_requests_running",
  "vllm:num_requests_waiting",
  "vllm:kv_cache_usage_perc",
  "vllm:time_to_first_token_seconds_bucket",
  "vllm:e2e_request_latency_seconds_bucket",
];

const dashboard = JSON.parse(readFileSync("infra/observability/grafana-dashboard.json", "utf8")) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
const alerts = parse(readFileSync("infra/observability/alerts.yml", "utf8")) as {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
};
const scrape = parse(readFileSync("infra/observability/prometheus.yml", "utf8")) as {
  rule_files: string[];
  scrape_configs: Array<{ job_name: string; metrics_path?: string; gce_sd_configs?: Array<{ port: number }> }>;
};
const exprs = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
  ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
];
const rule = (name: string) => alerts.groups.flatMap((g) => g.rules).find((r) => r.alert === name);

describe("observability", () => {
  it("scrapes the origins' vLLM metrics on the private port only, and loads the alert rules", () => {
    const origins = scrape.scrape_configs.find((s) => s.job_name === "vllm-origins");
    expect(origins?.metrics_path).toBe("/metrics");
    expect(origins?.gce_sd_configs?.every((c) => c.port === 9443)).toBe(true);
    expect(scrape.rule_files).toEqual(["alerts.yml"]);
  });

  it("charts running and waiting requests, KV cache use, time to first token and end-to-end latency", () => {
    for (const metric of VLLM_METRICS)
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
  });

  it("alerts on the product's SLOs: P90 reply time under 2 s, model call success over 99.9 %", () => {
    expect(rule("ReplyTimeP90AboveTwoSeconds")?.expr).toMatch(/gateway_reply_seconds\{quantile="0\.9"\}\) > 2$/);
    expect(rule("ModelCallSuccessBelow999")?.expr).toMatch(/> 0\.001\s*$/);
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining(["SLO: P90 reply time (target < 2 s)", "SLO: model call success (target > 99.9 %)"]),
    );
  });

  it("queries only edge metrics the metrics endpoint really exports", () => {
    const exported = prometheusText([
      {
        channel: "telegram",
        region: "eu",
        outcome: "answered",
        delivery: "delivered",
        ackMs: 2,
        firstTokenMs: 300,
        totalMs: 900,
        tokensIn: 80,
        tokensOut: 40,
        kvReads: 1,
        kvWrites: 0,
      },
    ]);
    const names = new Set([...exported.matchAll(/^([a-z_]+)(?:\{|\s)/gm)].map((m) => m[1]));
    for (const used of new Set(exprs.flatMap((e) => [...e.matchAll(/\b(gateway_[a-z_]+)/g)].map((m) => m[1]!)))) {
      expect(names.has(used), used).toBe(true);
    }
  });
});
