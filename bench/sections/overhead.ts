import { HTTP_API_KEY, ORIGIN_KEY, startStack } from "../../infra/local/edge-stack.js";
import { startProfile } from "../profile.js";
import { BENCH_REDIS_DB, ms, ORIGIN_MS, pct, timedPost, type Row } from "../support.js";

/** The HTTP API end to end, minus the same origin called directly, side by side (1 concurrent). */
export async function gatewayOverhead(): Promise<Row[]> {
  const rows: Row[] = [];
  const stack = await startStack({
    port: 0,
    emulator: { firstTokenMs: ORIGIN_MS, tokensPerSecond: 0 },
    redisDb: BENCH_REDIS_DB,
    // Records go where production sends them (Analytics Engine, no request), not to the local endpoint.
    analyticsEngine: true,
    ...(process.env.BENCH_PROFILE ? { inspectorPort: 9229 } : {}),
    settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off" },
  });
  try {
    const completion = JSON.stringify({
      model: "openai/gpt-oss-20b",
      stream: true,
      messages: [{ role: "user", content: "What are your opening hours?" }],
    });
    const direct = () =>
      timedPost(`${stack.emulator.url}/v1/chat/completions`, { authorization: `Bearer ${ORIGIN_KEY}` }, completion);
    const viaEdge = (i: number) =>
      timedPost(
        new URL("/v1/messages", stack.url),
        { authorization: `Bearer ${HTTP_API_KEY}`, "cf-ipcountry": "DE" },
        JSON.stringify({ user_id: `overhead-${i % 20}`, text: "What are your opening hours?" }),
      );
    for (let i = 0; i < 30; i++) await viaEdge(i); // warm-up
    const profiler = process.env.BENCH_PROFILE ? await startProfile(9229) : undefined;
    const overhead: number[] = [];
    const directTimes: number[] = [];
    for (let i = 0; i < 300; i++) {
      const d = await direct();
      const e = await viaEdge(i);
      directTimes.push(d);
      overhead.push(e - d);
    }
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE!);
    rows.push([
      "gateway overhead, HTTP API, 1 concurrent",
      `300 pairs, origin p50 ${ms(pct(directTimes, 50))}`,
      `p50 ${ms(pct(overhead, 50))}`,
      `p99 ${ms(pct(overhead, 99))}`,
    ]);
  } finally {
    await stack.close();
  }
  return rows;
}
