import { describe, expect, it } from "vitest";
import { AGENT_METRICS, renderAgentMetrics } from "../../../gpu-origin/agent/agent-metrics.js";
import { parsePrometheusText } from "../../../gpu-origin/agent/prometheus.js";

const snapshot = {
  admitted: 1200,
  refused: { full: 14, not_ready: 3, draining: 1 },
  inFlight: 71,
  capacity: 96,
  ready: true,
  draining: false,
  queueLoad: 1.15 as number | undefined,
  publishFailures: 2,
};

describe("the agent's /agent-metrics", () => {
  it("exposes every metric it declares, in a text Prometheus reads back", () => {
    const text = renderAgentMetrics(snapshot);
    const samples = parsePrometheusText(text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(new Set(samples.map((s) => s.name))).toEqual(new Set(Object.values(AGENT_METRICS)));
    expect(value(AGENT_METRICS.admitted)).toBe(1200);
    expect(value(AGENT_METRICS.refused, { reason: "full" })).toBe(14);
    expect(value(AGENT_METRICS.refused, { reason: "draining" })).toBe(1);
    expect(value(AGENT_METRICS.inFlight)).toBe(71);
    expect(value(AGENT_METRICS.ready)).toBe(1);
    expect(value(AGENT_METRICS.draining)).toBe(0);
    expect(value(AGENT_METRICS.queueLoad)).toBe(1.15);
    expect(value(AGENT_METRICS.capacity)).toBe(96);
    expect(value(AGENT_METRICS.publishFailures)).toBe(2);
    expect(value(AGENT_METRICS.refused, { reason: "not_ready" })).toBe(3);
    // Every family says what it is.
    for (const name of Object.values(AGENT_METRICS))
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, "m"));
  });

  it("leaves the queue load out until one was computed", () => {
    const text = renderAgentMetrics({ ...snapshot, ready: false, queueLoad: undefined });
    expect(parsePrometheusText(text).some((s) => s.name === AGENT_METRICS.queueLoad)).toBe(false);
  });
});
