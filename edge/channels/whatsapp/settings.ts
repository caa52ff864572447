import * as z from "zod";
import { BaseUrl, setting, settingsGroup } from "../../settings.js";

export interface WhatsAppSettings {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  apiBase: string;
  /** Template sent instead of free text outside the 24-hour window; none: such replies are kept undelivered. */
  templateName: string | undefined;
  templateLanguage: string;
}

export const whatsappSettings = settingsGroup({
  schema: z.object({
    WHATSAPP_ACCESS_TOKEN: setting(z.string().min(20, "a Cloud API access token").optional(), {
      description: "Cloud API access token; the WhatsApp channel is on once any of its four settings is given",
      unset: "none (channel off)",
      secret: true,
    }),
    WHATSAPP_APP_SECRET: setting(z.string().min(16, "the Meta app secret").optional(), {
      description: "the Meta app secret that signs webhooks (`X-Hub-Signature-256`)",
      unset: "required with the channel",
      secret: true,
    }),
    WHATSAPP_VERIFY_TOKEN: setting(z.string().min(8, "at least 8 characters").optional(), {
      description: "the token Meta's subscription check (`GET /webhooks/whatsapp`) must present",
      unset: "required with the channel",
      secret: true,
    }),
    WHATSAPP_PHONE_NUMBER_ID: setting(
      z
        .string()
        .regex(/^\d{5,20}$/, "the numeric phone number id")
        .optional(),
      {
        description: "the business number that answers; messages to other numbers are logged and ignored",
        unset: "required with the channel",
      },
    ),
    WHATSAPP_API_BASE: setting(BaseUrl.default("https://graph.facebook.com/v23.0"), { description: "Graph API base" }),
    WHATSAPP_TEMPLATE_NAME: setting(
      z
        .string()
        .regex(/^[a-z0-9_]{1,512}$/, "an approved template's name")
        .optional(),
      {
        description:
          "approved template sent instead of free text outside the 24-hour window; without one such replies are kept (`undelivered:<user>`, region's retention)",
        unset: "none",
      },
    ),
    WHATSAPP_TEMPLATE_LANGUAGE: setting(
      z
        .string()
        .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a template language code like "en" or "en_US"')
        .default("en"),
      { description: "that template's language code" },
    ),
  }),
  required: ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"],
  build: (s): WhatsAppSettings => ({
    accessToken: s.WHATSAPP_ACCESS_TOKEN!,
    appSecret: s.WHATSAPP_APP_SECRET!,
    verifyToken: s.WHATSAPP_VERIFY_TOKEN!,
    phoneNumberId: s.WHATSAPP_PHONE_NUMBER_ID!,
    apiBase: s.WHATSAPP_API_BASE,
    templateName: s.WHATSAPP_TEMPLATE_NAME,
    templateLanguage: s.WHATSAPP_TEMPLATE_LANGUAGE,
  }),
});
