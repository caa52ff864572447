import * as z from "zod";
import { settingsGroup } from "../../settings.js";

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
    CHAT_TOKEN_SECRET: z.string().min(32, "at least 32 random characters").optional(),
    CHAT_ALLOWED_ORIGINS: Origins.optional(),
  }),
  required: ["CHAT_TOKEN_SECRET"],
  build: (s): WebChatSettings => ({
    tokenSecret: s.CHAT_TOKEN_SECRET!,
    allowedOrigins: s.CHAT_ALLOWED_ORIGINS ?? [],
  }),
});
