import { eventRecord, type MessageMetrics } from "../../edge/core/message-metrics.js";

/**
 * The per-message record of a Telegram message in the EU answered by the model and delivered, with
 * typical timings and token counts and no billed units; `over` changes any field.
 */
export function answeredRecord(over: Partial<MessageMetrics> = {}): MessageMetrics {
  return {
    ...eventRecord("telegram", "eu", "answered"),
    delivery: "delivered",
    ackMs: 2,
    firstTokenMs: 300,
    totalMs: 900,
    tokensIn: 80,
    tokensOut: 40,
    modelMs: 250,
    ...over,
  };
}
