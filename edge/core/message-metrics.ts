import type { RegionId } from "./region-policy.js";

/** One record per handled message: channel, region, outcome and timings, never text or user ids. */
export interface MessageMetrics {
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
  /**
   * Billed units used for it (usage.ts: KV operations, invocations, queue operations, Durable Object
   * requests, rows and wall time, log lines): approximate per message, exact in sum over all records.
   */
  kvReads: number;
  kvWrites: number;
  workerRequests: number;
  queueOps: number;
  doRequests: number;
  doRowsRead: number;
  doRowsWritten: number;
  doWallMs: number;
  logLines: number;
  /** How long the message was held because every server was saturated, ms. */
  heldMs: number;
  /** Time in model calls, ms: their sum over a window, divided by it, is the model calls in flight. */
  modelMs: number;
  /** 1 when the region's overflow endpoint answered (its own pool was saturated), else 0. */
  overflow: number;
}

/** The order of the numbers in an Analytics Engine data point (`double1`…`double17`; at most 20); new ones go last. */
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
] as const;
/** The order of the strings (`blob1`…`blob4`). */
export const METRIC_BLOBS = ["channel", "region", "outcome", "delivery"] as const;
