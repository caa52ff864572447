import { writeFileSync } from "node:fs";
import {
  A100_40GB,
  AUTOSCALER,
  BOOT_SECONDS,
  GPU_HOUR_USD,
  HOSTED_PER_MILLION_TOKENS,
} from "../capacity/calibration.js";
import { simulate, type EdgePolicy, type FleetPolicy, type SimRequest, type SimResult } from "../capacity/simulate.js";
import { loadTraces, tracesDirectory, type Trace } from "../capacity/traces.js";
import { quantile, random } from "../numbers.js";
import regionFile from "../../infra/regions.json" with { type: "json" };
import type { Row } from "../support.js";

/**
 * `npm run bench -- capacity`: one region's GPU pool replaying public request traces (../shared/
 * traces, see bench/capacity/traces.ts) through the model of bench/capacity/simulate.ts, three ways:
 * a fixed fleet sized for the peak, the autoscaled pool as terraform/modules/gpu-origin configures
 * it, and an oracle that knows the future (it boots servers exactly in time, and pays for the boots).
 * Each trace's rate is scaled so its mean is 60 % of what the fixed fleet serves within the service
 * targets. Prints the capacity targets, met or not, and writes the traces' statistics (no request of
 * them) to bench/capacity/trace-stats.json. docs/CAPACITY.md explains the model and its figures.
 */

const FIXED_SERVERS = 12;
const MEAN_LOAD = 0.6;
/** The EU region's pool (the one without a fallback), as infra/regions.json gives it. */
const POOL = regionFile.regions.eu.origins.pool;
/** The autoscaler's initialization period (terraform/modules/gpu-origin): a boot, at the slowest. */
const COOLDOWN_SECONDS = 300;
/** Its scale-in controls: never more than 25 % below the peak recommendation of the last 20 minutes. */
export const SCALE_IN = { percent: 25, windowSeconds: 1200 } as const;
const SWEEP_TARGETS = [0.25, 0.35, 0.5, 0.6, 0.75] as const;

/** The product's limits on a request (INPUT_TOKEN_BUDGET, MODEL_MAX_OUTPUT_TOKENS): longer ones are cut to them. */
const MAX_INPUT = 2048;
const MAX_OUTPUT = 1024;

/**
 * The service a server must give: the first token within 2 s at P99 (the product's target) and the
 * answer streamed at 20 tokens/s or faster at P90 (50 ms a token: faster than people read), nothing
 * held at the edge.
 */
const SLO = { firstTokenP99: 2, perTokenP90: 0.05 } as const;

/** The edge as configured (edge/limits.ts and the CAPACITY_* settings' defaults), and the pool's draining timeout. */
export const EDGE: EdgePolicy = {
  maxWaiting: 32,
  retrySeconds: 3,
  holdSeconds: 20,
  retryAfterNoteSeconds: 10,
  maxWaitSeconds: 600,
  overflow: false,
  drainSeconds: 300,
};

/** The pool as regions.json configures the EU region (what terraform/modules/gpu-origin applies), at `target`. */
function autoscaled(target = POOL.target.queueLoad): FleetPolicy {
  return {
    kind: "autoscaled",
    min: POOL.minServers,
    // Not the region's spend cap: the pool may grow as far as the trace asks, to compare like with like.
    max: 4 * FIXED_SERVERS,
    targetQueueLoad: target,
    cooldownSeconds: COOLDOWN_SECONDS,
    scaleInPercent: SCALE_IN.percent,
    scaleInWindowSeconds: SCALE_IN.windowSeconds,
  };
}

