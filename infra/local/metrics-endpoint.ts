import http from "node:http";
import type { MessageMetrics } from "../../edge/core/message-metrics.js";
import type { VersionStats } from "../../edge/core/rollout.js";
import { versionStatsFromRecords } from "../../edge/core/rollout-stats.js";
import { renderGatewayMetrics, rowsFromRecords } from "../observability/gateway-metrics.js";
import { listen, readBody, sendJson } from "./http.js";

/**
 * The local stack's stand-in for Workers Analytics Engine: the edge POSTs one record per message
 * (METRICS_URL), and `GET /metrics` shows them in the Prometheus text format as production's exporter
 * does (infra/observability/gateway-metrics.ts), so the same alert rules and dashboard work locally.
 * `GET /versions?region=<id>&since=<epoch ms>&v=<version id>&v=…` answers what each model version did
 * in the region since then, `{"<version id>": VersionStats, …}` (a version without records: zeros
 * and nulls), as production's Worker reads it from Analytics Engine (edge/services/rollout-figures.ts).
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
    const url = new URL(req.url ?? "/", "http://metrics.local");
    if (url.pathname === "/records") return sendJson(res, 200, records);
    if (url.pathname === "/versions" || url.pathname.endsWith("/versions")) {
      const answer = versions(url.searchParams, records, times);
      return sendJson(
        res,
        typeof answer === "string" ? 400 : 200,
        typeof answer === "string" ? { error: answer } : answer,
      );
    }
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

const REGION_ID = /^[a-z][a-z0-9]{1,15}$/;
const VERSION_ID = /^[a-z][a-z0-9]{0,7}-[0-9a-f]{8}$/;

/** `GET /versions`: each asked version's figures from the region's records at or after `since`; a string says what is wrong. */
function versions(
  params: URLSearchParams,
  records: readonly MessageMetrics[],
  times: readonly number[],
): Record<string, VersionStats> | string {
  const region = params.get("region") ?? "";
  const since = Number(params.get("since") ?? Number.NaN);
  const ids = params.getAll("v");
  if (!REGION_ID.test(region)) return "region: a region id";
  if (!Number.isFinite(since)) return "since: a time, ms since the epoch";
  if (!ids.length || !ids.every((v) => VERSION_ID.test(v))) return "v: one or more version ids";
  const mine = records.filter((r, i) => times[i]! >= since && r.region === region);
  return Object.fromEntries(ids.map((v) => [v, versionStatsFromRecords(mine, v)]));
}
