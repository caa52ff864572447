import * as z from "zod";
import { setting, settingsGroup } from "../../settings.js";

export interface HttpSettings {
  /** Named keys; a key given without a name is called key1, key2… by its position. */
  keys: Array<{ name: string; key: string }>;
}

export const httpSettings = settingsGroup({
  schema: z.object({
    HTTP_API_KEYS: setting(
      z
        .string()
        .regex(
          /^\s*([\w-]+:)?[\w.~+/=-]{16,}\s*(,\s*([\w-]+:)?[\w.~+/=-]{16,}\s*)*$/,
          'comma-separated keys of 16+ characters, each optionally named: "crm:KEY,shop:KEY"',
        )
        .optional(),
      {
        description:
          "comma-separated bearer keys for `POST /v1/messages`, each best named: `crm:KEY,shop:KEY` (an unnamed key is `key1`, `key2`… by position); conversations are kept per key name and `user_id`",
        unset: "none (API off)",
        secret: true,
      },
    ),
  }),
  required: ["HTTP_API_KEYS"],
  build: (s): HttpSettings => ({
    keys: s.HTTP_API_KEYS!.split(",").map((entry, i) => {
      const trimmed = entry.trim();
      const colon = trimmed.indexOf(":");
      return colon > 0
        ? { name: trimmed.slice(0, colon), key: trimmed.slice(colon + 1) }
        : { name: `key${i + 1}`, key: trimmed };
    }),
  }),
});
