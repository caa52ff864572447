import * as z from "zod";
import type { RegionId } from "../../core/region-policy.js";
import { secretsEqual } from "../../crypto.js";
import { ConfigError, MalformedPayload, PlatformError } from "../../errors.js";
import { errorKind, log } from "../../log.js";
import { BaseUrl, settingsGroup } from "../../settings.js";
import { defineChannel } from "../types.js";
import { webhookRoutes, type Webhook } from "../webhook.js";
import { botApi } from "./api.js";
import { botIdOf, TELEGRAM_MAX_BODY_BYTES, TELEGRAM_TEXT_LIMIT, TELEGRAM_TYPING_REFRESH_MS } from "./constants.js";
import { draftLag, draftPreview } from "./draft.js";
import { entitiesOf, telegramChunks } from "./format.js";
import { readTelegramUpdate, type BotIdentity } from "./inbound.js";
import { TELEGRAM_DRAFT_INTERVAL_MS, TELEGRAM_DRAFT_TIMEOUT_MS, TELEGRAM_GET_ME_TIMEOUT_MS } from "../../limits.js";

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

export const telegramWebhook: Webhook<TelegramSettings> = {
  maxBodyBytes: TELEGRAM_MAX_BODY_BYTES,

  verify: ({ headers }, s) => secretsEqual(headers.get("x-telegram-bot-api-secret-token"), s.webhookSecret),

  async parse(payload, s, { commands }) {
    const bot: BotIdentity = { id: botIdOf(s.botToken), username: s.botUsername, commands };
    // Mentions name the bot by its @username: without TELEGRAM_BOT_USERNAME it is asked of Telegram,
    // once per isolate, and only when a group message could be mentioning it.
    if (!bot.username && mayMention(payload)) bot.username = await botUsername(s);
    const delivered = readTelegramUpdate(payload, bot, s.region);
    if (!delivered) throw new MalformedPayload("not a Telegram Update");
    return delivered;
  },
};

/** A group message with an @ in it: the only kind whose reading needs the bot's username. */
function mayMention(payload: unknown): boolean {
  const message = (payload as { message?: { chat?: { type?: unknown }; text?: unknown; caption?: unknown } } | null)
    ?.message;
  const type = message?.chat?.type;
  return (type === "group" || type === "supergroup") && /@/.test(String(message?.text ?? message?.caption ?? ""));
}

const usernames = new Map<string, string>();

/**
 * The bot's @username, from getMe, kept per isolate once known (a failed lookup is tried again next
 * time). The name is kept, not the promise of it: requests of one isolate never share a promise.
 */
async function botUsername(s: TelegramSettings): Promise<string | undefined> {
  const known = usernames.get(s.botToken);
  if (known) return known;
  try {
    // On the webhook's path, before its acknowledgement: a Bot API that hangs is not waited on for long.
    const api = botApi({ apiBase: s.apiBase, token: s.botToken, timeoutMs: TELEGRAM_GET_ME_TIMEOUT_MS });
    const me = (await api.call("getMe", {})) as {
      username?: string;
    };
    if (me.username) usernames.set(s.botToken, me.username);
    return me.username;
  } catch (err) {
    log.warn("telegram.get_me_failed", { error: errorKind(err) });
    return undefined;
  }
}

/** This isolate's answers' drafts: when one finds the isolate behind its work, all of them pause. */
const lag = draftLag();

/**
 * Telegram, through the Bot API: a webhook in; sendMessage (with entities), sendMessageDraft (private
 * chats, while the answer is written) and sendChatAction out.
 */
export const telegram = defineChannel<TelegramSettings>({
  name: "telegram",
  path: "/webhooks/telegram",
  settings,
  capabilities: { push: true, streaming: true, formatting: "entities", groups: true, region: "selectable" },

  routes: (host, s) => webhookRoutes("telegram", telegramWebhook, host, s),

  // A user's id, or a group's (negative): an operator can erase a group's conversation too.
  userKey: (id, s) => (/^-?\d+$/.test(id) ? `telegram:${botIdOf(s.botToken)}:${id}` : undefined),

  sender(s, config) {
    const api = botApi({ apiBase: s.apiBase, token: s.botToken, timeoutMs: config.timeouts.platformMs });
    const drafts = botApi({
      apiBase: s.apiBase,
      token: s.botToken,
      timeoutMs: Math.min(config.timeouts.platformMs, TELEGRAM_DRAFT_TIMEOUT_MS),
    });
    const inTopic = (thread: string | undefined) => (thread ? { message_thread_id: Number(thread) } : {});
    return {
      textLimit: TELEGRAM_TEXT_LIMIT,
      typingRefreshMs: TELEGRAM_TYPING_REFRESH_MS,
      chunks: (markdown) => telegramChunks(markdown, TELEGRAM_TEXT_LIMIT),
      async send(to, chunk) {
        const message = {
          chat_id: to.chat,
          ...inTopic(to.thread),
          text: chunk.text,
          link_preview_options: { is_disabled: true },
          // In a group the reply quotes the message that asked: several people talk there.
          ...(to.quote && to.messageId
            ? { reply_parameters: { message_id: Number(to.messageId), allow_sending_without_reply: true } }
            : {}),
        };
        // Formatting as entities, never parse_mode: nothing in the text can fail to parse.
        const entities = chunk.spans?.length ? entitiesOf({ text: chunk.text, spans: chunk.spans }) : undefined;
        try {
          await api.call("sendMessage", entities ? { ...message, entities } : message);
        } catch (err) {
          // Telegram refused the formatting (a link address it does not take…): the reply goes as
          // plain text rather than not at all.
          if (!entities || !(err instanceof PlatformError) || err.status !== 400) throw err;
          log.warn("telegram.formatting_refused", { error: errorKind(err) });
          await api.call("sendMessage", message);
        }
        return "sent";
      },
      // Drafts exist in private chats (a user's id is positive; a group's is negative).
      preview: (to, id) =>
        /^\d+$/.test(to.chat)
          ? draftPreview(drafts, to, id, {
              intervalMs: TELEGRAM_DRAFT_INTERVAL_MS,
              textLimit: TELEGRAM_TEXT_LIMIT,
              lag,
            })
          : undefined,
      async typing(to) {
        await api.call("sendChatAction", { chat_id: to.chat, ...inTopic(to.thread), action: "typing" });
      },
      async isGroupAdmin(to, senderId) {
        const member = (await api.call("getChatMember", { chat_id: to.chat, user_id: Number(senderId) })) as {
          status?: string;
        };
        return member.status === "creator" || member.status === "administrator";
      },
    };
  },
});
