import type { ChannelSender } from "../../message.js";

/** Frames to every tab of the conversation: the reply's pieces, "typing…", and the whole reply. */
export function socketSender(broadcast: (frame: object) => void): ChannelSender {
  return {
    textLimit: Number.MAX_SAFE_INTEGER,
    typingRefreshMs: 60_000,
    async send(_to, { text }) {
      broadcast({ type: "done", text });
      return "sent";
    },
    async typing() {
      broadcast({ type: "typing" });
    },
  };
}
