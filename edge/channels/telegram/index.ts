import { defineChannel } from "../types.js";
import { webhookRoutes } from "../webhook.js";
import { botIdOf } from "./constants.js";
import { telegramWebhook } from "./inbound.js";
import { telegramSender } from "./outbound.js";
import { telegramSettings, type TelegramSettings } from "./settings.js";

/**
 * Telegram, through the Bot API: a webhook in (inbound.ts); sendMessage with entities, drafts while
 * the answer is written, and "typing…" out (outbound.ts). README.md beside this file says more.
 */
export const telegram = defineChannel<TelegramSettings>({
  name: "telegram",
  path: "/webhooks/telegram",
  settings: telegramSettings,
  capabilities: { push: true, streaming: true, formatting: "entities", groups: true, region: "selectable" },

  routes: (host, s) => webhookRoutes("telegram", telegramWebhook, host, s),

  // A user's id, or a group's (negative): an operator can erase a group's conversation too.
  userKey: (id, s) => (/^-?\d+$/.test(id) ? `telegram:${botIdOf(s.botToken)}:${id}` : undefined),

  sender: telegramSender,
});
