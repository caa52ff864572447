/**
 * The gpu-origin agent: the one process beside vLLM on each GPU server of a pool. It is the admission
 * in front of vLLM (exact in-flight count, 429 past max-num-seqs + max-waiting, 503 while not ready or
 * draining), the readiness (a real completion at start and every minute), the drain (shutdown.sh),
 * and the server's autoscaling signals (vLLM's queue and KV cache, written to Cloud Monitoring).
 *
 *   node gpu-origin/agent/main.ts      (Node ≥ 24 runs the TypeScript directly; settings: config.ts)
 *
 * Composition only: the rules live in admission.ts, capacity.ts, probe.ts, the wire formats in
 * prometheus.ts and monitoring.ts.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { AdmissionGate } from "#agent/admission";
import { renderAgentMetrics } from "#agent/agent-metrics";
import { HeldAtEdge, KV_CACHE_USAGE_METRIC, LoadAverager, QUEUE_LOAD_METRIC, queueLoad } from "#agent/capacity";
import { ConfigError, readConfig, SETTINGS, type AgentConfig } from "#agent/config";
import { createControlHandler } from "#agent/control";
import { log } from "#agent/http";
import { createMonitoringPublisher, type GaugePoint } from "#agent/monitoring";
import { parsePrometheusText, vllmLoad } from "#agent/prometheus";
import { probeVllm, Readiness } from "#agent/probe";
import { createProxyHandler } from "#agent/proxy";

function loadConfig(): AgentConfig {
  const flagsFile = process.env[SETTINGS.serveFlagsFile.env]?.trim() || SETTINGS.serveFlagsFile.default;
  let flags: string | undefined;
  try {
    flags = readFileSync(flagsFile, "utf8");
  } catch {
    flags = undefined;
  }
  try {
    return readConfig(process.env, flags);
  } catch (error) {
    if (error instanceof ConfigError) {
      log("config_error", { reason: JSON.stringify(error.message) });
      process.exit(2);
    }
    throw error;
  }
}

const config = loadConfig();
const started = Date.now();
let stopping = false;

const held = new HeldAtEdge(config.refusalWindowMs);
const gate = new AdmissionGate({ maxNumSeqs: config.maxNumSeqs, maxWaiting: config.maxWaiting, held });
const readiness = new Readiness(config.probeIntervalMs + config.probeTimeoutMs);
const averager = new LoadAverager();
let lastQueueLoad: number | undefined;
let publishFailures = 0;

const isReady = () => readiness.isReady(Date.now());
const proxy = http.createServer(
  createProxyHandler({
    upstream: config.vllmUrl,
    gate,
    isReady,
    retryAfterSeconds: config.retryAfterSeconds,
    compress: config.compressStreams,
    upstreamDown: () => {
      if (readiness.state(Date.now()) === "ready") log("not_ready", { state: "upstream_down" });
      readiness.record(false, Date.now());
      wakeProbe();
    },
  }),
);
const control = http.createServer(
  createControlHandler({
    gate,
    readiness: () => readiness.state(Date.now()),
    drainTimeoutMs: config.drainTimeoutMs,
    metrics: () =>
      renderAgentMetrics({
        admitted: gate.admittedTotal,
        refused: gate.refusedTotal,
        inFlight: gate.inFlight,
        capacity: gate.capacity,
        ready: isReady() && !gate.draining,
        draining: gate.draining,
        queueLoad: lastQueueLoad,
        publishFailures,
      }),
  }),
);
// Caddy keeps idle connections to the agent for 2 minutes: the agent must not close them first, or
// a request sent on one as it closes fails.
for (const server of [proxy, control]) {
  server.keepAliveTimeout = 130_000;
  server.headersTimeout = 131_000;
}

async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, config.host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Runs `step` until the agent stops, waiting what it returns (ms) between runs; never overlapping. */
async function loop(
  name: string,
  step: () => Promise<number>,
  fallbackMs: number,
  wake?: () => AbortSignal,
): Promise<void> {
  while (!stopping) {
    let wait = fallbackMs;
    try {
      wait = await step();
    } catch (error) {
      // A bug in one loop must not stop the agent, which every request of the server goes through.
      log("loop_error", { loop: name, error: (error as Error).name });
    }
    // (Woken early, it steps again at once.)
    await sleep(wait, undefined, { ref: false, ...(wake ? { signal: wake() } : {}) }).catch(() => undefined);
  }
}

