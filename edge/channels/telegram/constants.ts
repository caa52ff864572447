/** Bot API limit on a message's text, in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** A chat action shows for 5 seconds; refreshing a little earlier keeps "typing…" on screen. */
export const TELEGRAM_TYPING_REFRESH_MS = 4000;
/** Updates are small (a message is at most 4096 characters); anything this big is not Telegram. */
export const TELEGRAM_MAX_BODY_BYTES = 256 * 1024;
/**
 * The update kinds the webhook subscribes to (setWebhook allowed_updates): messages, and users'
 * reactions on them (counted for the model version, never answered). Telegram sends a group's
 * reactions only where the bot is an administrator.
 */
export const TELEGRAM_ALLOWED_UPDATES = ["message", "message_reaction"] as const;

/** The bot's numeric id: the part of the token before the colon, public (it is the bot's user id). */
export function botIdOf(token: string): string {
  return token.slice(0, token.indexOf(":"));
}
