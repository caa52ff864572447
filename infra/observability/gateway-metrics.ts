import type { MessageMetrics } from "../../edge/core/message-metrics.js";
import { column, REPLY_OUTCOMES } from "../../edge/core/rollout-stats.js";

export { column };

/**
 * The edge's per-message records as Prometheus metrics, one definition for both places they come
 * from: in production the Workers Analytics Engine dataset the deployed Worker writes (read with its
 * SQL API by analytics-exporter.ts), locally the local stack's metrics endpoint. The same alert rules
 * and dashboard read both. Every figure covers the last WINDOW_MINUTES, per region; Analytics Engine
 * samples, so counts and quantiles are weighted by each row's `_sample_interval`.
 *
 * Model versions (edge/core/rollout.ts): message counts carry the `version` that answered ("" when
 * no model version of the region was asked). Reply and first-token times come twice: per region over
 * all its messages, without a `version` label (what the SLO alerts read, selecting `version=""`), and
 * per region and version over that version's replies (answered, model_failed, faq_offline, refused:
 * what the rollout rule judges it by), with the label. Rollout decisions are records too (outcome
 * rollout_<action>): counted per action, not as messages, and the latest one's share is a gauge.
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
  tokensOut: "gateway_tokens_out_5m",
  rolloutShare: "gateway_rollout_share",
  rolloutDecisions: "gateway_rollout_decisions_5m",
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
  /** The model version that answered; "" when none of the region was asked. */
  version: string;
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

/** Per region and model version (its replies only): seconds at each of QUANTILES, NaN where none. */
export interface VersionRow {
  region: string;
  version: string;
  reply: number[];
  firstToken: number[];
  /** Tokens out of the version's answers, summed (over its answered messages: tokens per answer). */
  tokensOut: number;
}

/** Rollout decisions in the window per region, candidate version and action; the latest one's share. */
export interface DecisionRow {
  region: string;
  version: string;
  /** start, hold, advance, promote, rollback, pause, resume. */
  action: string;
  decisions: number;
  /** When the latest of them was taken (to order them: seconds from SQL, ms from records). */
  at: number;
  /** The candidate's percent of new conversations after the latest of them. */
  share: number;
}

export interface GatewayRows {
  counts: CountRow[];
  latencies: LatencyRow[];
  versions: VersionRow[];
  decisions: DecisionRow[];
}

export const NO_ROWS: GatewayRows = { counts: [], latencies: [], versions: [], decisions: [] };

const since = `timestamp > NOW() - INTERVAL '${WINDOW_MINUTES}' MINUTE`;
const ROLLOUT = "rollout_";
const NOT_A_REPLY = ["dead_lettered", "overdue", "reaction_up", "reaction_down"];
const isDecision = (outcome: string) => outcome.startsWith(ROLLOUT);
/** What a region's reply time is measured over: a message that had a reply (not a lost one, not a reaction). */
const hasReply = (outcome: string) => !NOT_A_REPLY.includes(outcome);
const isVersionReply = (outcome: string) => (REPLY_OUTCOMES as readonly string[]).includes(outcome);
const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");
const sqlDecision = `startsWith(${column("outcome")}, '${ROLLOUT}')`;
const sqlHasReply = `${column("outcome")} NOT IN (${sqlList(NOT_A_REPLY)})`;
const sqlVersionReply = `${column("outcome")} IN (${sqlList(REPLY_OUTCOMES)})`;
const level = (q: number) => String(q).replace(".", "");

/** Messages per channel, region, outcome, delivery and model version in the window (decisions are no messages). */
export function countsSql(dataset: string): string {
  return [
    `SELECT ${column("channel")} AS channel, ${column("region")} AS region, ${column("outcome")} AS outcome,`,
    `  ${column("delivery")} AS delivery, ${column("version")} AS version, SUM(_sample_interval) AS messages`,
    `FROM ${dataset} WHERE ${since} AND NOT ${sqlDecision}`,
    "GROUP BY channel, region, outcome, delivery, version FORMAT JSON",
  ].join("\n");
}

