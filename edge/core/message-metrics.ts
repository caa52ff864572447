import type { RegionId } from "./region-policy.js";

/**
 * Billed units used for a message (edge/usage.ts counts them; docs/COSTS.md prices them):
 * Workers KV reads (get, list) and writes (put, delete); Worker invocations billed as requests
 * (webhooks, API calls, queue consumer batches); Queue operations (a write, a read and a delete a
 * message); Durable Object requests (RPC calls, alarms); Durable Object storage rows read and written
 * (the SQLite backend bills each key, and an alarm, as a row); Durable Object wall-clock time while
 * an object was handling something (its billed duration), ms; log lines written.
 */
export const USAGE_UNITS = [
  "kvReads",
  "kvWrites",
  "workerRequests",
  "queueOps",
  "doRequests",
  "doRowsRead",
  "doRowsWritten",
  "doWallMs",
  "logLines",
] as const;

export type Usage = Record<(typeof USAGE_UNITS)[number], number>;

/**
 * One record per handled message: channel, region, outcome and timings, never text or user ids, and
 * the billed units used for it (approximate per message, exact in sum over all records).
 */
export interface MessageMetrics extends Usage {
  channel: string;
  region: RegionId;
  /**
   * A reply's outcome (answered, faq, faq_offline, refused, command, unsupported, rate_limited,
   * model_failed, too_long…), or what befell a message without one: dead_lettered (every try
   * failed), overdue (still unanswered long after its acknowledgement).
   */
  outcome: string;
  /** How the reply went out: delivered, template, undeliverable, unconfirmed, refused, partial, none. */
  delivery: string;
  /** Time the webhook took to acknowledge the platform, ms (0 for live channels). */
  ackMs: number;
  /** From the model request to its first token (reasoning counts), ms; 0 without a model call. */
  firstTokenMs: number;
  /** From the start of handling to the reply delivered, ms. */
  totalMs: number;
  tokensIn: number;
  tokensOut: number;
  /** How long the message was held because every server was saturated, ms. */
  heldMs: number;
  /** Time in model calls, ms: their sum over a window, divided by it, is the model calls in flight. */
  modelMs: number;
  /** 1 when the region's overflow endpoint answered (its own pool was saturated), else 0. */
  overflow: number;
  /**
   * The id of the model version of the user's region that was asked (core/rollout.ts, versionId), for
   * a reply, a reaction or a rollout decision; "" when none was (a command, a FAQ answer, a fallback
   * region or the overflow answered).
   */
  version: string;
  /** A rollout decision's record (outcome rollout_<action>): the candidate's percent of new conversations after it; else 0. */
  share: number;
  /** 1 when the version's own pool failed the reply (a fallback region may still have answered it): a failure of the version. */
  versionFailed: number;
}

/** The order of the numbers in an Analytics Engine data point (`double1`…`double19`; at most 20); new ones go last. */
export const METRIC_DOUBLES = [
  "ackMs",
  "firstTokenMs",
  "totalMs",
  "tokensIn",
  "tokensOut",
  "kvReads",
  "kvWrites",
  "heldMs",
  "modelMs",
  "overflow",
  "workerRequests",
  "queueOps",
  "doRequests",
  "doRowsRead",
  "doRowsWritten",
  "doWallMs",
  "logLines",
  "share",
  "versionFailed",
] as const;
/** The order of the strings (`blob1`…`blob5`). */
export const METRIC_BLOBS = ["channel", "region", "outcome", "delivery", "version"] as const;

/**
 * A record of something other than a reply (a dead letter, a reaction, a rollout decision): every
 * timing, count and billed unit 0; the caller sets what it is about.
 */
export function eventRecord(channel: string, region: RegionId, outcome: string): MessageMetrics {
  const zeros = Object.fromEntries(METRIC_DOUBLES.map((k) => [k, 0])) as Record<
    (typeof METRIC_DOUBLES)[number],
    number
  >;
  return { ...zeros, channel, region, outcome, delivery: "none", version: "" };
}
