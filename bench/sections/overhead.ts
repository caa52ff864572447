import { performance } from "node:perf_hooks";
import { HTTP_API_KEY, ORIGIN_KEY, startStack } from "../../infra/local/edge-stack.js";
import { BENCH_REDIS_DB, ms, ORIGIN_MS, pct, type Row } from "../support.js";

/** The HTTP API end to end, minus the same origin called directly, side by side (1 concurrent). */
export async function gatewayOverhead(): Promise<Row[]> {
  const rows: Row[] = [];
  const stack = await startStack({
    port: 0,
    emulator: { firstTokenMs: ORIGIN_MS, tokensPerSecond: 0 },
    redisDb: BENCH_REDIS_DB,
    settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off" },
  });
  try {
    const direct = async () => {
      const t0 = performance.now();
      const res = await fetch(`${stack.emulator.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ORIGIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "openai/gpt-oss-20b",
          stream: true,
          messages: [{ role: "user", content: "What are your opening hours?" }],
        }),
      });
      await res.text();
      return performance.now() - t0;
    };
    const viaEdge = async (i: number) => {
      const t0 = performance.now();
      const res = await fetch(new URL("/v1/messages", stack.url), {
        method: "POST",
        headers: { authorization: `Bearer ${HTTP_API_KEY}`, "content-type": "application/json", "cf-ipcountry": "DE" },
        body: JSON.stringify({ user_id: `overhead-${i % 20}`, text: "What are your opening hours?" }),
      });
      await res.text();
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) await viaEdge(i); // warm-up
    const overhead: number[] = [];
    const directTimes: number[] = [];
    for (let i = 0; i < 300; i++) {
      const d = await direct();
      const e = await viaEdge(i);
      directTimes.push(d);
      overhead.push(e - d);
    }
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
