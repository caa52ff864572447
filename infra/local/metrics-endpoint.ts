import http from "node:http";
import type { MessageMetrics } from "../../edge/core/message-metrics.js";
import { renderGatewayMetrics, rowsFromRecords } from "../observability/gateway-metrics.js";
import { listen, readBody, sendJson } from "./http.js";

/**
 * The local stack's stand-in for Workers Analytics Engine: the edge POSTs one record per message
 * (METRICS_URL), and `GET /metrics` shows them in the Prometheus text format as production's exporter
 * does (infra/observability/gateway-metrics.ts), so the same alert rules and dashboard work locally.
 */
export interface MetricsEndpoint {
  url: string;
  records: MessageMetrics[];
  close(): Promise<void>;
}

export async function startMetricsEndpoint(options: { port?: number; host?: string } = {}): Promise<MetricsEndpoint> {
  const records: MessageMetrics[] = [];
  const times: number[] = [];
  const server = http.createServer(async (req, res) => {
    if (req.method === "POST") {
      try {
        records.push(JSON.parse(String(await readBody(req, 64 * 1024))) as MessageMetrics);
        times.push(Date.now());
        if (records.length > 100_000) {
          records.splice(0, records.length - 100_000);
          times.splice(0, times.length - 100_000);
        }
        return void res.writeHead(204).end();
      } catch {
        return sendJson(res, 400, { error: "a JSON record" });
      }
    }
    if (req.url === "/records") return sendJson(res, 200, records);
    const stamped = records.map((record, i) => ({ at: times[i]!, record }));
    res
      .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
      .end(renderGatewayMetrics(rowsFromRecords(stamped), true));
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
