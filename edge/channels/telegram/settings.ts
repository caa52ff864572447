import * as z from "zod";
import type { RegionId } from "../../core/region-policy.js";
import { ConfigError } from "../../errors.js";
import { BaseUrl, settingsGroup } from "../../settings.js";

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
