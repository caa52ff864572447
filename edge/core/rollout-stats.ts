import { METRIC_BLOBS, METRIC_DOUBLES, type MessageMetrics } from "./message-metrics.js";
import type { VersionStats } from "./rollout.js";

/**
 * A model version's figures (core/rollout.ts, VersionStats) from the per-message records: from records
 * in memory (the local stack's metrics endpoint), or with one Analytics Engine SQL query (production).
 * Both count the same records the same way:
 *
 * - replies: records of the version whose outcome is answered, model_failed, faq_offline or refused
 *   (the version's model was asked); failures: model_failed and faq_offline; blocked: refused;
 * - p90ReplyMs: over the replies' totalMs; p99FirstTokenMs: over the replies with a first token;
 * - tokensOut, modelMs: means over the answered ones;
 * - thumbsUp, thumbsDown: reaction_up and reaction_down records of the version.
 *
 * Quantiles are nearest-rank, without interpolation: the ⌈q·n⌉-th smallest value, as Analytics
 * Engine's quantileExactWeighted computes them (ClickHouse's QuantileExactWeighted: the first value,
 * in order, at which the weights summed reach ⌈q·total weight⌉); null where there were none.
 */

/** What a reply of the version is: its model was asked, whatever came of it. */
export const REPLY_OUTCOMES = ["answered", "model_failed", "faq_offline", "refused"] as const;
const FAILURE_OUTCOMES = ["model_failed", "faq_offline"] as const;

/** A version id (core/rollout.ts, versionId: its name, a dash and 8 hex digits) and a region id, as a query may hold them. */
const VERSION_ID = /^[a-z][a-z0-9]{0,7}-[0-9a-f]{8}$/;
const REGION_ID = /^[a-z][a-z0-9]{1,15}$/;
const DATASET = /^[A-Za-z0-9_]+$/;

/** The Analytics Engine column of a record's field: the order edge/services/metrics.ts writes them in. */
export function column(field: (typeof METRIC_BLOBS)[number] | (typeof METRIC_DOUBLES)[number]): string {
  const blob = (METRIC_BLOBS as readonly string[]).indexOf(field);
  if (blob >= 0) return `blob${blob + 1}`;
  const double = (METRIC_DOUBLES as readonly string[]).indexOf(field);
  if (double < 0) throw new Error(`not a metrics field: ${field}`);
  return `double${double + 1}`;
}

/** The value at quantile `level` of `values`, nearest-rank; null for none. */
function quantile(values: number[], level: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(level * sorted.length))) - 1]!;
}

const mean = (values: number[]) => (values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null);

/** The version's figures from records (the caller picks the region and the span). */
export function versionStatsFromRecords(records: readonly MessageMetrics[], version: string): VersionStats {
  const mine = records.filter((r) => r.version === version);
  const replies = mine.filter((r) => (REPLY_OUTCOMES as readonly string[]).includes(r.outcome));
  const answered = replies.filter((r) => r.outcome === "answered");
  const count = (outcome: string) => mine.filter((r) => r.outcome === outcome).length;
  return {
    replies: replies.length,
    failures: replies.filter(
      (r) => (FAILURE_OUTCOMES as readonly string[]).includes(r.outcome) || (r.versionFailed ?? 0) > 0,
    ).length,
    blocked: count("refused"),
    p90ReplyMs: quantile(
      replies.map((r) => r.totalMs),
      0.9,
    ),
    p99FirstTokenMs: quantile(
      replies.filter((r) => r.firstTokenMs > 0).map((r) => r.firstTokenMs),
      0.99,
    ),
    tokensOut: mean(answered.map((r) => r.tokensOut)),
    modelMs: mean(answered.map((r) => r.modelMs)),
    thumbsUp: count("reaction_up"),
    thumbsDown: count("reaction_down"),
  };
}

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

/**
 * One Analytics Engine SQL query: a row per version of `versions` with records in `region` at or
 * after `sinceMs` (to the second: Analytics Engine's timestamps have no milliseconds), each row's
 * counts and quantiles weighted by its `_sample_interval` (Analytics Engine samples). Read its rows
 * with versionStatsFromSql. Every value put in the query is checked against its pattern first (an
 * Error otherwise), so nothing can be quoted out of its string.
 *
 * What it relies on, from Cloudflare's Workers Analytics Engine docs
 * (developers.cloudflare.com/analytics/analytics-engine/): string literals in single quotes
 * (sql-reference/literals); `=`, `>`, `>=`, `IN ('a', 'b')`, `AND` (sql-reference/operators);
 * `if(cond, a, b)` (sql-reference/conditional-functions); `toDateTime(<unix timestamp in seconds>)`
 * (sql-reference/date-time-functions); `quantileExactWeighted(q)(column, _sample_interval)`
 * (sql-reference/aggregate-functions); counts as `SUM(_sample_interval)` and means as
 * `SUM(_sample_interval * x) / SUM(_sample_interval)` on sampled data (sql-api, "Sampling");
 * `FORMAT JSON` answering `{"meta", "data": [{column: value}], "rows"}` (sql-reference/statements).
 */
