import { performance } from "node:perf_hooks";
import type { ShimDatabaseStats } from "../infra/local/upstash-shim.js";
import type { Usage } from "../edge/usage.js";
import { startEdge } from "../infra/local/edge-stack.js";
import { startProfile } from "./profile.js";
import { benchCpuMs, load, peakMemory, poster, treeUsage, type Answers, type StandIns } from "./support.js";

/** The load: 500 users writing 6 messages each, 50 webhooks in flight. */
export const LOAD = { users: 500, perUser: 6, concurrency: 50 } as const;

/**
 * Everything at once: webhooks acked while the consumer answers every message (origin 100 ms), from
 * 500 users writing 6 messages each; answered exactly once per message.
 *
 * The per-message records go where production sends them, to the Analytics Engine binding (which
 * the local runtime accepts and drops): the local stack's stand-in for it, an HTTP POST per message,
 * is not a cost the deployed Worker has. The round-trips run sends them to that stand-in instead,
 * for the KV counts they carry.
 */
export async function messengerLoad(
  standIns: StandIns,
  settings: Record<string, string>,
  records: "analytics-engine" | "metrics-endpoint",
  firstUser: number,
  users: number = LOAD.users,
  /** Run on the same edge after the load (the peers' one-at-a-time acknowledgements). */
  after?: (url: URL) => Promise<number>,
) {
  const profileTo = records === "analytics-engine" ? process.env.BENCH_PROFILE : undefined;
  const inspectorPort = profileTo ? 9229 : undefined;
  const edge = await startEdge({
    endpoints: standIns.endpoints,
    port: 0,
    quiet: true,
    inspectorPort,
    analyticsEngine: records === "analytics-engine",
    settings: { ...settings, ...(records === "metrics-endpoint" ? { METRICS_URL: standIns.endpoints.metrics } : {}) },
  });
  try {
    const profiler = inspectorPort ? await startProfile(inspectorPort) : undefined;
    const result = await driveLoad(standIns, edge.url, "workerd", firstUser, users);
    if (profiler && profileTo) await profiler.stop(profileTo);
    return {
      ...result,
      ackP50: after ? await after(edge.url) : Number.NaN,
      upstash: ((await standIns.call("stats")) as Record<string, ShimDatabaseStats>).eu!,
      usage: (await standIns.call("usage")) as Usage & { records: number },
      botApi: (await standIns.call("botApiCalls")) as Record<string, number>,
    };
  } finally {
    await edge.mf.dispose();
  }
}

/**
 * Signed Telegram deliveries to `url` (the gateway or a peer bot: whatever answers at
 * /webhooks/telegram), 6 per user, 50 in flight, until the Telegram stand-in has seen every message
 * answered. `processes` is what the CPU time and the peak memory are taken from: the gateway's
 * workerd processes, or a peer's process tree.
 */
export async function driveLoad(
  standIns: StandIns,
  url: URL,
  processes: number | "workerd",
  firstUser: number,
  users: number = LOAD.users,
) {
  const drain = async () => {
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = (await standIns.call("answeredCount")) as number;
      if (now === last) return now;
      last = now;
    }
  };
  const total = LOAD.users * LOAD.perUser;
  let n = 0;
  const post = poster(url, "telegram", () => firstUser + (n++ % users));
  const initial = (await standIns.call("answeredCount")) as number;
  await load(post, 5, 200); // warm-up, fully answered before anything is counted
  const warmUpStarted = performance.now();
  while (((await standIns.call("answeredCount")) as number) - initial < 200) {
    if (performance.now() - warmUpStarted > 60_000) throw new Error("the warm-up's 200 messages were not answered");
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = await drain();
  const answersBefore = (await standIns.call("answers")) as Answers;
  await standIns.call("resetStats");
  const memory = peakMemory(processes);
  const cpuBefore = { target: treeUsage(processes).cpuMs, bench: benchCpuMs() };
  const started = performance.now();
  const acked = await load(post, LOAD.concurrency, total);
  // Until every message is answered, or no answer came for 5 s (a message lost: the rate counts up
  // to the last answer, and the loss is reported).
  let answeredMs = performance.now() - started;
  for (let seen = -1; ;) {
    const now = ((await standIns.call("answeredCount")) as number) - before;
    if (now !== seen) {
      seen = now;
      answeredMs = performance.now() - started;
    }
    if (now >= total || performance.now() - started - answeredMs > 5_000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = { server: treeUsage(processes).cpuMs - cpuBefore.target, bench: benchCpuMs() - cpuBefore.bench };
  const peakRssBytes = memory.stop();
  const answered = (await drain()) - before;
  const answers = (await standIns.call("answers")) as Answers;
  return {
    users,
    total,
    acked,
    answeredMs,
    cpu,
    peakRssBytes,
    answered,
    replies: answers.replies - answersBefore.replies,
    twice: answers.answeredTwice,
  };
}
