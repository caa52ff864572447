import { startEdge } from "../../infra/local/edge-stack.js";
import { load, ms, pct, poster, type Endpoints, type Row } from "../support.js";

/** Webhook acknowledgement: the edge alone (no consumer), signed Telegram and WhatsApp deliveries. */
export async function ackLatency(endpoints: Endpoints, settings: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  const edge = await startEdge({ endpoints, port: 0, quiet: true, settings, consumers: null });
  try {
    for (const channel of ["telegram", "whatsapp"] as const) {
      const post = poster(edge.url, channel);
      await load(post, 1, 300); // warm-up
      for (const [concurrency, total] of [
        [1, 2000],
        [10, 3000],
        [50, 5000],
      ] as const) {
        const { latencies } = await load(post, concurrency, total);
        rows.push([
          `ack latency, ${channel}, ${concurrency} concurrent`,
          `${total} signed webhooks`,
          `p50 ${ms(pct(latencies, 50))}`,
          `p99 ${ms(pct(latencies, 99))}`,
        ]);
      }
    }
  } finally {
    await edge.mf.dispose();
  }
  return rows;
}
