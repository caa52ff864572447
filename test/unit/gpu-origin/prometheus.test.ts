import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePrometheusText, renderPrometheusText, vllmLoad } from "../../../gpu-origin/agent/prometheus.js";

const exposition = readFileSync(new URL("fixtures/vllm-metrics.prom", import.meta.url), "utf8");

describe("vLLM's /metrics, read", () => {
  it("reads running, waiting and KV-cache usage from a real exposition", () => {
    expect(vllmLoad(parsePrometheusText(exposition))).toEqual({
      running: 61,
      // Not 14: vllm:num_requests_waiting_by_reason is another metric.
      waiting: 7,
      kvCacheUsage: 0.4313725490196078,
    });
  });

  it("parses labels, exponents, +Inf and skips comments", () => {
    const samples = parsePrometheusText(exposition);
    expect(samples.filter((s) => s.name.startsWith("#"))).toEqual([]);
    expect(samples.find((s) => s.name === "vllm:prefix_cache_queries_total")?.value).toBe(64_929_219);
    expect(samples.find((s) => s.name === "process_resident_memory_bytes")).toEqual({
      name: "process_resident_memory_bytes",
      labels: {},
      value: 4_212_453_376,
    });
    const inf = samples.find((s) => s.name === "vllm:time_to_first_token_seconds_bucket" && s.labels.le === "+Inf");
    expect(inf).toEqual({
      name: "vllm:time_to_first_token_seconds_bucket",
      labels: { engine: "0", le: "+Inf", model_name: "openai/gpt-oss-20b" },
      value: 4210,
    });
    expect(samples.filter((s) => s.name === "vllm:num_requests_waiting_by_reason").map((s) => s.labels.reason)).toEqual(
      ["capacity", "deferred"],
    );
  });

  it.each([
    ['m{a="x,y",b="} z"} 1', { a: "x,y", b: "} z" }, 1],
    [
      'm{a="say \\"hi\\"",b="back\\\\slash",c="two\\nlines"} 2',
      { a: 'say "hi"', b: "back\\slash", c: "two\nlines" },
      2,
    ],
    ["m 3 1712345678901", {}, 3],
    ['m{a="x",} 4', { a: "x" }, 4],
    ["m NaN", {}, Number.NaN],
    ["m -Inf", {}, Number.NEGATIVE_INFINITY],
  ])("reads %s", (line, labels, value) => {
    expect(parsePrometheusText(line)).toEqual([{ name: "m", labels, value }]);
  });

  it.each(["m{a=x} 1", 'm{a="x} 1', "m one", "m", '{a="x"} 1'])("skips the malformed line %s", (line) => {
    expect(parsePrometheusText(`${line}\nok 1`)).toEqual([{ name: "ok", labels: {}, value: 1 }]);
  });

  it("adds up requests over engines and keeps the fullest cache; undefined when a gauge is missing", () => {
    const two = [
      'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 2.0',
      'vllm:num_requests_waiting{engine="0",model_name="m"} 4.0',
      'vllm:num_requests_waiting{engine="1",model_name="m"} 0.0',
      'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25',
      'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.5',
    ].join("\n");
    expect(vllmLoad(parsePrometheusText(two))).toEqual({ running: 5, waiting: 4, kvCacheUsage: 0.5 });
    const withoutKv = two
      .split("\n")
      .filter((l) => !l.startsWith("vllm:kv"))
      .join("\n");
    expect(vllmLoad(parsePrometheusText(withoutKv))).toBeUndefined();
    // The deprecated gpu_cache_usage_perc (removed in v0.12) is not taken for the current gauge.
    expect(
      vllmLoad(parsePrometheusText(withoutKv + '\nvllm:gpu_cache_usage_perc{model_name="m"} 0.9')),
    ).toBeUndefined();
  });

  it("renders what it reads back", () => {
    const text = renderPrometheusText([
      { name: "a_total", help: "A.", type: "counter", samples: [{ labels: { reason: 'say "x"' }, value: 3 }] },
      { name: "b", help: "B.", type: "gauge", samples: [{ value: 0.5 }] },
    ]);
    expect(text).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total{reason="say \\"x\\""} 3\n# HELP b B.\n# TYPE b gauge\nb 0.5\n',
    );
    expect(parsePrometheusText(text)).toEqual([
      { name: "a_total", labels: { reason: 'say "x"' }, value: 3 },
      { name: "b", labels: {}, value: 0.5 },
    ]);
  });
});
