import * as z from "zod";

/**
 * The parts of a Bot API Update this gateway reads, read leniently: Telegram adds fields and update
 * kinds with every Bot API release, and its own documented samples leave out fields the reference
 * calls required (`from.is_bot`). Everything not read here passes through and is ignored.
 * https://core.telegram.org/bots/api#update
 */
const User = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const Chat = z.looseObject({
  id: z.number().int(),
  /** Absent in the Bot API's own older samples, which are private chats. */
  type: z.string().optional(),
});

const Entity = z.looseObject({
  type: z.string(),
  offset: z.number().int(),
  length: z.number().int(),
  user: z.looseObject({ id: z.number().int() }).optional(),
});

export const TelegramMessage = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: Chat,
  from: User.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(Entity).optional(),
  caption_entities: z.array(Entity).optional(),
  /** The forum topic (supergroups with topics); set on every message of a topic. */
  message_thread_id: z.number().int().optional(),
  is_topic_message: z.boolean().optional(),
  reply_to_message: z
    .looseObject({
      from: z.looseObject({ id: z.number().int() }).optional(),
      forum_topic_created: z.unknown().optional(),
    })
    .optional(),
  /** The group became a supergroup with this id; sent in the old group. */
  migrate_to_chat_id: z.number().int().optional(),
});
export type TelegramMessage = z.infer<typeof TelegramMessage>;

/**
 * A reaction type: `{"type":"emoji","emoji"}`, or a custom emoji or a paid star (`custom_emoji`,
 * `paid`), which are never thumbs.
 */
const Reaction = z.looseObject({ type: z.string(), emoji: z.string().optional() });

/**
 * A user changed their reactions on a message (the bot must be an administrator to see a group's):
 * the lists before and after. `user` is absent for an anonymous reaction, made on behalf of a chat
 * (`actor_chat`). It names no forum topic.
 * https://core.telegram.org/bots/api#messagereactionupdated
 */
export const TelegramReaction = z.looseObject({
  chat: Chat,
  message_id: z.number().int(),
  user: User.optional(),
  actor_chat: Chat.optional(),
  date: z.number().int(),
  old_reaction: z.array(Reaction).default([]),
  new_reaction: z.array(Reaction),
});

/** An update: its id, and whatever it carries (`message` is answered, `message_reaction` counted). */
export const TelegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
});

/** Bot API answers: `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`. */
export const BotApiResponse = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});
