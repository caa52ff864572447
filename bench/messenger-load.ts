import { performance } from "node:perf_hooks";
import type { ShimDatabaseStats } from "../infra/local/upstash-shim.js";
import { startEdge } from "../infra/local/edge-stack.js";
import { startProfile } from "./profile.js";
import { benchCpuMs, load, poster, workerdCpuMs, type Answers, type StandIns } from "./support.js";

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
    const drain = async () => {
      let last = -1;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const now = (await standIns.call("answeredCount")) as number;
        if (now === last) return now;
        last = now;
      }
    };
    const users = 500;
    const perUser = 6;
    const total = users * perUser;
    let n = 0;
    const post = poster(edge.url, "telegram", () => firstUser + (n++ % users));
    const initial = (await standIns.call("answeredCount")) as number;
    await load(post, 5, 200); // warm-up, fully answered before anything is counted
    while (((await standIns.call("answeredCount")) as number) - initial < 200)
      await new Promise((r) => setTimeout(r, 50));
    const before = await drain();
    const answersBefore = (await standIns.call("answers")) as Answers;
    await standIns.call("resetStats");
    const profiler = inspectorPort ? await startProfile(inspectorPort) : undefined;
    const cpuBefore = { workerd: workerdCpuMs(), bench: benchCpuMs() };
    const started = performance.now();
    const acked = await load(post, 50, total);
    for (;;) {
      if (((await standIns.call("answeredCount")) as number) - before >= total) break;
      if (performance.now() - started > 120_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const answeredMs = performance.now() - started;
    const cpu = { workerd: workerdCpuMs() - cpuBefore.workerd, bench: benchCpuMs() - cpuBefore.bench };
    if (profiler && profileTo) await profiler.stop(profileTo);
    const answered = (await drain()) - before;
    const answers = (await standIns.call("answers")) as Answers;
    return {
      users,
      total,
      acked,
      answeredMs,
      cpu,
      answered,
      replies: answers.replies - answersBefore.replies,
      twice: answers.answeredTwice,
      upstash: ((await standIns.call("stats")) as Record<string, ShimDatabaseStats>).eu!,
      kv: (await standIns.call("kvUsage")) as { kvReads: number; kvWrites: number },
    };
  } finally {
    await edge.mf.dispose();
  }
}
