import * as z from "zod";
import type { RegionId } from "../../core/region-policy.js";
import { ConfigError } from "../../errors.js";
import { BaseUrl, setting, settingsGroup } from "../../settings.js";

export interface TelegramSettings {
  botToken: string;
  webhookSecret: string;
  apiBase: string;
  /** Region whose model and database serve the bot's users (a user may move with /region). */
  region: RegionId;
  botUsername: string | undefined;
}

export const telegramSettings = settingsGroup({
  schema: z.object({
    TELEGRAM_BOT_TOKEN: setting(
      z
        .string()
        .regex(/^\d+:[\w-]{20,}$/, "a bot token as BotFather gives it (123456:ABC…)")
        .optional(),
      {
        description: "the bot's token from BotFather; the Telegram channel is on once any of its settings is given",
        unset: "none (channel off)",
        secret: true,
      },
    ),
    TELEGRAM_WEBHOOK_SECRET: setting(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{16,256}$/, "16–256 characters of A–Z, a–z, 0–9, _ and -")
        .optional(),
      {
        description: "the secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (16–256 of `A-Za-z0-9_-`)",
        unset: "required with the bot token",
        secret: true,
      },
    ),
    TELEGRAM_API_BASE: setting(BaseUrl.default("https://api.telegram.org"), { description: "Bot API server" }),
    TELEGRAM_REGION: setting(z.string().optional(), {
      description: "region whose model and database serve the Telegram bot's users",
      unset: "`defaultRegion` of regions.json",
    }),
    TELEGRAM_BOT_USERNAME: setting(z.string().optional(), {
      description:
        "the bot's @username, by which group messages mention it and address commands to it (`/help@YourBot`)",
      unset: "asked of Telegram (`getMe`)",
    }),
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
