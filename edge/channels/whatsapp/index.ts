import * as z from "zod";
import { hmacSha256Matches, secretsEqual } from "../../crypto.js";
import { MalformedPayload, PlatformError, WindowClosedError } from "../../errors.js";
import type { Address } from "../../message.js";
import { BaseUrl, settingsGroup } from "../../settings.js";
import { defineChannel } from "../types.js";
import { webhookRoutes, type Webhook } from "../webhook.js";
import {
  WHATSAPP_MAX_BODY_BYTES,
  WHATSAPP_SERVICE_WINDOW_MS,
  WHATSAPP_TEXT_LIMIT,
  WHATSAPP_TYPING_REFRESH_MS,
  WHATSAPP_WINDOW_CLOSED_CODE,
} from "./constants.js";
import { whatsappChunks } from "./format.js";
import { graphApi } from "./api.js";
import { readWhatsAppWebhook } from "./inbound.js";

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

const settings = settingsGroup({
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

export const whatsappWebhook: Webhook<WhatsAppSettings> = {
  maxBodyBytes: WHATSAPP_MAX_BODY_BYTES,

  async handshake(query, s) {
    // Meta's subscription check: echo hub.challenge when the verify token is ours.
    if (query.get("hub.mode") !== "subscribe") return null;
    if (!(await secretsEqual(query.get("hub.verify_token"), s.verifyToken))) return null;
    return query.get("hub.challenge");
  },

  verify: ({ headers, body }, s) => hmacSha256Matches(s.appSecret, body, headers.get("x-hub-signature-256")),

  parse(payload, s, { config, commands }) {
    const delivered = readWhatsAppWebhook(payload, {
      phoneNumberId: s.phoneNumberId,
      regions: config.regionFile,
      commands,
    });
    if (!delivered) throw new MalformedPayload("not a WhatsApp Business Account webhook");
    return delivered;
  },
};

/** WhatsApp, through the Cloud API: a signed webhook in, the Graph API's messages endpoint out. */
export const whatsapp = defineChannel<WhatsAppSettings>({
  name: "whatsapp",
  path: "/webhooks/whatsapp",
  settings,
  capabilities: { push: true, streaming: false, formatting: "markup", groups: false, region: "phone number" },

  routes: (host, s) => webhookRoutes("whatsapp", whatsappWebhook, host, s),

  // A wa_id (digits) or a business-scoped user id (US.13491208655302741918).
  userKey: (id, s) =>
    /^\d{6,15}$/.test(id) || /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/.test(id)
      ? `whatsapp:${s.phoneNumberId}:${id}`
      : undefined,

  sender(s, config) {
    const api = graphApi({
      apiBase: s.apiBase,
      phoneNumberId: s.phoneNumberId,
      accessToken: s.accessToken,
      timeoutMs: config.timeouts.platformMs,
    });
    const outsideWindow = async (to: Address): Promise<"template"> => {
      if (!s.templateName) throw new WindowClosedError("whatsapp");
      await api.messages({
        recipient_type: "individual",
        ...recipientOf(to),
        type: "template",
        template: { name: s.templateName, language: { code: s.templateLanguage } },
      });
      return "template";
    };
    return {
      textLimit: WHATSAPP_TEXT_LIMIT,
      typingRefreshMs: WHATSAPP_TYPING_REFRESH_MS,
      chunks: (markdown) => whatsappChunks(markdown, WHATSAPP_TEXT_LIMIT).map((text) => ({ text })),
      async send(to, { text }) {
        if (to.lastUserMessageAt !== undefined && Date.now() - to.lastUserMessageAt > WHATSAPP_SERVICE_WINDOW_MS) {
          return outsideWindow(to);
        }
        try {
          await api.messages({
            recipient_type: "individual",
            ...recipientOf(to),
            type: "text",
            text: { body: text, preview_url: false },
          });
          return "sent";
        } catch (err) {
          if (err instanceof PlatformError && err.platformCode === WHATSAPP_WINDOW_CLOSED_CODE)
            return outsideWindow(to);
          throw err;
        }
      },
      async typing(to) {
        // Marks the user's message read (blue ticks) and shows "typing…" for up to 25 s.
        if (!to.messageId) return;
        await api.messages({ status: "read", message_id: to.messageId, typing_indicator: { type: "text" } });
      },
    };
  },
});

/**
 * Who a message goes to: a phone number as `to`; a user known only by their business-scoped id as
 * `recipient`, which the Cloud API takes in its place.
 */
function recipientOf(to: Address): { to: string } | { recipient: string } {
  return /^\d+$/.test(to.chat) ? { to: to.chat } : { recipient: to.chat };
}
