import { defineChannel } from "../types.js";
import { webhookRoutes } from "../webhook.js";
import { BSUID } from "./constants.js";
import { whatsappWebhook } from "./inbound.js";
import { whatsappSender } from "./outbound.js";
import { whatsappSettings, type WhatsAppSettings } from "./settings.js";

/**
 * WhatsApp, through the Cloud API: a signed webhook in (inbound.ts), the Graph API's messages
 * endpoint out (outbound.ts). README.md beside this file says more.
 */
export const whatsapp = defineChannel<WhatsAppSettings>({
  name: "whatsapp",
  path: "/webhooks/whatsapp",
  settings: whatsappSettings,
  capabilities: { push: true, streaming: false, formatting: "markup", groups: false, region: "phone number" },

  routes: (host, s) => webhookRoutes("whatsapp", whatsappWebhook, host, s),

  // A wa_id (digits) or a business-scoped user id (US.13491208655302741918).
  userKey: (id, s) => (/^\d{6,15}$/.test(id) || BSUID.test(id) ? `whatsapp:${s.phoneNumberId}:${id}` : undefined),

  sender: whatsappSender,
});
