/** Cloud API limit on a text message body, in characters. */
export const WHATSAPP_TEXT_LIMIT = 4096;
/** The typing indicator disappears after 25 s or at the reply; refresh a little before. */
export const WHATSAPP_TYPING_REFRESH_MS = 20_000;
/** Meta's webhook payloads stay under 3 MB. */
export const WHATSAPP_MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Free-form messages are allowed for 24 h after the user's last message (customer service window). */
export const WHATSAPP_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** "Re-engagement message": more than 24 h since the user last wrote. */
export const WHATSAPP_WINDOW_CLOSED_CODE = 131047;
/** Throughput (130429), pair rate (131056: one message every ~6 s to one user) and account rate limits. */
export const WHATSAPP_RATE_LIMIT_CODES: Readonly<Record<number, number>> = { 130429: 1, 131056: 6, 80007: 2 };
/** A business-scoped user id: a country code, a period, letters and digits (US.13491208655302741918). */
export const BSUID = /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/;
