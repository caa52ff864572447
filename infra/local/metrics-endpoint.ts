import http from "node:http";
import type { MessageMetrics } from "../../edge/core/message-metrics.js";
import { listen, readBody, sendJson } from "./http.js";

/**
 * The local stack's stand-in for Workers Analytics Engine: the edge POSTs one record per message
 * (METRICS_URL), and `GET /metrics` shows them in the Prometheus text format, so the same dashboards
 * and queries work locally: counters per channel, region and outcome, and reply-time quantiles.
 */
export interface MetricsEndpoint {
  url: string;
  records: MessageMetrics[];
  close(): Promise<void>;
}

export async function startMetricsEndpoint(options: { port?: number; host?: string } = {}): Promise<MetricsEndpoint> {
  const records: MessageMetrics[] = [];
  const server = http.createServer(async (req, res) => {
    if (req.method === "POST") {
      try {
        records.push(JSON.parse(String(await readBody(req, 64 * 1024))) as MessageMetrics);
        if (records.length > 100_000) records.splice(0, records.length - 100_000);
        return void res.writeHead(204).end();
      } catch {
        return sendJson(res, 400, { error: "a JSON record" });
      }
    }
    if (req.url === "/records") return sendJson(res, 200, records);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(prometheusText(records));
  });
  return {
    url: await listen(server, options),
    records,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function prometheusText(records: readonly MessageMetrics[]): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const key = `channel="${r.channel}",region="${r.region}",outcome="${r.outcome}"`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const lines = [
    "# HELP gateway_messages_total Messages handled by the edge.",
    "# TYPE gateway_messages_total counter",
  ];
  for (const [labels, n] of counts) lines.push(`gateway_messages_total{${labels}} ${n}`);
  for (const [name, field, help] of [
    ["gateway_kv_reads_total", "kvReads", "KV reads (region pins, FAQ) made for messages."],
    ["gateway_kv_writes_total", "kvWrites", "KV writes (region pins) made for messages."],
  ] as const) {
    lines.push(
      `# HELP ${name} ${help}`,
      `# TYPE ${name} counter`,
      `${name} ${records.reduce((sum, r) => sum + (r[field] ?? 0), 0)}`,
    );
  }
  const quantiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [0.5, 0.9, 0.99].map(
      (q) => [q, sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0] as const,
    );
  };
  for (const [name, field] of [
    ["gateway_reply_seconds", "totalMs"],
    ["gateway_first_token_seconds", "firstTokenMs"],
    ["gateway_ack_seconds", "ackMs"],
  ] as const) {
    lines.push(`# TYPE ${name} summary`);
    for (const [q, v] of quantiles(records.map((r) => r[field]))) lines.push(`${name}{quantile="${q}"} ${v / 1000}`);
    lines.push(`${name}_count ${records.length}`);
  }
  return `${lines.join("\n")}\n`;
}