export async function capacity(): Promise<Row[]> {
  const dir = tracesDirectory();
  if (!dir) return [["capacity", "no traces: put them in ../shared/traces or set CAPACITY_TRACES", "skipped", ""]];
  const traces = loadTraces(dir);
  const rows: Row[] = [];
  const stats: Record<string, unknown> = {};
  for (const trace of traces) {
    const requests = clip(trace);
    // The trace at the rate whose mean is MEAN_LOAD of what the fixed fleet serves at a steady rate:
    // a fleet sized for a day's peak, which these hour-long traces do not reach (they have no night).
    // (A bursty trace, the code one, spread evenly would be no load at all for what its bursts ask:
    // it runs at the rate where the fixed fleet is just enough for its peak.)
    const steady = steadyRate(requests);
    const factor =
      trace.kind === "conversation"
        ? (MEAN_LOAD * FIXED_SERVERS * steady) / (requests.length / span(requests))
        : peakSizedFactor(requests);
    const scaled = atRate(requests, factor);
    const smallest = smallestFixed(scaled);
    const policy = autoscaled();
    const fixed = simulate(scaled, { kind: "fixed", servers: FIXED_SERVERS }, EDGE);
    const { schedule, result: oracle } = oracleRun(scaled, steady, policy.min!);
    // The pool as the last 10 minutes before the trace would have left it (they looked like its first 10).
    const initialServers = Math.max(...schedule.slice(0, 10));
    const auto = simulate(scaled, policy, EDGE, { initialServers });
    const overflow = simulate(
      scaled,
      { ...policy, max: Math.ceil(FIXED_SERVERS / 2) },
      { ...EDGE, overflow: true },
      { initialServers: Math.min(initialServers, Math.ceil(FIXED_SERVERS / 2)) },
    );
    stats[trace.name] = traceStats(trace, requests, factor, { steady, smallestFixed: smallest.servers });
    rows.push([
      `capacity: ${trace.name} (${trace.kind})`,
      `${requests.length.toLocaleString("en-US")} requests at ${factor.toFixed(2)}× their rate: ${(scaled.length / (span(scaled) / 60)).toFixed(0)}/min`,
      trace.kind === "conversation"
        ? `a server serves ${steady.toFixed(2)}/s of it at a steady rate; the mean is ${pctOf(MEAN_LOAD)} of ${FIXED_SERVERS} servers'`
        : `${FIXED_SERVERS} servers are just enough for its peak`,
      `autoscaler target: queue load ${policy.targetQueueLoad} (regions.json)`,
    ]);
    for (const [name, r] of [
      [`fixed, ${FIXED_SERVERS} servers`, fixed],
      [`fixed, ${smallest.servers} servers (the fewest that meet the targets over this hour)`, smallest.result],
      ["autoscaled", auto],
      ["oracle (knows the future, pays its boots)", oracle],
      [`autoscaled to ${Math.ceil(FIXED_SERVERS / 2)} at most, + overflow`, overflow],
    ] as const)
      rows.push(...describe(name, r));
    if (trace.kind !== "conversation") continue;
    rows.push(...targets(auto, fixed, oracle, smallest.result));
    rows.push(sweep(scaled, initialServers, fixed));
  }
  rows.push(burstRow(POOL.target.queueLoad));
  rows.push(...dollars(traces));
  writeFileSync(
    "bench/capacity/trace-stats.json",
    `${JSON.stringify({ note: "Statistics derived from public traces (not the traces themselves): their sources and licences are in bench/capacity/traces.ts.", traces: stats }, null, 2)}\n`,
  );
  return rows;
}

/** Other queue-load targets on the same trace: what a platform team trades (GPU-hours against first-token time). */
function sweep(scaled: readonly SimRequest[], initialServers: number, fixed: SimResult): Row {
  const cells = SWEEP_TARGETS.map((target) => {
    const r = simulate(scaled, autoscaled(target), EDGE, { initialServers });
    const ok = windowsOk(r) >= 0.99 && quantile(r.firstTokens, 0.99) < SLO.firstTokenP99 && r.held === 0;
    return `${target}: ${(r.gpuHours / fixed.gpuHours).toFixed(2)}× fixed, P99 ${s(quantile(r.firstTokens, 0.99))}${ok ? "" : " ✘"}`;
  });
  return ["  other targets", cells.slice(0, 2).join("; "), cells.slice(2, 4).join("; "), cells.slice(4).join("; ")];
}

function clip(trace: Trace): SimRequest[] {
  return trace.requests.map((r) => ({
    at: r.at,
    input: Math.min(MAX_INPUT, Math.max(1, r.input)),
    output: Math.min(MAX_OUTPUT, Math.max(1, r.output)),
  }));
}

const span = (requests: readonly SimRequest[]) => Math.max(1, requests.at(-1)!.at - requests[0]!.at);

