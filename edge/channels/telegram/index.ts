import { parseCommand } from "../../core/commands.js";
import type { TelegramSettings } from "../../config.js";
import { MalformedPayload, type WebhookChannel, type InboundMessage } from "../types.js";
import { secretsEqual } from "../verify.js";
import { createBotApi } from "./bot-api.js";
import { TelegramUpdate } from "./schema.js";

import {
  TELEGRAM_DEDUP_TTL_SECONDS,
  TELEGRAM_MAX_BODY_BYTES,
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_TYPING_REFRESH_MS,
  botIdOf,
} from "./constants.js";

export * from "./constants.js";

export const telegramChannel: WebhookChannel<TelegramSettings> = {
  name: "telegram",
  maxBodyBytes: TELEGRAM_MAX_BODY_BYTES,
  dedupTtlSeconds: TELEGRAM_DEDUP_TTL_SECONDS,

  settings: (config) => config.telegram,

  verify: ({ headers }, settings) =>
    secretsEqual(headers.get("x-telegram-bot-api-secret-token"), settings.webhookSecret),

  parse(payload, settings) {
    const parsed = TelegramUpdate.safeParse(payload);
    if (!parsed.success) throw new MalformedPayload("not a Telegram Update");
    const { update_id: updateId, message } = parsed.data;
    // Other update kinds (edits, channel posts, member changes…) are acknowledged and ignored.
    if (!message) return [];
    if (message.from?.is_bot) return [];
    const account = botIdOf(settings.botToken);
    const user = String(message.from?.id ?? message.chat.id);
    const text = message.text;
    const command = text === undefined ? undefined : parseCommand(text, settings.botUsername);
    const content: InboundMessage["content"] =
      text === undefined
        ? { kind: "unsupported", what: firstMediaField(message) }
        : command
          ? { kind: "command", command }
          : { kind: "text", text };
    const inbound: InboundMessage = {
      id: `telegram:${account}:${updateId}`,
      address: {
        channel: "telegram",
        account,
        chat: String(message.chat.id),
        messageId: String(message.message_id),
        ...(message.chat.type === "private" ? {} : { quote: true }),
        lastUserMessageAt: message.date * 1000,
      },
      userKey: `telegram:${account}:${user}`,
      region: settings.region,
      sentAt: message.date * 1000,
      content,
      ...(message.from?.language_code ? { lang: message.from.language_code } : {}),
    };
    return [inbound];
  },

  sender(settings) {
    const api = createBotApi({ apiBase: settings.apiBase, token: settings.botToken });
    return {
      textLimit: TELEGRAM_TEXT_LIMIT,
      typingRefreshMs: TELEGRAM_TYPING_REFRESH_MS,
      async send(to, text) {
        // Plain text: model output is not valid MarkdownV2, and a parse error would lose the reply.
        await api.call("sendMessage", {
          chat_id: to.chat,
          text,
          link_preview_options: { is_disabled: true },
          ...(to.quote && to.messageId
            ? { reply_parameters: { message_id: Number(to.messageId), allow_sending_without_reply: true } }
            : {}),
        });
        return "sent";
      },
      async typing(to) {
        await api.call("sendChatAction", { chat_id: to.chat, action: "typing" });
      },
    };
  },
};

const MEDIA_FIELDS = [
  "photo",
  "video",
  "voice",
  "audio",
  "document",
  "sticker",
  "animation",
  "video_note",
  "location",
  "contact",
  "poll",
];

function firstMediaField(message: Record<string, unknown>): string {
  return MEDIA_FIELDS.find((f) => f in message) ?? "other";
}
