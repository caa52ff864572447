import { METRIC_BLOBS, METRIC_DOUBLES, type MessageMetrics } from "../../edge/core/message-metrics.js";

/**
 * The edge's per-message records as Prometheus metrics, one definition for both places they come
 * from: in production the Workers Analytics Engine dataset the deployed Worker writes (read with its
 * SQL API by analytics-exporter.ts), locally the local stack's metrics endpoint. The same alert rules
 * and dashboard read both. Every figure covers the last WINDOW_MINUTES, per region; Analytics Engine
 * samples, so counts and quantiles are weighted by each row's `_sample_interval`.
 */
const WINDOW_MINUTES = 5;
const QUANTILES = [0.5, 0.9, 0.99] as const;

/** Every metric name this module emits: what alerts and panels may name (test/unit/observability.test.ts). */
export const GATEWAY_METRICS = {
  messages: "gateway_messages_5m",
  reply: "gateway_reply_seconds_5m",
  firstToken: "gateway_first_token_seconds_5m",
  ack: "gateway_ack_seconds_5m",
  held: "gateway_held_seconds_5m",
  inflight: "gateway_model_inflight_5m",
  overflow: "gateway_overflow_5m",
  up: "gateway_analytics_up",
  upstashBudget: "gateway_upstash_monthly_budget_usd",
  upstashCommands: "gateway_upstash_commands_per_message",
} as const;

/** What a region database's Upstash budget allows (Terraform's), for the alert before it is spent. */
export interface UpstashBudget {
  monthlyBudgetUsd: number;
  commandsPerMessage: number;
}

export interface CountRow {
  channel: string;
  region: string;
  outcome: string;
  delivery: string;
  messages: number;
}

/** Per region, seconds at each of QUANTILES (NaN where there was nothing to measure), and the model's load. */
export interface LatencyRow {
  region: string;
  reply: number[];
  firstToken: number[];
  ack: number[];
  /** How long messages that found every server saturated waited for one (held at the edge). */
  held: number[];
  /** Model calls in flight, on average over the window (model time / window: Little's law). */
  inflight: number;
  /** Messages the region's overflow endpoint answered, its own pool being saturated. */
  overflowed: number;
}

/** The Analytics Engine column of a record's field: the order edge/core/message-metrics.ts writes. */
export function column(field: (typeof METRIC_BLOBS)[number] | (typeof METRIC_DOUBLES)[number]): string {
  const blob = (METRIC_BLOBS as readonly string[]).indexOf(field);
  if (blob >= 0) return `blob${blob + 1}`;
  return `double${(METRIC_DOUBLES as readonly string[]).indexOf(field) + 1}`;
}

const since = `timestamp > NOW() - INTERVAL '${WINDOW_MINUTES}' MINUTE`;

/** Messages per channel, region, outcome and delivery in the window. */
export function countsSql(dataset: string): string {
  return [
    `SELECT ${column("channel")} AS channel, ${column("region")} AS region, ${column("outcome")} AS outcome,`,
    `  ${column("delivery")} AS delivery, SUM(_sample_interval) AS messages`,
    `FROM ${dataset} WHERE ${since}`,
    "GROUP BY channel, region, outcome, delivery FORMAT JSON",
  ].join("\n");
}

/**
 * Per region: reply, first-token (model calls only), acknowledgement and held-for-capacity times in
 * seconds, the model calls in flight on average, and the messages the overflow answered.
 */
export function latencySql(dataset: string): string {
  const q = (field: "totalMs" | "firstTokenMs" | "ackMs" | "heldMs", name: string, where = "") =>
    QUANTILES.map(
      (level) =>
        `quantileExactWeighted(${level})(${column(field)} / 1000, ${where ? `if(${where}, _sample_interval, 0)` : "_sample_interval"}) AS ${name}_${String(level).replace(".", "")}`,
    ).join(",\n  ");
  return [
    `SELECT ${column("region")} AS region,`,
    `  ${q("totalMs", "reply", `${column("outcome")} NOT IN ('dead_lettered', 'overdue')`)},`,
    `  ${q("firstTokenMs", "first_token", `${column("firstTokenMs")} > 0`)},`,
    `  ${q("ackMs", "ack", `${column("ackMs")} > 0`)},`,
    `  ${q("heldMs", "held", `${column("heldMs")} > 0`)},`,
    `  SUM(${column("modelMs")} * _sample_interval) / ${WINDOW_MINUTES * 60_000} AS inflight,`,
    `  SUM(if(${column("overflow")} > 0, _sample_interval, 0)) AS overflowed`,
    `FROM ${dataset} WHERE ${since}`,
    "GROUP BY region FORMAT JSON",
  ].join("\n");
}

/** Rows of the two queries' JSON answers (Analytics Engine returns 64-bit numbers as strings). */
export function rowsFromSql(
  counts: Array<Record<string, unknown>>,
  latencies: Array<Record<string, unknown>>,
): { counts: CountRow[]; latencies: LatencyRow[] } {
  const num = (v: unknown) => (v === null || v === undefined || v === "" ? Number.NaN : Number(v));
  const levels = (row: Record<string, unknown>, name: string) =>
    QUANTILES.map((level) => num(row[`${name}_${String(level).replace(".", "")}`]));
  return {
    counts: counts.map((r) => ({
      channel: String(r.channel),
      region: String(r.region),
      outcome: String(r.outcome),
      delivery: String(r.delivery),
      messages: num(r.messages),
    })),
    latencies: latencies.map((r) => ({
      region: String(r.region),
      reply: levels(r, "reply"),
      firstToken: levels(r, "first_token"),
      ack: levels(r, "ack"),
      held: levels(r, "held"),
      inflight: num(r.inflight),
      overflowed: num(r.overflowed),
    })),
  };
}