export function versionStatsSql(dataset: string, region: string, versions: string[], sinceMs: number): string {
  if (!DATASET.test(dataset)) throw new Error(`not a dataset name: ${JSON.stringify(dataset)}`);
  if (!REGION_ID.test(region)) throw new Error(`not a region id: ${JSON.stringify(region)}`);
  if (!versions.length) throw new Error("no version to query");
  for (const v of versions) if (!VERSION_ID.test(v)) throw new Error(`not a version id: ${JSON.stringify(v)}`);
  if (!Number.isSafeInteger(Math.floor(sinceMs)) || sinceMs < 0) throw new Error(`not a time: ${sinceMs}`);
  const outcome = column("outcome");
  const isReply = `${outcome} IN (${list(REPLY_OUTCOMES)})`;
  const isFailure = `(${outcome} IN (${list(FAILURE_OUTCOMES)}) OR ${column("versionFailed")} > 0)`;
  const hasFirstToken = `${isReply} AND ${column("firstTokenMs")} > 0`;
  const weight = (cond: string) => `if(${cond}, _sample_interval, 0)`;
  const count = (cond: string) => `SUM(${weight(cond)})`;
  return [
    `SELECT ${column("version")} AS version,`,
    `  ${count(isReply)} AS replies,`,
    `  ${count(isFailure)} AS failures,`,
    `  ${count(`${outcome} = 'refused'`)} AS blocked,`,
    `  quantileExactWeighted(0.9)(${column("totalMs")}, ${weight(isReply)}) AS p90_reply_ms,`,
    `  ${count(hasFirstToken)} AS first_tokens,`,
    `  quantileExactWeighted(0.99)(${column("firstTokenMs")}, ${weight(hasFirstToken)}) AS p99_first_token_ms,`,
    `  ${count(`${outcome} = 'answered'`)} AS answered,`,
    `  SUM(if(${outcome} = 'answered', ${column("tokensOut")} * _sample_interval, 0)) AS tokens_out,`,
    `  SUM(if(${outcome} = 'answered', ${column("modelMs")} * _sample_interval, 0)) AS model_ms,`,
    `  ${count(`${outcome} = 'reaction_up'`)} AS thumbs_up,`,
    `  ${count(`${outcome} = 'reaction_down'`)} AS thumbs_down`,
    `FROM ${dataset}`,
    `WHERE ${column("region")} = '${region}' AND ${column("version")} IN (${list(versions)})`,
    `  AND timestamp >= toDateTime(${Math.floor(sinceMs / 1000)})`,
    "GROUP BY version FORMAT JSON",
  ].join("\n");
}

/**
 * The version's figures from versionStatsSql's rows (numbers may come as strings; a version without
 * a row did nothing: zeros). A quantile or a mean over nothing is null, whatever the query answered
 * for it (quantileExactWeighted over weights that are all 0 answers a value, not NaN).
 */
export function versionStatsFromSql(rows: Array<Record<string, unknown>>, version: string): VersionStats {
  const row = rows.find((r) => r.version === version) ?? {};
  const num = (key: string) => {
    const v = row[key];
    const n = v === null || v === undefined || v === "" ? Number.NaN : Number(v);
    return Number.isFinite(n) ? n : Number.NaN;
  };
  const count = (key: string) => {
    const n = num(key);
    return Number.isNaN(n) ? 0 : Math.max(0, n);
  };
  const over = (n: number, value: number) => (n > 0 && !Number.isNaN(value) ? value : null);
  const answered = count("answered");
  return {
    replies: count("replies"),
    failures: count("failures"),
    blocked: count("blocked"),
    p90ReplyMs: over(count("replies"), num("p90_reply_ms")),
    p99FirstTokenMs: over(count("first_tokens"), num("p99_first_token_ms")),
    tokensOut: over(answered, num("tokens_out") / answered),
    modelMs: over(answered, num("model_ms") / answered),
    thumbsUp: count("thumbs_up"),
    thumbsDown: count("thumbs_down"),
  };
}
