import * as z from "zod";
import { setting, settingsGroup } from "../../settings.js";

export interface WebChatSettings {
  /** Signs the web chat's session tokens. */
  tokenSecret: string;
  /**
   * Pages allowed to open the web chat's socket (their origins), besides the edge's own: a browser's
   * WebSocket from any other page is refused (a socket carries no CORS check of its own).
   */
  allowedOrigins: readonly string[];
}

const Origins = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin)));

export const webChatSettings = settingsGroup({
  schema: z.object({
    WEBCHAT_TOKEN_SECRET: setting(z.string().min(32, "at least 32 random characters").optional(), {
      description: "32+ random characters that sign the web chat's session tokens",
      unset: "none (web chat off)",
      secret: true,
      formerly: "CHAT_TOKEN_SECRET",
    }),
    WEBCHAT_ALLOWED_ORIGINS: setting(Origins.optional(), {
      description:
        "comma-separated origins of other pages allowed to open the web chat's socket (`https://shop.example.com`)",
      unset: "none (the edge's own page only)",
      formerly: "CHAT_ALLOWED_ORIGINS",
    }),
  }),
  required: ["WEBCHAT_TOKEN_SECRET"],
  build: (s): WebChatSettings => ({
    tokenSecret: s.WEBCHAT_TOKEN_SECRET!,
    allowedOrigins: s.WEBCHAT_ALLOWED_ORIGINS ?? [],
  }),
});