/** The same figures from records kept in memory (the local stack), over the window before `now`. */
export function rowsFromRecords(
  records: ReadonlyArray<{ at: number; record: MessageMetrics }>,
  now = Date.now(),
): { counts: CountRow[]; latencies: LatencyRow[] } {
  const recent = records.filter((r) => r.at > now - WINDOW_MINUTES * 60_000).map((r) => r.record);
  const counts = new Map<string, CountRow>();
  for (const r of recent) {
    const key = JSON.stringify([r.channel, r.region, r.outcome, r.delivery]);
    const row = counts.get(key) ?? { ...pick(r), messages: 0 };
    row.messages += 1;
    counts.set(key, row);
  }
  const quantiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return QUANTILES.map((level) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(level * sorted.length) - 1)]! / 1000 : Number.NaN,
    );
  };
  const latencies = [...new Set(recent.map((r) => r.region))].map((region) => {
    const mine = recent.filter((r) => r.region === region);
    return {
      region,
      reply: quantiles(mine.filter((r) => !["dead_lettered", "overdue"].includes(r.outcome)).map((r) => r.totalMs)),
      firstToken: quantiles(mine.filter((r) => r.firstTokenMs > 0).map((r) => r.firstTokenMs)),
      ack: quantiles(mine.filter((r) => r.ackMs > 0).map((r) => r.ackMs)),
      held: quantiles(mine.filter((r) => r.heldMs > 0).map((r) => r.heldMs)),
      inflight: mine.reduce((sum, r) => sum + r.modelMs, 0) / (WINDOW_MINUTES * 60_000),
      overflowed: mine.filter((r) => r.overflow > 0).length,
    };
  });
  return { counts: [...counts.values()], latencies };
}

function pick(r: MessageMetrics): Omit<CountRow, "messages"> {
  return { channel: r.channel, region: r.region, outcome: r.outcome, delivery: r.delivery };
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Prometheus text exposition of the figures; `up` says whether they could be read at all. */
export function renderGatewayMetrics(
  rows: { counts: CountRow[]; latencies: LatencyRow[] },
  up: boolean,
  upstash?: UpstashBudget,
): string {
  const lines = [
    ...(upstash
      ? [
          `# HELP ${GATEWAY_METRICS.upstashBudget} Each region database's Upstash budget a month, USD (Terraform's upstash budget).`,
          `# TYPE ${GATEWAY_METRICS.upstashBudget} gauge`,
          `${GATEWAY_METRICS.upstashBudget} ${upstash.monthlyBudgetUsd}`,
          `# HELP ${GATEWAY_METRICS.upstashCommands} Billed Upstash commands per answered message (npm run bench -- cost).`,
          `# TYPE ${GATEWAY_METRICS.upstashCommands} gauge`,
          `${GATEWAY_METRICS.upstashCommands} ${upstash.commandsPerMessage}`,
        ]
      : []),
    `# HELP ${GATEWAY_METRICS.up} Whether the edge's per-message records could be read (1) or not (0).`,
    `# TYPE ${GATEWAY_METRICS.up} gauge`,
    `${GATEWAY_METRICS.up} ${up ? 1 : 0}`,
    `# HELP ${GATEWAY_METRICS.messages} Messages handled in the last ${WINDOW_MINUTES} minutes.`,
    `# TYPE ${GATEWAY_METRICS.messages} gauge`,
  ];
  for (const c of rows.counts)
    lines.push(
      `${GATEWAY_METRICS.messages}{channel="${escape(c.channel)}",region="${escape(c.region)}",outcome="${escape(c.outcome)}",delivery="${escape(c.delivery)}"} ${c.messages}`,
    );
  for (const [name, field, help] of [
    [GATEWAY_METRICS.reply, "reply", "From the start of handling to the reply delivered"],
    [GATEWAY_METRICS.firstToken, "firstToken", "From the model request to its first token"],
    [GATEWAY_METRICS.ack, "ack", "Time the webhook took to acknowledge the platform"],
    [GATEWAY_METRICS.held, "held", "Time a message waited at the edge for a free GPU server"],
  ] as const) {
    lines.push(`# HELP ${name} ${help}, seconds, last ${WINDOW_MINUTES} minutes.`, `# TYPE ${name} gauge`);
    for (const l of rows.latencies)
      QUANTILES.forEach((level, i) => {
        const v = l[field][i]!;
        if (Number.isFinite(v)) lines.push(`${name}{region="${escape(l.region)}",quantile="${level}"} ${v}`);
      });
  }
  for (const [name, field, help] of [
    [GATEWAY_METRICS.inflight, "inflight", "Model calls in flight, on average (the region's demand on its GPU pool)"],
    [GATEWAY_METRICS.overflow, "overflowed", "Messages answered by the region's overflow endpoint"],
  ] as const) {
    lines.push(`# HELP ${name} ${help}, last ${WINDOW_MINUTES} minutes.`, `# TYPE ${name} gauge`);
    for (const l of rows.latencies)
      if (Number.isFinite(l[field])) lines.push(`${name}{region="${escape(l.region)}"} ${l[field]}`);
  }
  return `${lines.join("\n")}\n`;
}
