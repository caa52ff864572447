import { countryOfPhoneNumber } from "../../core/calling-codes.js";
import { parseCommand } from "../../core/commands.js";
import { thumbOf } from "../../core/reactions.js";
import { regionForCountry, type RegionFile } from "../../core/region-policy.js";
import { log, ref } from "../../log.js";
import type { InboundMessage } from "../../message.js";
import { hmacSha256Matches, secretsEqual } from "../../crypto.js";
import { MalformedPayload } from "../../errors.js";
import type { Received, Webhook } from "../webhook.js";
import { BSUID, WHATSAPP_MAX_BODY_BYTES, WHATSAPP_WINDOW_CLOSED_CODE } from "./constants.js";
import type { WhatsAppSettings } from "./settings.js";
import {
  GraphErrorItem,
  MessagesValue,
  WhatsAppChange,
  WhatsAppEntry,
  WhatsAppMessage,
  WhatsAppStatus,
  WhatsAppWebhook,
} from "./schema.js";

/**
 * Message types that ask for no answer: an edit or a deletion (revoke) of an earlier message, a
 * number or user-id change notice (system; the conversation does not move, see README), a
 * disappearing-messages setting, a request for the business's welcome message. A reaction is not
 * answered either: one that stands for a thumb (core/reactions.ts) is counted, the rest ignored.
 */
const SILENT_TYPES = new Set(["edit", "revoke", "system", "ephemeral", "request_welcome"]);

/** Media that may carry a caption: the caption is answered, the media itself cannot be seen. */
const CAPTIONED = new Set(["image", "video", "document"]);

/** What reading a webhook needs beyond it: the business number that answers, the regions, the command names. */
export interface WhatsAppReader {
  phoneNumberId: string;
  regions: RegionFile;
  commands: ReadonlySet<string>;
}

/**
 * The messages of a Cloud API webhook for the business number `reader.phoneNumberId`, read one by one:
 * an item that cannot be read, or that asks for no answer (statuses, edits, system notices, group
 * messages, another number's messages, a reaction that is no thumb), is counted under `ignored` by
 * kind and never keeps the others from being answered. A 👍 or 👎 reaction is a reaction message,
 * counted and never answered. Undefined when the body is not a WhatsApp Business Account webhook.
 */

function readWhatsAppWebhook(payload: unknown, reader: WhatsAppReader): Received | undefined {
  const webhook = WhatsAppWebhook.safeParse(payload);
  if (!webhook.success) return undefined;
  const delivered: Received = { messages: [], ignored: [] };
  for (const rawEntry of webhook.data.entry) {
    const entry = WhatsAppEntry.safeParse(rawEntry);
    if (!entry.success) {
      delivered.ignored.push("unreadable_entry");
      continue;
    }
    for (const rawChange of entry.data.changes) {
      const change = WhatsAppChange.safeParse(rawChange);
      if (!change.success) delivered.ignored.push("unreadable_change");
      else if (change.data.field !== "messages") delivered.ignored.push(`field_${change.data.field}`);
      else readMessagesValue(change.data.value, reader, delivered);
    }
  }
  return delivered;
}

function readMessagesValue(raw: unknown, reader: WhatsAppReader, delivered: Received): void {
  const value = MessagesValue.safeParse(raw);
  if (!value.success) {
    delivered.ignored.push("unreadable_change");
    return;
  }
  const { metadata, messages = [], statuses = [], errors = [] } = value.data;
  // Statuses and errors are recorded, never answered.
  for (const rawStatus of statuses) {
    const status = WhatsAppStatus.safeParse(rawStatus);
    if (!status.success) {
      delivered.ignored.push("unreadable_status");
      continue;
    }
    const code = status.data.errors?.[0]?.code;
    const fields = { ref: ref(`whatsapp:${status.data.id}`), status: status.data.status, errorCode: code };
    if (code === WHATSAPP_WINDOW_CLOSED_CODE) log.warn("whatsapp.outside_window", fields);
    else log.info("whatsapp.status", fields);
    delivered.ignored.push("status");
  }
  for (const rawError of errors) {
    const error = GraphErrorItem.safeParse(rawError);
    log.warn("whatsapp.error", error.success ? { errorCode: error.data.code, title: error.data.title } : {});
  }
  if (metadata.phone_number_id !== reader.phoneNumberId) {
    if (messages.length)
      log.warn("whatsapp.other_number", { phoneNumberId: metadata.phone_number_id, messages: messages.length });
    delivered.ignored.push(...messages.map(() => "other_number"));
    return;
  }
  for (const rawMessage of messages) {
    const message = WhatsAppMessage.safeParse(rawMessage);
    if (!message.success) delivered.ignored.push("unreadable_message");
    else {
      const read = readMessage(message.data, reader);
      if (typeof read === "string") delivered.ignored.push(read);
      else delivered.messages.push(read);
    }
  }
}