/** The trace at `factor` times its rate: each request kept, copied (0–2 s apart) or dropped, deterministically. */
function atRate(requests: readonly SimRequest[], factor: number): SimRequest[] {
  const rand = random(7);
  const out: SimRequest[] = [];
  for (const r of requests) {
    const copies = Math.floor(factor) + (rand() < factor - Math.floor(factor) ? 1 : 0);
    for (let i = 0; i < copies; i++) out.push({ ...r, at: r.at + (i === 0 ? 0 : rand() * 2) });
  }
  return out.sort((a, b) => a.at - b.at);
}

function withinSlo(r: SimResult): boolean {
  return (
    r.held === 0 && quantile(r.firstTokens, 0.99) < SLO.firstTokenP99 && quantile(r.perToken, 0.9) < SLO.perTokenP90
  );
}

/** The rate (a multiple of the trace's own) at which FIXED_SERVERS servers are just enough for its peak. */
function peakSizedFactor(requests: readonly SimRequest[]): number {
  let low = 0.5;
  let high = 64;
  for (let i = 0; i < 9; i++) {
    const mid = Math.sqrt(low * high);
    if (withinSlo(simulate(atRate(requests, mid), { kind: "fixed", servers: FIXED_SERVERS }, EDGE))) low = mid;
    else high = mid;
  }
  return low;
}

/** The fewest servers that, fixed, meet the targets over the whole trace: sized for this hour's own peak. */
function smallestFixed(requests: readonly SimRequest[]): { servers: number; result: SimResult } {
  let best = { servers: FIXED_SERVERS, result: simulate(requests, { kind: "fixed", servers: FIXED_SERVERS }, EDGE) };
  for (let n = FIXED_SERVERS - 1; n >= 1; n--) {
    const result = simulate(requests, { kind: "fixed", servers: n }, EDGE);
    if (!withinSlo(result)) break;
    best = { servers: n, result };
  }
  return best;
}

/**
 * Servers each minute for the next two minutes' arrivals at `perServer` requests a second each: known
 * ahead, so booted in time.
 */
function oracleSchedule(requests: readonly SimRequest[], perServer: number, min: number): number[] {
  const minutes = Math.ceil(span(requests) / 60) + 1;
  const perMinute = new Array<number>(minutes + 2).fill(0);
  for (const r of requests) perMinute[Math.floor(r.at / 60)]! += 1;
  return Array.from({ length: minutes }, (_, m) => {
    const rate = Math.max(perMinute[m]!, perMinute[m + 1] ?? 0) / 60;
    return Math.max(min, Math.ceil(rate / perServer));
  });
}

/**
 * The oracle: the leanest such schedule that still meets the service targets (the per-server rate it
 * plans with, bisected down from the peak-sized fleet's), so that it is a bound a pool could hope to
 * reach, not a cheaper fleet that fails its users.
 */
function oracleRun(requests: readonly SimRequest[], perServer: number, min: number) {
  let low = perServer / 4;
  let high = perServer * 1.5;
  let best: { schedule: number[]; result: SimResult } | undefined;
  for (let i = 0; i < 7; i++) {
    const mid = (low + high) / 2;
    const schedule = oracleSchedule(requests, mid, min);
    const result = simulate(requests, { kind: "oracle", schedule }, EDGE);
    if (withinSlo(result)) {
      best = { schedule, result };
      low = mid;
    } else high = mid;
  }
  if (best) return best;
  const schedule = oracleSchedule(requests, low, min);
  return { schedule, result: simulate(requests, { kind: "oracle", schedule }, EDGE) };
}

/**
 * What one server serves of this trace's requests at a steady rate within the targets: the same
 * prompts and answers, spread evenly over the trace's span (bisected for the fixed fleet, per server).
 */
function steadyRate(requests: readonly SimRequest[]): number {
  const even = requests.map((r, i) => ({ ...r, at: (i * span(requests)) / requests.length }));
  let low = 0.5;
  let high = 64;
  for (let i = 0; i < 10; i++) {
    const mid = Math.sqrt(low * high);
    const r = simulate(atRate(even, mid), { kind: "fixed", servers: FIXED_SERVERS }, EDGE);
    if (withinSlo(r)) low = mid;
    else high = mid;
  }
  return (low * requests.length) / span(requests) / FIXED_SERVERS;
}

