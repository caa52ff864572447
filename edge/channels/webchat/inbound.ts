import * as z from "zod";
import { parseCommand } from "../../core/commands.js";
import type { RegionId } from "../../core/region-policy.js";
import { issueLines } from "../../core/zod-issues.js";
import { MalformedPayload } from "../../errors.js";
import { MESSAGE_TEXT_MAX_CHARS } from "../../limits.js";
import type { InboundMessage } from "../../message.js";
import { LanguageTag } from "../language-tag.js";

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

const Frame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message"),
    text: z
      .string()
      .trim()
      .min(1, "text must not be empty")
      .max(MESSAGE_TEXT_MAX_CHARS, `text is at most ${MESSAGE_TEXT_MAX_CHARS} characters`),
    /** The client's id for this message: a resend after a reconnect gets the same reply, not a second one. */
    id: z
      .string()
      .regex(/^[\w-]{1,64}$/)
      .optional(),
    /** The browser's language (navigator.language), a BCP 47 tag: the room's own texts and the answer follow it. */
    lang: LanguageTag.optional(),
  }),
  /** The person's thumb on an answer (the page's 👍 👎): counted for the model version, never answered. */
  z.object({ type: z.literal("feedback"), value: z.enum(["up", "down"]) }),
]);

const FRAME_TYPES: readonly unknown[] = ["message", "feedback"];

/**
 * The message a frame on a conversation's socket carries: a text or command (`message`), or a
 * reaction (`feedback`, keyed as the conversation's texts are); MalformedPayload (with its frame code)
 * otherwise. Its language is the one the frame declares, else `declared` (what the socket's browser
 * declared before: an earlier frame's, or its handshake's Accept-Language).
 */
export function parseFrame(
  frame: unknown,
  conversation: string,
  region: RegionId,
  commands: ReadonlySet<string>,
  declared?: string,
): InboundMessage {
  const parsed = Frame.safeParse(frame);
  if (!parsed.success) {
    const type = (frame as { type?: unknown } | null)?.type;
    if (!FRAME_TYPES.includes(type))
      throw new MalformedPayload(`unknown frame type ${JSON.stringify(type ?? null)}`, "unknown_type");
    throw new MalformedPayload(issueLines(parsed.error, "frame").join("; "), "bad_frame");
  }
  const envelope = {
    address: { channel: "webchat", account: "web", chat: conversation },
    userKey: webChatUserKey(conversation),
    chatKey: webChatUserKey(conversation),
    region,
    sentAt: Date.now(),
  };
  if (parsed.data.type === "feedback") {
    return {
      id: `webchat:${conversation}:${crypto.randomUUID()}`,
      ...envelope,
      content: { kind: "reaction", value: parsed.data.value },
    };
  }
  const { text, id } = parsed.data;
  const command = parseCommand(text, commands);
  const lang = parsed.data.lang ?? declared;
  return {
    id: `webchat:${conversation}:${id ?? crypto.randomUUID()}`,
    ...envelope,
    content: command ? { kind: "command", command } : { kind: "text", text },
    ...(lang ? { lang } : {}),
  };
}

/** A web chat conversation's user key: the conversation is the user (its token is all the browser has). */
export function webChatUserKey(conversation: string): string {
  return `webchat:web:${conversation}`;
}
