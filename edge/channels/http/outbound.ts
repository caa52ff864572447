import type { ChannelSender } from "../../message.js";

/** A sender that keeps the reply for the HTTP response instead of sending it anywhere. */
export function responseSender(): ChannelSender & { readonly text: string } {
  const chunks: string[] = [];
  return {
    // One response carries the whole reply: no splitting.
    textLimit: Number.MAX_SAFE_INTEGER,
    typingRefreshMs: 60_000,
    get text() {
      return chunks.join("\n\n");
    },
    async send(_to, { text }) {
      chunks.push(text);
      return "sent";
    },
    async typing() {},
  };
}
