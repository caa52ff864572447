import { createHmac } from "node:crypto";
import { countUsage } from "./usage.js";
/**
 * Structured logs: one JSON object a line, with ids, region, timings and outcomes. Message text,
 * tokens and keys are never passed here; callers log identifiers only.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

function emit(level: "info" | "warn" | "error", event: string, fields: LogFields): void {
  countUsage("logLines");
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** LOG_SUCCESS_SAMPLE_RATE, set by the composition root; until then (unit tests) every line is written. */
let successRate = 1;

export function useSuccessSampling(rate: number): void {
  successRate = rate;
}

export const log = {
  info: (event: string, fields: LogFields = {}) => emit("info", event, fields),
  /**
   * Something that went well, as info, written for a share of them (LOG_SUCCESS_SAMPLE_RATE) with the
   * rate it was kept at: what went wrong, what was dropped, and the per-message metrics are never sampled.
   */
  success: (event: string, fields: LogFields = {}) => {
    if (successRate >= 1) return emit("info", event, fields);
    // By the message's reference where there is one, so a message's lines are kept or dropped together.
    const reference = String(fields.ref ?? fields.refs ?? "").slice(0, 8);
    const draw = /^[0-9a-f]{8}$/.test(reference) ? parseInt(reference, 16) / 2 ** 32 : Math.random();
    if (draw < successRate) emit("info", event, { ...fields, sample: successRate });
  },
  warn: (event: string, fields: LogFields = {}) => emit("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => emit("error", event, fields),
};

/** The class name of an error, safe to log (messages may quote a request). */
export function errorKind(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/**
 * The key of log references: KEY_SECRET, set once per isolate by the composition root (every isolate
 * of a deployment has the same, so one message's lines correlate across the webhook, the queue and
 * the inbox). Until then (code run outside an edge, as in unit tests) a random key of this isolate.
 */
let refKey: string | undefined;

export function useRefKey(secret: string): void {
  refKey = secret;
}

/**
 * A stable, short reference to a message id for logs. Ids can hold personal data (a WhatsApp wamid
 * embeds the sender's number), so logs carry a keyed hash of it (HMAC-SHA256, 64 bits): enough to
 * correlate the lines of one message, and not to be recovered by hashing candidate ids.
 */
export function ref(id: string): string {
  // (Made on first use: the runtime gives no random values at a module's top level.)
  refKey ??= Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  return createHmac("sha256", `ref:${refKey}`).update(id).digest("hex").slice(0, 16);
}