/** The message to answer, or the kind of message that is not answered. */
function readMessage(
  m: WhatsAppMessage,
  { phoneNumberId, regions, commands }: WhatsAppReader,
): InboundMessage | string {
  if (SILENT_TYPES.has(m.type)) {
    if (m.type === "system") log.info("whatsapp.system", { type: m.system?.type ?? "unknown" });
    return `type_${m.type}`;
  }
  if (m.group_id !== undefined) return "group";
  // A reaction counts as 👍 or 👎, or not at all (a reaction taken back has an empty emoji).
  const thumb = m.type === "reaction" ? thumbOf(m.reaction?.emoji ?? "") : undefined;
  if (m.type === "reaction" && !thumb) return "reaction";
  // The user: their business-scoped id when Meta gives one (the only id of a user with a username
  // who shares no number), else their number.
  const user = m.from_user_id && BSUID.test(m.from_user_id) ? m.from_user_id : m.from;
  if (!user) return "no_sender";
  const userKey = `whatsapp:${phoneNumberId}:${user}`;
  const sentAt = Number(m.timestamp) * 1000;
  const country = countryOf(m, user);
  return {
    id: `whatsapp:${m.id}`,
    // Replies go to the number where there is one (`to`), else to the business-scoped id (`recipient`).
    address: {
      channel: "whatsapp",
      account: phoneNumberId,
      chat: m.from ?? user,
      messageId: m.id,
      lastUserMessageAt: sentAt,
    },
    userKey,
    chatKey: userKey,
    region: regionForCountry(regions, country),
    ...(country ? { country } : {}),
    sentAt,
    content: thumb
      ? { kind: "reaction", value: thumb, ...(m.reaction?.message_id ? { on: m.reaction.message_id } : {}) }
      : contentOf(m, commands),
  };
}

function contentOf(m: WhatsAppMessage, commands: ReadonlySet<string>): InboundMessage["content"] {
  const media = (m as Record<string, unknown>)[m.type] as { caption?: unknown } | undefined;
  if (CAPTIONED.has(m.type) && typeof media?.caption === "string" && media.caption.trim()) {
    return { kind: "text", text: media.caption.trim(), attachment: m.type };
  }
  const text = textOf(m);
  if (text === undefined || !text.trim()) return { kind: "unsupported", what: m.type };
  const command = parseCommand(text, commands);
  return command ? { kind: "command", command } : { kind: "text", text };
}

/** Text, and the choice a user tapped (buttons and list rows read as what they say). */
function textOf(m: WhatsAppMessage): string | undefined {
  if (m.type === "text") return m.text?.body;
  if (m.type === "interactive") return m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title;
  if (m.type === "button") return m.button?.text;
  return undefined;
}

/**
 * The user's country (their region's key, and their likely language): the country of their number's
 * calling code, or, for a user known only by their business-scoped id, the country that id begins with.
 */
function countryOf(m: WhatsAppMessage, user: string): string | undefined {
  return m.from ? countryOfPhoneNumber(m.from) : BSUID.test(user) ? user.slice(0, 2) : undefined;
}

/** The webhook: Meta's subscription check, the signature on the raw body, then the changes read. */
export const whatsappWebhook: Webhook<WhatsAppSettings> = {
  maxBodyBytes: WHATSAPP_MAX_BODY_BYTES,

  async handshake(query, s) {
    // Meta's subscription check: echo hub.challenge when the verify token is ours.
    if (query.get("hub.mode") !== "subscribe") return null;
    if (!(await secretsEqual(query.get("hub.verify_token"), s.verifyToken))) return null;
    return query.get("hub.challenge");
  },

  verify: ({ headers, body }, s) => hmacSha256Matches(s.appSecret, body, headers.get("x-hub-signature-256")),

  parse(payload, s, { config, commands }) {
    const delivered = readWhatsAppWebhook(payload, {
      phoneNumberId: s.phoneNumberId,
      regions: config.regionFile,
      commands,
    });
    if (!delivered) throw new MalformedPayload("not a WhatsApp Business Account webhook");
    return delivered;
  },
};
