import { countryOfPhoneNumber } from "../../core/calling-codes.js";
import { parseCommand } from "../../core/commands.js";
import { regionForCountry } from "../../core/region-policy.js";
import type { WhatsAppSettings } from "../../config.js";
import { PlatformError, WindowClosedError } from "../../errors.js";
import { log, ref } from "../../log.js";
import { MalformedPayload, type Address, type WebhookChannel, type InboundMessage } from "../types.js";
import { hmacSha256Matches, secretsEqual } from "../verify.js";
import {
  WHATSAPP_DEDUP_TTL_SECONDS,
  WHATSAPP_MAX_BODY_BYTES,
  WHATSAPP_SERVICE_WINDOW_MS,
  WHATSAPP_TEXT_LIMIT,
  WHATSAPP_TYPING_REFRESH_MS,
  WHATSAPP_WINDOW_CLOSED_CODE,
} from "./constants.js";
import { createGraphApi } from "./graph-api.js";
import { MessagesValue, WhatsAppWebhook, type WhatsAppMessage } from "./schema.js";

export * from "./constants.js";

/** Message types that are not a request to answer: a reaction, a number change notice. */
const SILENT_TYPES = new Set(["reaction", "system", "ephemeral"]);

export const whatsappChannel: WebhookChannel<WhatsAppSettings> = {
  name: "whatsapp",
  maxBodyBytes: WHATSAPP_MAX_BODY_BYTES,
  dedupTtlSeconds: WHATSAPP_DEDUP_TTL_SECONDS,

  settings: (config) => config.whatsapp,

  async handshake(query, settings) {
    // Meta's subscription check: echo hub.challenge when the verify token is ours.
    if (query.get("hub.mode") !== "subscribe") return null;
    if (!(await secretsEqual(query.get("hub.verify_token"), settings.verifyToken))) return null;
    return query.get("hub.challenge");
  },

  verify: ({ headers, body }, settings) =>
    hmacSha256Matches(settings.appSecret, body, headers.get("x-hub-signature-256")),

  parse(payload, settings, { config }) {
    const parsed = WhatsAppWebhook.safeParse(payload);
    if (!parsed.success) throw new MalformedPayload("not a WhatsApp Business Account webhook");
    const out: InboundMessage[] = [];
    for (const entry of parsed.data.entry) {
      for (const change of entry.changes) {
        if (change.field !== "messages") continue;
        const value = MessagesValue.safeParse(change.value);
        if (!value.success) throw new MalformedPayload("a messages change without messages metadata");
        const { metadata, messages = [], statuses = [], errors = [] } = value.data;
        // Statuses and errors are recorded, never answered.
        for (const s of statuses) {
          const code = s.errors?.[0]?.code;
          const fields = { ref: ref(`whatsapp:${s.id}`), status: s.status, errorCode: code };
          if (code === WHATSAPP_WINDOW_CLOSED_CODE) log.warn("whatsapp.outside_window", fields);
          else log.info("whatsapp.status", fields);
        }
        for (const e of errors) log.warn("whatsapp.error", { errorCode: e.code, title: e.title });
        if (metadata.phone_number_id !== settings.phoneNumberId) {
          if (messages.length)
            log.warn("whatsapp.other_number", { phoneNumberId: metadata.phone_number_id, messages: messages.length });
          continue;
        }
        for (const m of messages) {
          if (SILENT_TYPES.has(m.type)) continue;
          out.push(
            toInbound(m, metadata.phone_number_id, regionForCountry(config.regionFile, countryOfPhoneNumber(m.from))),
          );
        }
      }
    }
    return out;
  },

  sender(settings) {
    const api = createGraphApi({
      apiBase: settings.apiBase,
      phoneNumberId: settings.phoneNumberId,
      accessToken: settings.accessToken,
    });
    const outsideWindow = async (to: Address): Promise<"template"> => {
      if (!settings.templateName) throw new WindowClosedError("whatsapp");
      await api.messages({
        recipient_type: "individual",
        to: to.chat,
        type: "template",
        template: { name: settings.templateName, language: { code: settings.templateLanguage } },
      });
      return "template";
    };
    return {
      textLimit: WHATSAPP_TEXT_LIMIT,
      typingRefreshMs: WHATSAPP_TYPING_REFRESH_MS,
      async send(to, text) {
        if (to.lastUserMessageAt !== undefined && Date.now() - to.lastUserMessageAt > WHATSAPP_SERVICE_WINDOW_MS) {
          return outsideWindow(to);
        }
        try {
          await api.messages({
            recipient_type: "individual",
            to: to.chat,
            type: "text",
            text: { body: text, preview_url: false },
          });
          return "sent";
        } catch (err) {
          if (err instanceof PlatformError && err.code === WHATSAPP_WINDOW_CLOSED_CODE) return outsideWindow(to);
          throw err;
        }
      },
      async typing(to) {
        // Marks the user's message read (blue ticks) and shows "typing…" for up to 25 s.
        if (!to.messageId) return;
        await api.messages({ status: "read", message_id: to.messageId, typing_indicator: { type: "text" } });
      },
    };
  },
};

function toInbound(m: WhatsAppMessage, phoneNumberId: string, region: string): InboundMessage {
  const text = textOf(m);
  const command = text === undefined ? undefined : parseCommand(text);
  const sentAt = Number(m.timestamp) * 1000;
  return {
    id: `whatsapp:${m.id}`,
    address: { channel: "whatsapp", account: phoneNumberId, chat: m.from, messageId: m.id, lastUserMessageAt: sentAt },
    userKey: `whatsapp:${phoneNumberId}:${m.from}`,
    region,
    sentAt,
    content:
      text === undefined
        ? { kind: "unsupported", what: m.type }
        : command
          ? { kind: "command", command }
          : { kind: "text", text },
  };
}

/** Text, and the choice a user tapped (buttons and list rows read as what they say). */
function textOf(m: WhatsAppMessage): string | undefined {
  if (m.type === "text") return m.text?.body;
  if (m.type === "interactive") return m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title;
  if (m.type === "button") return m.button?.text;
  return undefined;
}