const s = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} s` : "—");
const msOf = (x: number) => (Number.isFinite(x) ? `${(x * 1000).toFixed(0)} ms` : "—");
const pctOf = (x: number) => `${(100 * x).toFixed(1)} %`;
const windowsOk = (r: SimResult) =>
  r.windowP90FirstToken.filter((p) => p < 2).length / Math.max(1, r.windowP90FirstToken.length);

function describe(name: string, r: SimResult): Row[] {
  return [
    [
      `  ${name}`,
      `P90 reply ${s(quantile(r.replies, 0.9))} (load adds ${s(quantile(r.added, 0.9))}); P90 first token < 2 s in ${pctOf(windowsOk(r))} of 5-min windows`,
      `P99 first token ${s(quantile(r.firstTokens, 0.99))}, P90 ${msOf(quantile(r.perToken, 0.9))} a token`,
      `success ${pctOf(r.answered / r.requests)}, lost ${r.lost}`,
    ],
    [
      `    ${r.gpuHours.toFixed(2)} GPU-hours, $${costPerMillion(r).toFixed(0)} per million`,
      `servers ${Math.min(...r.sizeByMinute)}–${Math.max(...r.sizeByMinute)}; ${r.scaleOuts} scale-outs, ${r.scaleIns} scale-ins (at most ${r.maxScaleInsPer10Min} in 10 min); ${r.streamsCut} streams cut`,
      `held ${r.held} (p99 ${s(quantile(r.heldSeconds, 0.99))}), ${r.busyNotes} busy notes`,
      `overflow ${pctOf(r.overflowed / r.requests)}`,
    ],
  ];
}

/** GPU dollars per million requests at europe-west4's list price; overflowed requests at the EU host's token price. */
function costPerMillion(r: SimResult): number {
  const gpu = r.gpuHours * GPU_HOUR_USD["europe-west4"];
  const eu = HOSTED_PER_MILLION_TOKENS["OVHcloud AI Endpoints (EU)"];
  const hosted = (r.overflowed / r.requests) * ((r.inputTokens * eu.input + r.outputTokens * eu.output) / 1e6);
  return ((gpu + hosted) / r.requests) * 1e6;
}

function targets(auto: SimResult, fixed: SimResult, oracle: SimResult, smallest: SimResult): Row[] {
  const check = (ok: boolean) => (ok ? "✔" : "✘");
  const p99 = quantile(auto.firstTokens, 0.99);
  const success = auto.answered / auto.requests;
  return [
    [
      "  targets (autoscaled)",
      `P90 first token < 2 s in ≥ 99 % of 5-min windows: ${pctOf(windowsOk(auto))} ${check(windowsOk(auto) >= 0.99)}`,
      `P99 first token < 2 s: ${s(p99)} ${check(p99 < 2)}`,
      `success ≥ 99.9 %: ${pctOf(success)} ${check(success >= 0.999)}`,
    ],
    [
      "",
      `GPU-hours ≤ 1.25 × oracle: ${(auto.gpuHours / oracle.gpuHours).toFixed(2)} ${check(auto.gpuHours <= 1.25 * oracle.gpuHours)}`,
      // Beside it, what the oracle and a fleet sized for this hour's own peak need: what any pool
      // could save on this trace (an hour has no night).
      `≤ 0.7 × fixed: ${(auto.gpuHours / fixed.gpuHours).toFixed(2)} ${check(auto.gpuHours <= 0.7 * fixed.gpuHours)} (oracle ${(oracle.gpuHours / fixed.gpuHours).toFixed(2)}, fewest fixed ${(smallest.gpuHours / fixed.gpuHours).toFixed(2)})`,
      `≤ 1 scale-in / 10 min: ${auto.maxScaleInsPer10Min} ${check(auto.maxScaleInsPer10Min <= 1)}; 0 cut ${check(auto.streamsCut === 0)}, 0 lost ${check(auto.lost === 0)}`,
    ],
  ];
}

/**
 * 1,000 model calls in flight in a region of 2 servers: the pool size the autoscaler asks for at its
 * first decision that sees them (each server's queue load, which counts the calls its admission
 * refused and the edge holds, read a metric lag late), against the servers they need at the target.
 */
function burstRow(target: number): Row {
  // 1,000 calls at once, and then one more each time one of them is answered (2 servers answer 128
  // each ~24.5 s at these lengths), so that 1,000 stay in flight until new servers come.
  const answeredEvery = ((A100_40GB.stepBaseMs + A100_40GB.decodeMsPerSeq * A100_40GB.maxNumSeqs) * 1024) / 1000 / 128;
  const burst: SimRequest[] = [
    ...Array.from({ length: 1000 }, (_, i) => ({ at: 1 + i * 0.001, input: 800, output: 1024 })),
    ...Array.from({ length: Math.floor(300 / answeredEvery) }, (_, i) => ({
      at: 1 + 128 * answeredEvery + i * answeredEvery,
      input: 800,
      output: 1024,
    })),
  ];
  const policy = { ...autoscaled(target), max: 128 };
  const r = simulate(burst, policy, { ...EDGE, maxWaitSeconds: 3600 }, { initialServers: 2 });
  const needed = Math.ceil(1000 / (policy.targetQueueLoad! * A100_40GB.maxNumSeqs));
  const visible = 1 + AUTOSCALER.sampleSeconds + AUTOSCALER.metricLagSeconds;
  const [at, size] = r.decisions.find(([t]) => t >= visible) ?? [0, 0];
  return [
    "capacity: 1,000 calls kept in flight, 2 servers",
    `first decision that sees them: ${at} s (metric every ${AUTOSCALER.sampleSeconds} s, ${AUTOSCALER.metricLagSeconds} s late; a decision every ${AUTOSCALER.decisionSeconds} s)`,
    `asks for ${size} servers (target ${policy.targetQueueLoad} × ${A100_40GB.maxNumSeqs} sequences: needs ${needed})`,
    size >= needed ? "✔" : "✘",
  ];
}

/** Dollars per million requests of the conversation trace's shape, hosted. */
function dollars(traces: Trace[]): Row[] {
  const conv = traces.find((t) => t.kind === "conversation");
  if (!conv) return [];
  const reqs = clip(conv);
  const input = reqs.reduce((n, r) => n + r.input, 0) / reqs.length;
  const output = reqs.reduce((n, r) => n + r.output, 0) / reqs.length;
  return [
    [
      `capacity: hosted gpt-oss-20b, ${conv.name}'s requests`,
      `${input.toFixed(0)} in / ${output.toFixed(0)} out tokens a request; boot ${BOOT_SECONDS.median} s (${BOOT_SECONDS.min}–${BOOT_SECONDS.max})`,
      "",
      "",
    ],
    ...Object.entries(HOSTED_PER_MILLION_TOKENS).map(([name, price]): Row => [
      `  ${name}`,
      "list price per token",
      `$${(input * price.input + output * price.output).toFixed(0)} per million`,
      "",
    ]),
  ];
}

