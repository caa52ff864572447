import { z } from "zod";

/**
 * The parts of a Bot API Update this gateway reads. Everything else (other update kinds, other message
 * fields) passes through untouched and is ignored.
 * https://core.telegram.org/bots/api#update
 */
const User = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  language_code: z.string().optional(),
});

const Chat = z.looseObject({
  id: z.number().int(),
  type: z.enum(["private", "group", "supergroup", "channel"]),
});

const TelegramMessage = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: Chat,
  from: User.optional(),
  text: z.string().optional(),
});
export type TelegramMessage = z.infer<typeof TelegramMessage>;

export const TelegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: TelegramMessage.optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdate>;

/** Bot API answers: `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`. */
export const BotApiResponse = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});
