import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { maxNumSeqsFromServeFlags, readConfig, SETTINGS } from "../../../gpu-origin/agent/config.js";

const serveFlags = readFileSync("gpu-origin/serve-flags.txt", "utf8");

describe("agent settings", () => {
  it("defaults to the contract: 64 + 32 in flight, Retry-After 3, probes every 60 s, writes every 15 s", () => {
    const c = readConfig({}, serveFlags);
    expect(c).toMatchObject({
      host: "127.0.0.1",
      proxyPort: 8001,
      controlPort: 8002,
      maxNumSeqs: 64,
      maxWaiting: 32,
      retryAfterSeconds: 3,
      probeIntervalMs: 60_000,
      metricsPollMs: 1_000,
      publishMs: 15_000,
      refusalWindowMs: 30_000,
      model: "openai/gpt-oss-20b",
    });
    expect(c.vllmUrl.href).toBe("http://127.0.0.1:8000/");
    expect(c.vllmMetricsUrl.href).toBe("http://127.0.0.1:8000/metrics");
    expect(c.metadataUrl.href).toBe("http://metadata.google.internal/");
    expect(c.monitoringUrl.href).toBe("https://monitoring.googleapis.com/");
    expect(c.apiKey).toBeUndefined();
  });

  it("takes the environment over the defaults, seconds as decimals", () => {
    const c = readConfig(
      {
        AGENT_MAX_NUM_SEQS: "8",
        AGENT_MAX_WAITING: "0",
        AGENT_PUBLISH_SECONDS: "0.5",
        VLLM_URL: "http://127.0.0.1:9000",
        ORIGIN_API_KEY: "k",
      },
      serveFlags,
    );
    expect(c).toMatchObject({ maxNumSeqs: 8, maxWaiting: 0, publishMs: 500, apiKey: "k" });
    expect(c.vllmMetricsUrl.href).toBe("http://127.0.0.1:9000/metrics");
  });

  it.each([
    [{ AGENT_MAX_WAITING: "-1" }, /AGENT_MAX_WAITING/],
    [{ AGENT_PROXY_PORT: "70000" }, /AGENT_PROXY_PORT/],
    [{ AGENT_RETRY_AFTER_SECONDS: "2.5" }, /AGENT_RETRY_AFTER_SECONDS/],
    [{ VLLM_URL: "not a url" }, /VLLM_URL/],
    [{ VLLM_URL: "https://127.0.0.1:8000" }, /VLLM_URL/],
    [{ AGENT_REFUSAL_WINDOW_SECONDS: "2" }, /AGENT_REFUSAL_WINDOW_SECONDS/],
  ])("refuses %j, naming it", (env, message) => {
    expect(() => readConfig(env, serveFlags)).toThrow(message);
  });

  it("refuses to guess max-num-seqs", () => {
    expect(() => readConfig({}, undefined)).toThrow(/AGENT_MAX_NUM_SEQS/);
    expect(() => readConfig({}, "--max-model-len 8192\n")).toThrow(/AGENT_MAX_NUM_SEQS/);
  });

  it.each([
    ["--max-num-seqs 64", 64],
    ["--max-num-seqs=48", 48],
    ["# --max-num-seqs 8 (a comment)\n--max-num-seqs 16  # why", 16],
    ["--max-num-seqs 8\n--max-num-seqs 12", 12],
    ["--max-num-seqs-per-thing 3", undefined],
  ])("reads --max-num-seqs from %j", (flags, expected) => {
    expect(maxNumSeqsFromServeFlags(flags)).toBe(expected);
  });

  it("is documented in gpu-origin/README.md, each variable with its default", () => {
    const readme = readFileSync("gpu-origin/README.md", "utf8");
    const rows = new Map(
      [...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)].map((m) => [m[1]!, m[2]!.trim().replaceAll("`", "")]),
    );
    for (const s of Object.values(SETTINGS)) {
      expect(rows.has(s.env), s.env).toBe(true);
      expect(rows.get(s.env), s.env).toBe(s.default ?? "—");
    }
    // And nothing the agent does not read.
    expect([...rows.keys()].sort()).toEqual(
      Object.values(SETTINGS)
        .map((s) => s.env)
        .sort(),
    );
  });
});
