import type { Config } from "../../config.js";
import { PlatformError, WindowClosedError } from "../../errors.js";
import type { Address, ChannelSender } from "../../message.js";
import { graphApi } from "./api.js";
import {
  WHATSAPP_SERVICE_WINDOW_MS,
  WHATSAPP_TEXT_LIMIT,
  WHATSAPP_TYPING_REFRESH_MS,
  WHATSAPP_WINDOW_CLOSED_CODE,
} from "./constants.js";
import { whatsappChunks } from "./format.js";
import type { WhatsAppSettings } from "./settings.js";

/**
 * What goes out, through the Cloud API's messages endpoint: text in WhatsApp's markup, a configured
 * template outside the 24-hour window, and read receipts with "typing…".
 */
export function whatsappSender(s: WhatsAppSettings, config: Config): ChannelSender {
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
        if (err instanceof PlatformError && err.platformCode === WHATSAPP_WINDOW_CLOSED_CODE) return outsideWindow(to);
        throw err;
      }
    },
    async typing(to) {
      // Marks the user's message read (blue ticks) and shows "typing…" for up to 25 s.
      if (!to.messageId) return;
      await api.messages({ status: "read", message_id: to.messageId, typing_indicator: { type: "text" } });
    },
  };
}

/**
 * Who a message goes to: a phone number as `to`; a user known only by their business-scoped id as
 * `recipient`, which the Cloud API takes in its place.
 */
function recipientOf(to: Address): { to: string } | { recipient: string } {
  return /^\d+$/.test(to.chat) ? { to: to.chat } : { recipient: to.chat };
}
