import * as z from "zod";
import { parseCommand } from "../../core/commands.js";
import type { RegionId } from "../../core/region-policy.js";
import { issueLines } from "../../core/zod-issues.js";
import { MalformedPayload } from "../../errors.js";
import type { ChannelSender, InboundMessage } from "../../message.js";

/**
 * The web chat's frames (JSON text over the WebSocket, docs/ARCHITECTURE.md): `{"type":"message","text"}` in;
 * `delta`, `done` and `error` out (plus `history` on connect and `typing` while the model works).
 */

/**
 * Largest frame read, in bytes; a message is at most WEBCHAT_TEXT_LIMIT characters, a guard on the
 * transport only: whether the model can read it is the rule every channel shares (INPUT_TOKEN_BUDGET).
 */
export const WEBCHAT_MAX_FRAME_BYTES = 64 * 1024;
const WEBCHAT_TEXT_LIMIT = 16_000;
/** Heartbeat frames, answered by the runtime without waking the conversation's Durable Object. */
export const WEBCHAT_PING = '{"type":"ping"}';
export const WEBCHAT_PONG = '{"type":"pong"}';
/** Headers the Worker passes with an upgrade it has authenticated. */
export const CONVERSATION_HEADER = "x-chat-conversation";
export const REGION_HEADER = "x-chat-region";
/** The client's network, as a keyed pseudonym of its IP address (for the per-network message limit). */
export const CLIENT_HEADER = "x-chat-client";

/**
 * The code to close with in answer to a client's close: its own when a peer may send it, else 1000.
 * 1005 (no code given) and 1006 (the connection dropped) only report what happened and may never be
 * sent, nor may 1004 and 1015 (RFC 6455, 7.4).
 */
export function closingCode(received: number): number {
  const sendable =
    (received >= 1000 && received <= 1014 && ![1004, 1005, 1006].includes(received)) ||
    (received >= 3000 && received <= 4999);
  return sendable ? received : 1000;
}

/** A per-network limit (Cloudflare's Rate Limiting API binding), as the web chat uses it. */
export interface NetworkLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Tabs (sockets) one conversation may have open at once. */
export const WEBCHAT_MAX_SOCKETS = 8;
/** Messages of one conversation waiting for their answer; a socket sending more is told to wait. */
export const WEBCHAT_MAX_WAITING = 3;
/** Frames one socket may send in WEBCHAT_FRAME_WINDOW_MS (heartbeats are not frames here: the runtime answers them). */
export const WEBCHAT_MAX_FRAMES = 20;
export const WEBCHAT_FRAME_WINDOW_MS = 10_000;
/** A socket that keeps flooding past its frame limit is closed (close code 1008, policy violation). */
export const WEBCHAT_FLOOD_CLOSE_AFTER = 3 * WEBCHAT_MAX_FRAMES;

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

/** The message a frame on a conversation's socket carries; MalformedPayload (with its frame code) otherwise. */
export function parseFrame(
  frame: unknown,
  conversation: string,
  region: RegionId,
  commands: ReadonlySet<string>,
): InboundMessage {
  const parsed = Frame.safeParse(frame);
  if (!parsed.success) {
    const type = (frame as { type?: unknown } | null)?.type;
    if (type !== "message")
      throw new MalformedPayload(`unknown frame type ${JSON.stringify(type ?? null)}`, "unknown_type");
    throw new MalformedPayload(issueLines(parsed.error, "frame").join("; "), "bad_frame");
  }
  const { text, id } = parsed.data;
  const command = parseCommand(text, commands);
  return {
    id: `webchat:${conversation}:${id ?? crypto.randomUUID()}`,
    address: { channel: "webchat", account: "web", chat: conversation },
    userKey: webChatUserKey(conversation),
    chatKey: webChatUserKey(conversation),
    region,
    sentAt: Date.now(),
    content: command ? { kind: "command", command } : { kind: "text", text },
  };
}

/** A web chat conversation's user key: the conversation is the user (its token is all the browser has). */
export function webChatUserKey(conversation: string): string {
  return `webchat:web:${conversation}`;
}

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
