import { z } from "zod";
import { settingsGroup } from "../../settings.js";

export interface WebChatSettings {
  /** Signs the web chat's session tokens. */
  tokenSecret: string;
}

export const webChatSettings = settingsGroup({
  schema: z.object({ CHAT_TOKEN_SECRET: z.string().min(32, "at least 32 random characters").optional() }),
  required: ["CHAT_TOKEN_SECRET"],
  build: (s): WebChatSettings => ({ tokenSecret: s.CHAT_TOKEN_SECRET! }),
});
