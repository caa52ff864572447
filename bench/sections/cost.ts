import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { CoreSettings } from "../../edge/config.js";
import type { Usage } from "../../edge/usage.js";
import { HTTP_API_KEY, sleep, startEdge } from "../../infra/local/edge-stack.js";
import type { ShimDatabaseStats } from "../../infra/local/upstash-shim.js";
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import { A100_40GB } from "../capacity/calibration.js";
import traceStats from "../capacity/trace-stats.json" with { type: "json" };
import { DO_GB, LOG_EVENT_KB, perMillion, PRICES, type PricedUnit } from "../cost/prices.js";
import { load, poster, timedPost, treeUsage, type Row, type StandIns } from "../support.js";

/** Where each run leaves its figures, committed with the change, so the next run prints them beside its own. */
const RESULT = "bench/cost/result.json";

/**
 * The mix, arriving over time as people write (not all at once, which would fill queue batches no
 * real traffic fills): people in private chats writing a message every few seconds, people who send a
 * thought in three quick messages (a burst, answered once), WhatsApp users, and a business system on
 * the HTTP API.
 */
const MIX = {
  telegram: { users: 150, messages: 4, gapMs: 3000 },
  bursts: { users: 60, messages: 3, gapMs: 300 },
  whatsapp: { users: 100, messages: 2, gapMs: 3000 },
  /** Telegram groups of three people, each mentioning the bot twice. */
  groups: { groups: 20, members: 3, messages: 2, gapMs: 3000 },
  api: { requests: 200, concurrency: 4 },
} as const;

/**
 * The model's time per reply in production, which a Durable Object that waits for it is billed for
 * (the bench's origin answers in 100 ms at once). A reply of the median length of the Azure LLM
 * conversation trace (129 output tokens: bench/capacity/trace-stats.json) after a first token of
 * 300 ms, each token one engine step of a server at its scaling target (0.6 × 64 sequences decoding:
 * bench/capacity/calibration.ts).
 */
const REPLY_TOKENS = traceStats.traces["Azure LLM 2023 conversation"].outputTokens.p50;
const PRODUCTION_MODEL_MS =
  300 + REPLY_TOKENS * (A100_40GB.stepBaseMs + A100_40GB.decodeMsPerSeq * 0.6 * A100_40GB.maxNumSeqs);

interface Result {
  messages: number;
  replies: number;
  perMessage: Record<string, number>;
  dollarsPerMillion: Record<string, number>;
  total: number;
  upstashByCommand: Record<string, number>;
}

/**
 * `npm run bench -- cost`: every billed unit per answered message, in a realistic run, priced at
 * list prices (bench/cost/prices.ts) into dollars per million messages. The Worker counts its own
 * units into each message's record (edge/usage.ts); the Upstash shim counts commands by command; the
 * stand-ins count the subrequests (free, shown for information). docs/COSTS.md explains the model.
 */
