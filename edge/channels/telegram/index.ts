import { z } from "zod";
import { parseCommand } from "../../core/commands.js";
import type { RegionId } from "../../core/region-policy.js";
import { secretsEqual } from "../../crypto.js";
import { ConfigError, MalformedPayload } from "../../errors.js";
import type { InboundMessage } from "../../message.js";
import { BaseUrl, settingsGroup } from "../../settings.js";
import { defineChannel } from "../types.js";
import { webhookRoutes, type Webhook } from "../webhook.js";
import { createBotApi } from "./bot-api.js";
import {
  botIdOf,
  TELEGRAM_DEDUP_TTL_SECONDS,
  TELEGRAM_MAX_BODY_BYTES,
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_TYPING_REFRESH_MS,
} from "./constants.js";
import { TelegramUpdate } from "./schema.js";

export interface TelegramSettings {
  botToken: string;
  webhookSecret: string;
  apiBase: string;
  /** Region whose model and database serve the bot's users (a user may move with /region). */
  region: RegionId;
  botUsername: string | undefined;
}

const settings = settingsGroup({
  schema: z.object({
    TELEGRAM_BOT_TOKEN: z
      .string()
      .regex(/^\d+:[\w-]{20,}$/, "a bot token as BotFather gives it (123456:ABC…)")
      .optional(),
    TELEGRAM_WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, "16–256 characters of A–Z, a–z, 0–9, _ and -")
      .optional(),
    TELEGRAM_API_BASE: BaseUrl.default("https://api.telegram.org"),
    TELEGRAM_REGION: z.string().optional(),
    TELEGRAM_BOT_USERNAME: z.string().optional(),
  }),
  required: ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"],
  build(s, file): TelegramSettings {
    const region = s.TELEGRAM_REGION ?? file.defaultRegion;
    if (!file.regions[region])
      throw new ConfigError(`TELEGRAM_REGION: "${region}" is not a region of infra/regions.json`);
    return {
      botToken: s.TELEGRAM_BOT_TOKEN!,
      webhookSecret: s.TELEGRAM_WEBHOOK_SECRET!,
      apiBase: s.TELEGRAM_API_BASE,
      region,
      botUsername: s.TELEGRAM_BOT_USERNAME,
    };
  },
});

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

export const telegramWebhook: Webhook<TelegramSettings> = {
  maxBodyBytes: TELEGRAM_MAX_BODY_BYTES,
  dedupTtlSeconds: TELEGRAM_DEDUP_TTL_SECONDS,

  verify: ({ headers }, s) => secretsEqual(headers.get("x-telegram-bot-api-secret-token"), s.webhookSecret),

  parse(payload, s) {
    const parsed = TelegramUpdate.safeParse(payload);
    if (!parsed.success) throw new MalformedPayload("not a Telegram Update");
    const { update_id: updateId, message } = parsed.data;
    // Other update kinds (edits, channel posts, member changes…) are acknowledged and ignored.
    if (!message) return [];
    if (message.from?.is_bot) return [];
    const account = botIdOf(s.botToken);
    const user = String(message.from?.id ?? message.chat.id);
    const text = message.text;
    const command = text === undefined ? undefined : parseCommand(text, s.botUsername);
    const content: InboundMessage["content"] =
      text === undefined
        ? { kind: "unsupported", what: MEDIA_FIELDS.find((f) => f in message) ?? "other" }
        : command
          ? { kind: "command", command }
          : { kind: "text", text };
    return [
      {
        id: `telegram:${account}:${updateId}`,
        address: {
          channel: "telegram",
          account,
          chat: String(message.chat.id),
          messageId: String(message.message_id),
          ...(message.chat.type === "private" ? {} : { quote: true }),
        },
        userKey: `telegram:${account}:${user}`,
        region: s.region,
        sentAt: message.date * 1000,
        content,
        ...(message.from?.language_code ? { lang: message.from.language_code } : {}),
      },
    ];
  },
};

/** Telegram, through the Bot API: a webhook in, sendMessage and sendChatAction out. */
export const telegram = defineChannel<TelegramSettings>({
  name: "telegram",
  path: "/webhooks/telegram",
  settings,
  capabilities: { push: true, streaming: false, formatting: "plain", groups: true, region: "selectable" },

  routes: (host, s) => webhookRoutes("telegram", telegramWebhook, host, s),

  userKey: (id, s) => (/^-?\d+$/.test(id) ? `telegram:${botIdOf(s.botToken)}:${id}` : undefined),

  sender(s) {
    const api = createBotApi({ apiBase: s.apiBase, token: s.botToken });
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
});
