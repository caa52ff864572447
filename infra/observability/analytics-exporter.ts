/**
 * `npm run observability:exporter`: the edge's production metrics for Prometheus. The deployed Worker
 * writes one Workers Analytics Engine data point per message (edge/services/metrics.ts); this small
 * service reads them with Analytics Engine's SQL API on every scrape (four queries: messages, latencies
 * per region, figures per model version, rollout decisions) and answers in the Prometheus
 * text format (gateway-metrics.ts), so one Prometheus and one set of alert rules watch both the edge
 * and the origins' vLLM metrics. Why an exporter and not Grafana reading the SQL API directly: the
 * SLO alerts then live with the origins' alerts in Prometheus/Alertmanager, and the local stack's
 * metrics endpoint serves the same metric names, so the rules and the dashboard are tested here.
 *
 *   CLOUDFLARE_ACCOUNT_ID=… CLOUDFLARE_API_TOKEN=… (Account Analytics: Read) \
 *   ANALYTICS_DATASET=gateway_messages_production npm run observability:exporter   # :9180/metrics
 *
 * With UPSTASH_MONTHLY_BUDGET_USD (Terraform's `databases` output) and UPSTASH_COMMANDS_PER_MESSAGE
 * it also serves those two, for the alert that warns before a region's Upstash budget is spent.
 */
import http from "node:http";
import {
  countsSql,
  decisionsSql,
  latencySql,
  NO_ROWS,
  renderGatewayMetrics,
  rowsFromSql,
  versionsSql,
  type UpstashBudget,
} from "./gateway-metrics.js";

export interface ExporterOptions {
  accountId: string;
  apiToken: string;
  dataset: string;
  /** Cloudflare's API base (a stand-in's in tests). */
  apiBase?: string;
  port?: number;
  host?: string;
  timeoutMs?: number;
  /** Terraform's Upstash budget per region database, for the alert before it is spent. */
  upstash?: UpstashBudget;
}

/** One SQL query's rows: the SQL API takes the query as the body and answers `{"data": [...]}` for FORMAT JSON. */
async function query(options: ExporterOptions, sql: string): Promise<Array<Record<string, unknown>>> {
  const base = options.apiBase ?? "https://api.cloudflare.com/client/v4";
  const res = await fetch(`${base}/accounts/${options.accountId}/analytics_engine/sql`, {
    method: "POST",
    headers: { authorization: `Bearer ${options.apiToken}` },
    body: sql,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}`);
  const body = (await res.json()) as { data?: Array<Record<string, unknown>> };
  if (!Array.isArray(body.data)) throw new Error("Analytics Engine SQL API answered without data");
  return body.data;
}

/** The metrics text for one scrape; on a failure, only `gateway_analytics_up 0` (an alert watches it). */
export async function scrape(options: ExporterOptions): Promise<string> {
  if (!/^[A-Za-z0-9_]+$/.test(options.dataset)) throw new Error(`not a dataset name: ${options.dataset}`);
  try {
    const [counts, latencies, versions, decisions] = await Promise.all([
      query(options, countsSql(options.dataset)),
      query(options, latencySql(options.dataset)),
      query(options, versionsSql(options.dataset)),
      query(options, decisionsSql(options.dataset)),
    ]);
    return renderGatewayMetrics(rowsFromSql({ counts, latencies, versions, decisions }), true, options.upstash);
  } catch (err) {
    console.error(`scrape failed: ${err instanceof Error ? err.message : String(err)}`);
    return renderGatewayMetrics(NO_ROWS, false, options.upstash);
  }
}

export async function startExporter(options: ExporterOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== "/metrics") return void res.writeHead(404).end();
    void scrape(options).then((text) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 9180, options.host ?? "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set`);
    return v;
  };
  const exporter = await startExporter({
    accountId: need("CLOUDFLARE_ACCOUNT_ID"),
    apiToken: need("CLOUDFLARE_API_TOKEN"),
    dataset: need("ANALYTICS_DATASET"),
    port: Number(process.env.PORT ?? 9180),
    host: process.env.HOST ?? "127.0.0.1",
    // `terraform output databases` (monthly_budget) and bench/cost/result.json's commands per message.
    ...(process.env.UPSTASH_MONTHLY_BUDGET_USD
      ? {
          upstash: {
            monthlyBudgetUsd: Number(process.env.UPSTASH_MONTHLY_BUDGET_USD),
            commandsPerMessage: Number(process.env.UPSTASH_COMMANDS_PER_MESSAGE ?? 5),
          },
        }
      : {}),
  });
  console.log(`serving ${process.env.ANALYTICS_DATASET} at ${exporter.url}/metrics`);
}
