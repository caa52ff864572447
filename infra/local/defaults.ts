/**
 * Settings the local stack uses where the environment gives none: stand-in credentials that only
 * the local stand-ins accept. `npm run dev` and `npm run say` share them.
 */
export const LOCAL_DEFAULTS = {
  TELEGRAM_BOT_TOKEN: "7000000001:LOCAL-dev-token-not-a-real-bot",
  TELEGRAM_WEBHOOK_SECRET: "local-dev-webhook-secret",
  WHATSAPP_ACCESS_TOKEN: "EAAG-local-dev-access-token",
  WHATSAPP_APP_SECRET: "local-dev-app-secret-0123",
  WHATSAPP_VERIFY_TOKEN: "local-dev-verify-token",
  WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
  HTTP_API_KEYS: "local-dev-api-key",
  WEBCHAT_TOKEN_SECRET: "local-dev-chat-token-secret-0123456789",
  ADMIN_TOKEN: "local-dev-admin-token",
  KEY_SECRET: "local-dev-key-secret-0123456789abcdef",
} as const;

/** A setting for the local stack: the environment's value, else the local default. */
export function localSetting(name: keyof typeof LOCAL_DEFAULTS): string {
  return process.env[name] || LOCAL_DEFAULTS[name];
}