/** Aborted when vLLM is found down: the probe runs again at once rather than at its next minute. */
let probeWake = new AbortController();
const wakeProbe = () => {
  probeWake.abort();
  probeWake = new AbortController();
};

async function probeStep(): Promise<number> {
  const result = await probeVllm({
    vllmUrl: config.vllmUrl,
    apiKey: config.apiKey,
    model: config.model,
    maxTokens: config.probeMaxTokens,
    timeoutMs: config.probeTimeoutMs,
  });
  const was = readiness.state(Date.now());
  readiness.record(result.ok, Date.now());
  const now = readiness.state(Date.now());
  if (now !== was) {
    log(now === "ready" ? "ready" : "not_ready", {
      state: now,
      since_start_seconds: Math.round((Date.now() - started) / 100) / 10,
      probe_ms: result.ms,
      ...(result.ok ? {} : { failure: result.failure }),
    });
  }
  return result.ok ? config.probeIntervalMs : config.bootProbeIntervalMs;
}

let metricsFailing = false;
async function pollStep(): Promise<number> {
  let failure: string | undefined;
  try {
    const response = await fetch(config.vllmMetricsUrl, { signal: AbortSignal.timeout(config.metricsPollMs) });
    const load = response.ok ? vllmLoad(parsePrometheusText(await response.text())) : undefined;
    if (load) averager.add(load);
    else failure = response.ok ? "gauges_missing" : `http_${response.status}`;
  } catch (error) {
    failure = (error as { name?: string }).name === "TimeoutError" ? "timeout" : "network";
  }
  // Logged when it starts and stops failing, not at every read (vLLM is unreachable while it boots).
  if (failure !== undefined && !metricsFailing) log("vllm_metrics_unavailable", { failure });
  if (failure === undefined && metricsFailing) log("vllm_metrics_available");
  metricsFailing = failure !== undefined;
  return config.metricsPollMs;
}

const publisher = createMonitoringPublisher({
  metadataUrl: config.metadataUrl,
  monitoringUrl: config.monitoringUrl,
  log,
});
async function publishStep(): Promise<number> {
  const load = averager.take();
  // Without a read of vLLM in the period, the admission's own count stands in for running + waiting
  // (it is exact, only not split), so the autoscaler still sees a busy server as busy.
  const value = queueLoad({
    running: load ? load.running : gate.inFlight,
    waiting: load ? load.waiting : 0,
    heldAtEdge: held.estimate(Date.now(), config.retryAfterSeconds),
    maxNumSeqs: config.maxNumSeqs,
  });
  lastQueueLoad = value;
  const points: GaugePoint[] = [{ metricType: QUEUE_LOAD_METRIC, value }];
  if (load) points.push({ metricType: KV_CACHE_USAGE_METRIC, value: load.kvCacheUsage });
  if (!(await publisher.publish(points))) publishFailures++;
  return config.publishMs;
}

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // systemd stops the agent (a restart, or the OS shutting down): what is in flight finishes first.
  gate.startDrain();
  log("stopping", { signal, in_flight: gate.inFlight });
  const drained = await gate.whenIdle(config.drainTimeoutMs);
  log("stopped", { drained, in_flight: gate.inFlight });
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

const [proxyPort, controlPort] = await Promise.all([
  listen(proxy, config.proxyPort),
  listen(control, config.controlPort),
]);
log("listening", {
  proxy: `${config.host}:${proxyPort}`,
  control: `${config.host}:${controlPort}`,
  max_num_seqs: config.maxNumSeqs,
  capacity: gate.capacity,
});
void loop("probe", probeStep, config.bootProbeIntervalMs, () => probeWake.signal);
void loop("metrics", pollStep, config.metricsPollMs);
if (config.publishMs > 0) {
  // The first write after one period, so that it carries a period's reads.
  void sleep(config.publishMs, undefined, { ref: false }).then(() => loop("publish", publishStep, config.publishMs));
}
