import { splitMessage } from "../core/split-message.js";
import { NetworkError, PlatformError, RetryDelivery, WindowClosedError } from "../errors.js";
import type { Address, AnswerPreview, ChannelSender, Delivery } from "../message.js";
import { TYPING_DELAY_MS } from "../limits.js";

/**
 * Sends a reply in as many messages as the channel's limit needs, in order. Never sends a chunk
 * twice: once any chunk may have reached the user, failures are reported, not retried.
 */
export async function deliver(sender: ChannelSender, to: Address, text: string): Promise<Delivery> {
  const chunks = sender.chunks?.(text) ?? splitMessage(text, sender.textLimit).map((chunk) => ({ text: chunk }));
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
      if (err instanceof NetworkError && err.timedOut && delivered === 0) {
        // A platform that does not answer at all (TIMEOUT_PLATFORM_MS) is tried again, then the
        // message is dead-lettered and counted: never silence. Should it have delivered after all,
        // only late, the user may see this reply twice (README, "Reliability").
        throw new RetryDelivery(5, { cause: err });
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

/**
 * Shows "typing…" once the model has taken a moment, and refreshes it until the returned function is
 * called; not while the answer's preview shows it being written (one sign of work is enough, and each
 * is a platform call).
 */
export function keepTyping(sender: ChannelSender, to: Address, preview: AnswerPreview | undefined): () => void {
  const show = () => {
    if (preview?.showing()) return;
    void sender.typing(to).catch(() => {}); // cosmetic: never fails a reply
  };
  let refresh: ReturnType<typeof setInterval> | undefined;
  const start = setTimeout(() => {
    show();
    refresh = setInterval(show, sender.typingRefreshMs);
  }, TYPING_DELAY_MS);
  return () => {
    clearTimeout(start);
    if (refresh !== undefined) clearInterval(refresh);
  };
}