export async function cost(standIns: StandIns, settings: Record<string, string>): Promise<Row[]> {
  // The rate limit as deployed (the other sections raise it for their floods): nobody here writes fast.
  // And the log sampling as deployed (the local stack keeps every line).
  const production = wranglerConfig("production");
  const asDeployed = {
    ...Object.fromEntries(Object.entries(settings).filter(([name]) => !name.startsWith("RATE_LIMIT"))),
    LOG_SUCCESS_SAMPLE_RATE: String(
      production.vars.LOG_SUCCESS_SAMPLE_RATE ?? CoreSettings.shape.LOG_SUCCESS_SAMPLE_RATE.parse(undefined),
    ),
  };
  const edge = await startEdge({
    endpoints: standIns.endpoints,
    port: 0,
    quiet: true,
    settings: { ...asDeployed, METRICS_URL: standIns.endpoints.metrics },
  });
  const answeredCount = async () => (await standIns.call("answeredCount")) as number;
  /** Waits until `n` more messages than `from` were answered (by the marks in the replies). */
  const answered = async (from: number, n: number) => {
    const started = performance.now();
    while ((await answeredCount()) - from < n) {
      if (performance.now() - started > 120_000) throw new Error(`${n} messages were not answered in 120 s`);
      await sleep(50);
    }
  };
  let user = 7_000_000;
  try {
    // Warm-up (isolate caches, scripts loaded), not counted.
    const warm = await answeredCount();
    await Promise.all(Array.from({ length: 20 }, () => poster(edge.url, "telegram", () => user++)()));
    await answered(warm, 20);
    await sleep(1000);
    await standIns.call("resetStats");
    const cpuBefore = treeUsage("workerd").cpuMs;
    const start = await answeredCount();
    let sent = 0;

    /** `users` people each writing `messages` messages `gapMs` apart, their first ones spread over a gap. */
    const paced = async (channel: "telegram" | "whatsapp", mix: { users: number; messages: number; gapMs: number }) => {
      const before = await answeredCount();
      await Promise.all(
        Array.from({ length: mix.users }, async (_, i) => {
          const id = user++;
          await sleep((i / mix.users) * Math.max(mix.gapMs, 3000));
          for (let m = 0; m < mix.messages; m++) {
            if (m > 0) await sleep(mix.gapMs * (0.8 + 0.4 * Math.random()));
            await poster(edge.url, channel, () => id)();
          }
        }),
      );
      sent += mix.users * mix.messages;
      await answered(before, mix.users * mix.messages);
    };
    /** Groups whose members each mention the bot a few times. */
    const groups = async (mix: typeof MIX.groups) => {
      const before = await answeredCount();
      let group = -100_900_000;
      await Promise.all(
        Array.from({ length: mix.groups }, async (_, g) => {
          const id = group--;
          const members = Array.from({ length: mix.members }, () => user++);
          await sleep((g / mix.groups) * Math.max(mix.gapMs, 3000));
          for (let m = 0; m < mix.messages; m++)
            for (const member of members) {
              await sleep((mix.gapMs / mix.members) * (0.8 + 0.4 * Math.random()));
              await poster(edge.url, "telegram", () => member, id)();
            }
        }),
      );
      const count = mix.groups * mix.members * mix.messages;
      sent += count;
      await answered(before, count);
    };
    await Promise.all([
      paced("telegram", MIX.telegram),
      paced("telegram", MIX.bursts),
      paced("whatsapp", MIX.whatsapp),
      groups(MIX.groups),
    ]);
    // A business system through the HTTP API.
    let i = 0;
    await load(
      () => {
        const n = i++;
        return timedPost(
          new URL("/v1/messages", edge.url),
          { authorization: `Bearer ${HTTP_API_KEY}`, "cf-ipcountry": "DE" },
          JSON.stringify({ user_id: `cost-${n % 50}`, text: `What are your opening hours? ${n}` }),
        );
      },
      MIX.api.concurrency,
      MIX.api.requests,
    );
    const api = MIX.api.requests;
    // Whatever the inboxes still do after their last reply (settling, tidying) belongs to the run.
    await sleep(2000);
    const cpuMs = treeUsage("workerd").cpuMs - cpuBefore;
    const messages = sent + api;
    if ((await answeredCount()) - start !== sent)
      throw new Error("a messenger message was answered twice or not at all");

    const usage = (await standIns.call("usage")) as Usage & {
      records: number;
      inboxModelMs: number;
      inboxModelReplies: number;
    };
    // The inboxes' wall time with production's model time in place of the bench origin's.
    const doWallMs = usage.doWallMs - usage.inboxModelMs + usage.inboxModelReplies * PRODUCTION_MODEL_MS;
    const upstash = Object.values((await standIns.call("stats")) as Record<string, ShimDatabaseStats>);
    const botApi = (await standIns.call("botApiCalls")) as Record<string, number>;
    const origin = (await standIns.call("originRequests")) as number;
    const scripts: Record<string, number> = {};
    for (const db of upstash)
      for (const [command, n] of Object.entries(db.byCommand))
        if (command.startsWith("EVAL")) scripts[command] = (scripts[command] ?? 0) + n;
    // Billed: each command Redis ran, a script's inner calls included (the shim sees only the script).
    const redisCalls = (await standIns.call("redisCalls")) as Record<string, number>;
    const upstashCommands = Object.values(redisCalls).reduce((a, b) => a + b, 0);
    const requestedCommands = upstash.reduce((n, db) => n + db.commands, 0);
    const upstashRequests = upstash.reduce((n, db) => n + db.requests, 0);
    const subrequests = upstashRequests + origin + Object.values(botApi).reduce((a, b) => a + b, 0);

    // Workers Logs: every log line, and with invocation logs on, one event per invocation (the
    // Worker's and each Durable Object's), sampled at the deployed head sampling rate.
    const observability = production.observability;
    const sampling = observability?.logs?.head_sampling_rate ?? observability?.head_sampling_rate ?? 1;
    const invocations = usage.workerRequests + usage.doRequests;
    const invocationLogs = observability?.logs?.invocation_logs === false ? 0 : invocations;
    const per = (n: number) => n / messages;
    const units: Array<[string, PricedUnit, number]> = [
      ["Upstash commands", "upstashCommands", per(upstashCommands)],
      ["Durable Object GB-s (wall time × 128 MB)", "doGbSeconds", per((doWallMs / 1000) * DO_GB)],
      ["Durable Object rows written", "doRowsWritten", per(usage.doRowsWritten)],
      ["Durable Object rows read", "doRowsRead", per(usage.doRowsRead)],
      [
        "Workers Logs (events × 4.84 KB)",
        "logGb",
        per(((usage.logLines + invocationLogs) * sampling * LOG_EVENT_KB) / 1e6),
      ],
      ["Logpush trace events", "logpushEvents", per(invocations)],
      ["Queue operations", "queueOps", per(usage.queueOps)],
      ["Worker requests", "workerRequests", per(usage.workerRequests)],
      ["Durable Object requests", "doRequests", per(usage.doRequests)],
      ["KV reads", "kvReads", per(usage.kvReads)],
      ["KV writes", "kvWrites", per(usage.kvWrites)],
      ["Analytics Engine points", "analyticsPoints", per(usage.records)],
      ["Worker CPU ms (local workerd, all of it)", "workerCpuMs", per(cpuMs)],
    ];
    const result: Result = {
      messages,
      replies: usage.records,
      // (Logs as events, not GB.)
      perMessage: Object.fromEntries(
        units.map(([label, unit, n]) => [label, round(unit === "logGb" ? (n * 1e6) / LOG_EVENT_KB : n)]),
      ),
      dollarsPerMillion: Object.fromEntries(units.map(([label, unit, n]) => [label, round(perMillion(unit, n))])),
      total: round(units.reduce((sum, [, unit, n]) => sum + perMillion(unit, n), 0)),
      upstashByCommand: Object.fromEntries(
        Object.entries(redisCalls)
          .sort((a, b) => b[1] - a[1])
          .map(([command, n]) => [command, round(per(n))]),
      ),
    };
    const previous = previousResult();
    writeFileSync(RESULT, `${JSON.stringify(result, null, 2)}\n`);

    const rows: Row[] = [];
    const inGroups = MIX.groups.groups * MIX.groups.members * MIX.groups.messages;
    const mix = `${sent} messenger (${MIX.bursts.users} bursts of ${MIX.bursts.messages}, ${inGroups} in ${MIX.groups.groups} groups), ${api} API; ${usage.records} replies`;
    rows.push(["cost: messages answered", mix, `${messages} messages`, "per answered message, $ per million"]);
    const logEvents = per((usage.logLines + invocationLogs) * sampling);
    for (const [label, unit, n] of units) {
      const dollars = perMillion(unit, n);
      const before = previous?.dollarsPerMillion[label];
      rows.push([
        `  ${label}`,
        unit === "logGb"
          ? `${fmt(logEvents)} events (${fmt(per(usage.logLines * sampling))} lines) per message`
          : `${fmt(n)} per message`,
        `$${dollars.toFixed(2)} / M`,
        before === undefined ? "" : `before $${before.toFixed(2)}`,
      ]);
    }
    rows.push([
      "  Upstash commands billed, by command",
      Object.entries(result.upstashByCommand)
        .slice(0, 7)
        .map(([command, n]) => `${command} ${n.toFixed(2)}`)
        .join(", "),
      `requested ${fmt(per(requestedCommands))}`,
      Object.entries(scripts)
        .map(([script, n]) => `${script} ${fmt(per(n))}`)
        .join(", "),
    ]);
    rows.push([
      "  subrequests (not billed)",
      `${fmt(per(subrequests))} per message`,
      `Upstash ${fmt(per(upstashRequests))}, origin ${fmt(per(origin))}`,
      "",
    ]);
    rows.push([
      "cost: edge total (target ≤ $10 / M)",
      `prices read ${PRICES.workerRequests.read}`,
      `$${result.total.toFixed(2)} / M`,
      previous ? `before $${previous.total.toFixed(2)} / M` : "no earlier result",
    ]);
    return rows;
  } finally {
    await edge.mf.dispose();
  }
}

/** The figures the last commit recorded (its bench/cost/result.json), if any. */
function previousResult(): Result | undefined {
  try {
    return JSON.parse(execFileSync("git", ["show", `HEAD:${RESULT}`], { encoding: "utf8", stdio: "pipe" })) as Result;
  } catch {
    try {
      return JSON.parse(readFileSync(RESULT, "utf8")) as Result;
    } catch {
      return undefined;
    }
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
