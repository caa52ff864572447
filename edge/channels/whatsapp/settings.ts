import * as z from "zod";
import { BaseUrl, settingsGroup } from "../../settings.js";

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
    WHATSAPP_ACCESS_TOKEN: z.string().min(20, "a Cloud API access token").optional(),
    WHATSAPP_APP_SECRET: z.string().min(16, "the Meta app secret").optional(),
    WHATSAPP_VERIFY_TOKEN: z.string().min(8, "at least 8 characters").optional(),
    WHATSAPP_PHONE_NUMBER_ID: z
      .string()
      .regex(/^\d{5,20}$/, "the numeric phone number id")
      .optional(),
    WHATSAPP_API_BASE: BaseUrl.default("https://graph.facebook.com/v23.0"),
    WHATSAPP_TEMPLATE_NAME: z
      .string()
      .regex(/^[a-z0-9_]{1,512}$/, "an approved template's name")
      .optional(),
    WHATSAPP_TEMPLATE_LANGUAGE: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a template language code like "en" or "en_US"')
      .default("en"),
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
