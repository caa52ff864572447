import { z } from "zod";
import { parseCommand } from "../../core/commands.js";
import type { WebChatSettings } from "../../config.js";
import { MalformedPayload, type ChannelAdapter, type ChannelSender } from "../types.js";
import { readChatToken } from "./token.js";

/** Largest frame read, in bytes; a message is at most WEBCHAT_TEXT_LIMIT characters. */
export const WEBCHAT_MAX_FRAME_BYTES = 16 * 1024;
export const WEBCHAT_TEXT_LIMIT = 4096;
/** Heartbeat frames, answered by the runtime without waking the conversation's Durable Object. */
export const WEBCHAT_PING = '{"type":"ping"}';
export const WEBCHAT_PONG = '{"type":"pong"}';

const Frame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message"),
    text: z
      .string()
      .trim()
      .min(1, "text must not be empty")
      .max(WEBCHAT_TEXT_LIMIT, `text is at most ${WEBCHAT_TEXT_LIMIT} characters`),
    /** The client's id for this message: a resend after a reconnect gets the same reply, not a second one. */
    id: z
      .string()
      .regex(/^[\w-]{1,64}$/)
      .optional(),
  }),
]);

/** What a frame arrives with: the frame and the conversation of the socket it came on. */
export interface WebChatPayload {
  frame: unknown;
  conversation: string;
  region: string;
}

/**
 * The web chat: a page, a signed session token, and a WebSocket per browser tab to the conversation's
 * Durable Object. Frames follow DESIGN.md: `{"type":"message","text"}` in; `delta`, `done` and
 * `error` out (plus `history` on connect and `typing` while the model works).
 */
export const webchatChannel: ChannelAdapter<WebChatSettings> = {
  name: "webchat",
  maxBodyBytes: WEBCHAT_MAX_FRAME_BYTES,

  settings: (config) => config.webchat,

  async verify({ url }, settings) {
    const claims = await readChatToken(settings.tokenSecret, url.searchParams.get("token"));
    return claims !== undefined && claims.exp > Date.now() / 1000;
  },

  parse(payload) {
    const { frame, conversation, region } = payload as WebChatPayload;
    const parsed = Frame.safeParse(frame);
    if (!parsed.success) {
      const type = (frame as { type?: unknown } | null)?.type;
      if (typeof type !== "string" || type !== "message")
        throw new MalformedPayload(`unknown frame type ${JSON.stringify(type ?? null)}`, "unknown_type");
      throw new MalformedPayload(parsed.error.issues.map((i) => i.message).join("; "), "bad_frame");
    }
    const { text, id } = parsed.data;
    const command = parseCommand(text);
    return [
      {
        id: `webchat:${conversation}:${id ?? crypto.randomUUID()}`,
        address: { channel: "webchat", account: "web", chat: conversation },
        userKey: `webchat:web:${conversation}`,
        region,
        sentAt: Date.now(),
        content: command ? { kind: "command", command } : { kind: "text", text },
      },
    ];
  },
};

/** Frames to every tab of the conversation: the reply's pieces, "typing…", and the whole reply. */
export function socketSender(broadcast: (frame: object) => void): ChannelSender {
  return {
    textLimit: Number.MAX_SAFE_INTEGER,
    typingRefreshMs: 60_000,
    async send(_to, text) {
      broadcast({ type: "done", text });
      return "sent";
    },
    async typing() {
      broadcast({ type: "typing" });
    },
  };
}