function traceStats(
  trace: Trace,
  clipped: SimRequest[],
  factor: number,
  fleet: { steady: number; smallestFixed: number },
) {
  const perMinute = new Map<number, number>();
  for (const r of trace.requests) perMinute.set(Math.floor(r.at / 60), (perMinute.get(Math.floor(r.at / 60)) ?? 0) + 1);
  const rates = [...perMinute.values()];
  const mean = trace.requests.length / (span(clipped) / 60);
  const q = (values: number[]) => ({
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p99: quantile(values, 0.99),
  });
  return {
    source: trace.source,
    requests: trace.requests.length,
    spanMinutes: Math.round(span(clipped) / 60),
    perMinute: { mean: round(mean), peak: Math.max(...rates), peakOverMean: round(Math.max(...rates) / mean) },
    inputTokens: q(trace.requests.map((r) => r.input)),
    outputTokens: q(trace.requests.map((r) => r.output)),
    beyondProductLimits: {
      input: MAX_INPUT,
      output: MAX_OUTPUT,
      inputShare: round(trace.requests.filter((r) => r.input > MAX_INPUT).length / trace.requests.length),
      outputShare: round(trace.requests.filter((r) => r.output > MAX_OUTPUT).length / trace.requests.length),
    },
    modelled: {
      steadyRequestsPerSecondPerServer: round(fleet.steady),
      rateFactor: round(factor),
      smallestFixedFleet: fleet.smallestFixed,
    },
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