const quantilesSql = (field: "totalMs" | "firstTokenMs" | "ackMs" | "heldMs", name: string, where = "") =>
  QUANTILES.map(
    (q) =>
      `quantileExactWeighted(${q})(${column(field)} / 1000, ${where ? `if(${where}, _sample_interval, 0)` : "_sample_interval"}) AS ${name}_${level(q)}`,
  ).join(",\n  ");

/**
 * Per region: reply (messages that had one: not dead-lettered, overdue or a reaction), first-token
 * (model calls only), acknowledgement and held-for-capacity times in seconds, the model calls in
 * flight on average, and the messages the overflow answered.
 */
export function latencySql(dataset: string): string {
  const q = quantilesSql;
  return [
    `SELECT ${column("region")} AS region,`,
    `  ${q("totalMs", "reply", sqlHasReply)},`,
    `  ${q("firstTokenMs", "first_token", `${column("firstTokenMs")} > 0`)},`,
    `  ${q("ackMs", "ack", `${column("ackMs")} > 0`)},`,
    `  ${q("heldMs", "held", `${column("heldMs")} > 0`)},`,
    `  SUM(${column("modelMs")} * _sample_interval) / ${WINDOW_MINUTES * 60_000} AS inflight,`,
    `  SUM(if(${column("overflow")} > 0, _sample_interval, 0)) AS overflowed`,
    `FROM ${dataset} WHERE ${since} AND NOT ${sqlDecision}`,
    "GROUP BY region FORMAT JSON",
  ].join("\n");
}

/**
 * Per region and model version (records with one): reply and first-token seconds over its replies,
 * how many there were (a quantile over none is no figure), and the tokens out of its answers.
 */
export function versionsSql(dataset: string): string {
  const firstToken = `${sqlVersionReply} AND ${column("firstTokenMs")} > 0`;
  return [
    `SELECT ${column("region")} AS region, ${column("version")} AS version,`,
    `  ${quantilesSql("totalMs", "reply", sqlVersionReply)},`,
    `  ${quantilesSql("firstTokenMs", "first_token", firstToken)},`,
    `  SUM(if(${sqlVersionReply}, _sample_interval, 0)) AS replies,`,
    `  SUM(if(${firstToken}, _sample_interval, 0)) AS first_tokens,`,
    `  SUM(if(${column("outcome")} = 'answered', ${column("tokensOut")} * _sample_interval, 0)) AS tokens_out`,
    `FROM ${dataset} WHERE ${since} AND ${column("version")} != '' AND NOT ${sqlDecision}`,
    "GROUP BY region, version FORMAT JSON",
  ].join("\n");
}

/** Rollout decisions per region, candidate version and action (outcome rollout_<action>), and the latest one's share. */
export function decisionsSql(dataset: string): string {
  return [
    `SELECT ${column("region")} AS region, ${column("version")} AS version, ${column("outcome")} AS outcome,`,
    `  SUM(_sample_interval) AS decisions, max(toUnixTimestamp(timestamp)) AS at,`,
    `  argMax(${column("share")}, timestamp) AS share`,
    `FROM ${dataset} WHERE ${since} AND ${sqlDecision}`,
    "GROUP BY region, version, outcome FORMAT JSON",
  ].join("\n");
}

