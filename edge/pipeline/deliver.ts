import type { Address, ChannelSender } from "../channels/types.js";
import { splitMessage } from "../core/split-message.js";
import { NetworkError, PlatformError, WindowClosedError } from "../errors.js";

/** Nothing was delivered and the platform asked to wait (or failed): the whole delivery may be retried. */
export class RetryDelivery extends Error {
  override readonly name = "RetryDelivery";
  constructor(
    readonly delaySeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`delivery to retry in ${delaySeconds} s`, options);
  }
}

/**
 * delivered: every chunk sent; template: the platform took a template instead of free text;
 * undeliverable: the platform takes no free text now and there is no template (the reply is kept);
 * unconfirmed: a send's outcome is unknown; refused: the platform refused for good; partial: some
 * chunks reached the user before a failure.
 */
export type DeliveryOutcome = "delivered" | "template" | "undeliverable" | "unconfirmed" | "refused" | "partial";

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  chunks: number;
  delivered: number;
  error?: string;
}

/**
 * Sends a reply in as many messages as the channel's limit needs, in order. Never sends a chunk
 * twice: once any chunk may have reached the user, failures are reported, not retried.
 */
export async function deliver(sender: ChannelSender, to: Address, text: string): Promise<DeliveryResult> {
  const chunks = splitMessage(text, sender.textLimit);
  let delivered = 0;
  for (const chunk of chunks) {
    try {
      const how = await sender.send(to, chunk);
      delivered += 1;
      // One template invites the user back; the rest of the reply cannot follow it as free text.
      if (how === "template") return { outcome: "template", chunks: chunks.length, delivered };
    } catch (err) {
      const error = err instanceof Error ? err.name : "unknown";
      if (err instanceof WindowClosedError && delivered === 0) {
        return { outcome: "undeliverable", chunks: chunks.length, delivered, error };
      }
      if (err instanceof NetworkError) {
        // The platform may have delivered it: a repeat could show the user the same text twice.
        return { outcome: "unconfirmed", chunks: chunks.length, delivered, error };
      }
      if (
        delivered === 0 &&
        err instanceof PlatformError &&
        (err.retryAfterSeconds !== undefined || err.status === 429 || err.status >= 500)
      ) {
        throw new RetryDelivery(err.retryAfterSeconds ?? 5, { cause: err });
      }
      return { outcome: delivered === 0 ? "refused" : "partial", chunks: chunks.length, delivered, error };
    }
  }
  return { outcome: "delivered", chunks: chunks.length, delivered };
}