/** Rows of the queries' JSON answers (Analytics Engine returns 64-bit numbers as strings). */
export function rowsFromSql(answers: {
  counts: Array<Record<string, unknown>>;
  latencies: Array<Record<string, unknown>>;
  versions: Array<Record<string, unknown>>;
  decisions: Array<Record<string, unknown>>;
}): GatewayRows {
  const { counts, latencies, versions, decisions } = answers;
  const num = (v: unknown) => (v === null || v === undefined || v === "" ? Number.NaN : Number(v));
  const levels = (row: Record<string, unknown>, name: string, n = 1) =>
    QUANTILES.map((q) => (n > 0 ? num(row[`${name}_${level(q)}`]) : Number.NaN));
  return {
    counts: counts.map((r) => ({
      channel: String(r.channel),
      region: String(r.region),
      outcome: String(r.outcome),
      delivery: String(r.delivery),
      version: String(r.version ?? ""),
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
    versions: versions.map((r) => ({
      region: String(r.region),
      version: String(r.version),
      reply: levels(r, "reply", num(r.replies)),
      firstToken: levels(r, "first_token", num(r.first_tokens)),
      tokensOut: num(r.tokens_out),
    })),
    decisions: decisions.map((r) => ({
      region: String(r.region),
      version: String(r.version),
      action: String(r.outcome).slice(ROLLOUT.length),
      decisions: num(r.decisions),
      at: num(r.at),
      share: num(r.share),
    })),
  };
}

/** The same figures from records kept in memory (the local stack), over the window before `now`. */
export function rowsFromRecords(
  records: ReadonlyArray<{ at: number; record: MessageMetrics }>,
  now = Date.now(),
): GatewayRows {
  const recent = records.filter((r) => r.at > now - WINDOW_MINUTES * 60_000);
  const messages = recent.map((r) => r.record).filter((r) => !isDecision(r.outcome));
  const counts = new Map<string, CountRow>();
  for (const r of messages) {
    const key = JSON.stringify([r.channel, r.region, r.outcome, r.delivery, r.version]);
    const row = counts.get(key) ?? { ...pick(r), messages: 0 };
    row.messages += 1;
    counts.set(key, row);
  }
  const quantiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return QUANTILES.map((q) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000 : Number.NaN,
    );
  };
  const latencies = [...new Set(messages.map((r) => r.region))].map((region) => {
    const mine = messages.filter((r) => r.region === region);
    return {
      region,
      reply: quantiles(mine.filter((r) => hasReply(r.outcome)).map((r) => r.totalMs)),
      firstToken: quantiles(mine.filter((r) => r.firstTokenMs > 0).map((r) => r.firstTokenMs)),
      ack: quantiles(mine.filter((r) => r.ackMs > 0).map((r) => r.ackMs)),
      held: quantiles(mine.filter((r) => r.heldMs > 0).map((r) => r.heldMs)),
      inflight: mine.reduce((sum, r) => sum + r.modelMs, 0) / (WINDOW_MINUTES * 60_000),
      overflowed: mine.filter((r) => r.overflow > 0).length,
    };
  });
  const byVersion = new Map<string, MessageMetrics[]>();
  for (const r of messages)
    if (r.version) {
      const key = JSON.stringify([r.region, r.version]);
      const mine = byVersion.get(key) ?? [];
      mine.push(r);
      byVersion.set(key, mine);
    }
  const versions = [...byVersion.values()].map((mine) => {
    const replies = mine.filter((r) => isVersionReply(r.outcome));
    return {
      region: mine[0]!.region,
      version: mine[0]!.version,
      reply: quantiles(replies.map((r) => r.totalMs)),
      firstToken: quantiles(replies.filter((r) => r.firstTokenMs > 0).map((r) => r.firstTokenMs)),
      tokensOut: replies.filter((r) => r.outcome === "answered").reduce((sum, r) => sum + r.tokensOut, 0),
    };
  });
  const decisions = new Map<string, DecisionRow>();
  for (const { at, record: r } of recent) {
    if (!isDecision(r.outcome)) continue;
    const key = JSON.stringify([r.region, r.version, r.outcome]);
    const row = decisions.get(key) ?? {
      region: r.region,
      version: r.version,
      action: r.outcome.slice(ROLLOUT.length),
      decisions: 0,
      at,
      share: r.share,
    };
    row.decisions += 1;
    if (at >= row.at) Object.assign(row, { at, share: r.share });
    decisions.set(key, row);
  }
  return { counts: [...counts.values()], latencies, versions, decisions: [...decisions.values()] };
}

function pick(r: MessageMetrics): Omit<CountRow, "messages"> {
  return { channel: r.channel, region: r.region, outcome: r.outcome, delivery: r.delivery, version: r.version };
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Prometheus text exposition of the figures; `up` says whether they could be read at all. */
export function renderGatewayMetrics(rows: GatewayRows, up: boolean, upstash?: UpstashBudget): string {
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
    `# HELP ${GATEWAY_METRICS.messages} Messages handled in the last ${WINDOW_MINUTES} minutes (version: the model version that answered, "" for none).`,
    `# TYPE ${GATEWAY_METRICS.messages} gauge`,
  ];
  for (const c of rows.counts)
    lines.push(
      `${GATEWAY_METRICS.messages}{channel="${escape(c.channel)}",region="${escape(c.region)}",outcome="${escape(c.outcome)}",delivery="${escape(c.delivery)}",version="${escape(c.version)}"} ${c.messages}`,
    );
  for (const [name, field, help] of [
    [GATEWAY_METRICS.reply, "reply", "From the start of handling to the reply delivered"],
    [GATEWAY_METRICS.firstToken, "firstToken", "From the model request to its first token"],
    [GATEWAY_METRICS.ack, "ack", "Time the webhook took to acknowledge the platform"],
    [GATEWAY_METRICS.held, "held", "Time a message waited at the edge for a free GPU server"],
  ] as const) {
    const perVersion = field === "reply" || field === "firstToken";
    lines.push(
      `# HELP ${name} ${help}, seconds, last ${WINDOW_MINUTES} minutes${perVersion ? " (without version: all the region's messages; with it: that model version's replies)" : ""}.`,
      `# TYPE ${name} gauge`,
    );
    for (const l of rows.latencies)
      QUANTILES.forEach((q, i) => {
        const v = l[field][i]!;
        if (Number.isFinite(v)) lines.push(`${name}{region="${escape(l.region)}",quantile="${q}"} ${v}`);
      });
    if (perVersion)
      for (const l of rows.versions)
        QUANTILES.forEach((q, i) => {
          const v = l[field][i]!;
          if (Number.isFinite(v))
            lines.push(`${name}{region="${escape(l.region)}",version="${escape(l.version)}",quantile="${q}"} ${v}`);
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
  lines.push(
    `# HELP ${GATEWAY_METRICS.tokensOut} Tokens out of a model version's answers, summed, last ${WINDOW_MINUTES} minutes.`,
    `# TYPE ${GATEWAY_METRICS.tokensOut} gauge`,
  );
  for (const l of rows.versions)
    if (Number.isFinite(l.tokensOut))
      lines.push(
        `${GATEWAY_METRICS.tokensOut}{region="${escape(l.region)}",version="${escape(l.version)}"} ${l.tokensOut}`,
      );
  lines.push(
    `# HELP ${GATEWAY_METRICS.rolloutDecisions} Rollout decisions taken on a candidate version, per action, last ${WINDOW_MINUTES} minutes.`,
    `# TYPE ${GATEWAY_METRICS.rolloutDecisions} gauge`,
  );
  const latest = new Map<string, DecisionRow>();
  for (const d of rows.decisions) {
    lines.push(
      `${GATEWAY_METRICS.rolloutDecisions}{region="${escape(d.region)}",version="${escape(d.version)}",action="${escape(d.action)}"} ${d.decisions}`,
    );
    const key = JSON.stringify([d.region, d.version]);
    const seen = latest.get(key);
    if (!seen || d.at > seen.at) latest.set(key, d);
  }
  lines.push(
    `# HELP ${GATEWAY_METRICS.rolloutShare} A candidate version's percent of new conversations after the latest rollout decision of the last ${WINDOW_MINUTES} minutes.`,
    `# TYPE ${GATEWAY_METRICS.rolloutShare} gauge`,
  );
  for (const d of latest.values())
    if (Number.isFinite(d.share))
      lines.push(
        `${GATEWAY_METRICS.rolloutShare}{region="${escape(d.region)}",version="${escape(d.version)}"} ${d.share}`,
      );
  return `${lines.join("\n")}\n`;
}
