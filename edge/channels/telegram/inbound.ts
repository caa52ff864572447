import { parseCommand } from "../../core/commands.js";
import { thumbOf } from "../../core/reactions.js";
import type { RegionId } from "../../core/region-policy.js";
import type { InboundMessage } from "../../message.js";
import type { Received } from "../webhook.js";
import { secretsEqual } from "../../crypto.js";
import { MalformedPayload } from "../../errors.js";
import { TELEGRAM_GET_ME_TIMEOUT_MS } from "../../limits.js";
import { errorKind, log } from "../../log.js";
import type { Webhook } from "../webhook.js";
import { botApi } from "./api.js";
import { botIdOf, TELEGRAM_MAX_BODY_BYTES } from "./constants.js";
import type { TelegramSettings } from "./settings.js";
import { TelegramMessage, TelegramReaction, TelegramUpdate } from "./schema.js";

/**
 * The bot as its updates name it: its user id (from the token), its @username when known, and the
 * commands it understands (commands/index.ts, through the channel's host).
 */
export interface BotIdentity {
  id: string;
  username: string | undefined;
  commands: ReadonlySet<string>;
}

/** Message fields that carry something a person sent, which the assistant cannot read. */
const MEDIA_FIELDS = [
  "photo",
  "video",
  "animation",
  "document",
  "audio",
  "voice",
  "video_note",
  "sticker",
  "location",
  "venue",
  "contact",
  "dice",
  "poll",
  "story",
  "game",
  "checklist",
  "paid_media",
];

/** Group chats: where several people talk and the bot answers only when addressed. */
const GROUP_TYPES = new Set(["group", "supergroup"]);

type Message = ReturnType<typeof TelegramMessage.parse>;
type Reaction = ReturnType<typeof TelegramReaction.parse>;

/**
 * What a Telegram update asks of the assistant. Only `message` updates are answered: in a private chat
 * every text (and a caption); in a group only what is addressed to the bot (a mention, a reply to one
 * of its messages, one of its commands), and the rest as chatter that a group may ask to have answered
 * (/answer all). A `message_reaction` that adds a thumb (core/reactions.ts) is a reaction message,
 * counted and never answered. Service messages, bots, edits and other update kinds are acknowledged,
 * not answered.
 */
export function readTelegramUpdate(payload: unknown, bot: BotIdentity, region: RegionId): Received | undefined {
  const update = TelegramUpdate.safeParse(payload);
  if (!update.success) return undefined;
  const raw = update.data as Record<string, unknown>;
  if (raw.message === undefined && raw.message_reaction !== undefined) {
    return readReaction(raw.message_reaction, update.data.update_id, bot, region);
  }
  if (raw.message === undefined) {
    const kind = Object.keys(raw).find((k) => k !== "update_id") ?? "empty";
    return { messages: [], ignored: [kind] };
  }
  const parsed = TelegramMessage.safeParse(raw.message);
  if (!parsed.success) return { messages: [], ignored: ["unreadable_message"] };
  const m = parsed.data;
  const skip = (kind: string): Received => ({ messages: [], ignored: [kind] });
  if (m.from?.is_bot) return skip("from_bot");
  // A linked channel's post copied into its discussion group: the channel's, not a member's.
  if ((m as Record<string, unknown>).is_automatic_forward === true) return skip("automatic_forward");

  const type = chatType(m.chat);
  const group = GROUP_TYPES.has(type);
  if (!group && type !== "private") return skip(`chat_${type}`);
  // A forum topic is a conversation of its own; replies in other supergroups carry thread ids too.
  const thread = m.is_topic_message && m.message_thread_id !== undefined ? String(m.message_thread_id) : undefined;
  const base = envelope(
    { updateId: update.data.update_id, chat: m.chat, from: m.from, thread, messageId: m.message_id, date: m.date },
    bot,
    region,
    group,
  );

  if (m.migrate_to_chat_id !== undefined) {
    // The group became a supergroup: its conversation, settings and region follow it.
    const to = `telegram:${bot.id}:${m.migrate_to_chat_id}`;
    return { messages: [{ ...base, content: { kind: "chat_moved", to } }], ignored: [] };
  }

  const text = m.text ?? m.caption;
  const media = MEDIA_FIELDS.find((f) => f in (m as Record<string, unknown>));
  if (text === undefined || text.trim() === "") {
    // No text: a photo or sticker in a private chat gets "text only"; service messages (a member
    // joined, a pinned message, a topic created…) and anything in a group, nothing.
    if (media && !group) return { messages: [{ ...base, content: { kind: "unsupported", what: media } }], ignored: [] };
    return skip(media ? `group_${media}` : serviceKind(m));
  }

  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const addressed = group ? addressing(m, text, entities, bot) : "direct";
  if (addressed === "other_bot") return skip("command_for_another_bot");
  const command = parseCommand(text, bot.commands, bot.username);
  if (command && addressed !== "chatter")
    return { messages: [{ ...base, content: { kind: "command", command } }], ignored: [] };
  const asked = group && bot.username ? withoutMention(text, bot.username) : text.trim();
  // "@bot" and nothing else: a greeting.
  if (!asked)
    return { messages: [{ ...base, content: { kind: "command", command: { name: "start", args: "" } } }], ignored: [] };
  const content: InboundMessage["content"] =
    m.text === undefined && media ? { kind: "text", text: asked, attachment: media } : { kind: "text", text: asked };
  return { messages: [{ ...base, content, ...(addressed === "chatter" ? { chatter: true } : {}) }], ignored: [] };
}

/** A chat's type; the Bot API's own older samples leave it out (they are private chats). */
function chatType(chat: Message["chat"]): string {
  return chat.type ?? (chat.id > 0 ? "private" : "group");
}

/** What an update says of who acted, where: the parts the keys and the address are made of. */
interface Origin {
  updateId: number;
  chat: Message["chat"];
  /** The person; absent for one acting on behalf of a chat (then the chat stands for them). */
  from: Message["from"];
  /** The forum topic, where the update names one. */
  thread: string | undefined;
  messageId: number;
  /** Unix time, seconds. */
  date: number;
}

/** Who wrote, in which conversation, and where the reply goes. */
function envelope(o: Origin, bot: BotIdentity, region: RegionId, group: boolean) {
  const account = bot.id;
  const user = String(o.from?.id ?? o.chat.id);
  const chat = String(o.chat.id);
  const { thread } = o;
  const userKey = `telegram:${account}:${user}`;
  const chatKey = group ? `telegram:${account}:${chat}${thread ? `#${thread}` : ""}` : userKey;
  return {
    id: `telegram:${account}:${o.updateId}`,
    address: {
      channel: "telegram",
      account,
      chat,
      messageId: String(o.messageId),
      ...(group ? { quote: true } : {}),
      ...(thread ? { thread } : {}),
    },
    userKey,
    chatKey,
    ...(group && o.from?.first_name ? { senderName: o.from.first_name } : {}),
    ...(o.from ? { senderId: String(o.from.id) } : {}),
    region,
    sentAt: o.date * 1000,
    ...(o.from?.language_code ? { lang: o.from.language_code } : {}),
  } satisfies Omit<InboundMessage, "content">;
}

/**
 * A change of a user's reactions on a message: a reaction message (👍 or 👎) when it added an emoji
 * that stands for a thumb, keyed as a text message of that user in that chat would be. The update
 * names no forum topic, so a topic's reaction counts for its group. An anonymous reaction (made on
 * behalf of a chat: `actor_chat`, no `user`) counts with the chat's own key. A removal, a change to
 * another emoji, a custom emoji or a paid star is acknowledged as "reaction".
 */
function readReaction(payload: unknown, updateId: number, bot: BotIdentity, region: RegionId): Received {
  const ignored: Received = { messages: [], ignored: ["reaction"] };
  const parsed = TelegramReaction.safeParse(payload);
  if (!parsed.success) return { messages: [], ignored: ["unreadable_reaction"] };
  const r = parsed.data;
  if (r.user?.is_bot) return { messages: [], ignored: ["from_bot"] };
  const type = chatType(r.chat);
  const group = GROUP_TYPES.has(type);
  if (!group && type !== "private") return ignored;
  const value = addedThumb(r);
  if (!value) return ignored;
  const origin: Origin = {
    updateId,
    chat: r.chat,
    from: r.user,
    thread: undefined,
    // The message reacted to (the bot's answer): the update has no message of its own.
    messageId: r.message_id,
    date: r.date,
  };
  return {
    messages: [
      { ...envelope(origin, bot, region, group), content: { kind: "reaction", value, on: String(r.message_id) } },
    ],
    ignored: [],
  };
}

/** The thumb of the first emoji the change added (in new_reaction, not in old_reaction), if any. */
function addedThumb(r: Reaction): "up" | "down" | undefined {
  const emoji = (list: Reaction["new_reaction"]) =>
    list.flatMap((t) => (t.type === "emoji" && t.emoji !== undefined ? [t.emoji] : []));
  const before = new Set(emoji(r.old_reaction));
  for (const added of emoji(r.new_reaction).filter((e) => !before.has(e))) {
    const thumb = thumbOf(added);
    if (thumb) return thumb;
  }
  return undefined;
}

/**
 * How a group message concerns the bot: a mention of it (by @username, or a text mention of its
 * account), a reply to one of its messages, a command for it (`/help@bot`, or one of its own commands
 * without an @); a command for another bot; or none of these (chatter).
 */
function addressing(
  m: Message,
  text: string,
  entities: Message["entities"],
  bot: BotIdentity,
): "mention" | "reply" | "command" | "other_bot" | "chatter" {
  const command = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s|$)/.exec(text.trim());
  if (command) {
    const [, , to] = command;
    if (to) return bot.username && to.toLowerCase() === bot.username.toLowerCase() ? "command" : "other_bot";
    return parseCommand(text, bot.commands) ? "command" : "other_bot";
  }
  const username = bot.username?.toLowerCase();
  const mentioned = (entities ?? []).some((e) =>
    e.type === "text_mention"
      ? String(e.user?.id) === bot.id
      : e.type === "mention" &&
        !!username &&
        text.slice(e.offset, e.offset + e.length).toLowerCase() === `@${username}`,
  );
  // Telegram's own samples carry no entities: a written @username counts as well.
  if (mentioned || (username && new RegExp(`(^|\\W)@${username}\\b`, "i").test(text))) return "mention";
  const reply = m.reply_to_message;
  // In a forum every message replies to its topic's first (service) message: that is not a reply to the bot.
  if (reply?.from && String(reply.from.id) === bot.id && reply.forum_topic_created === undefined) return "reply";
  return "chatter";
}

function withoutMention(text: string, username: string): string {
  return text
    .replace(new RegExp(`(^|\\s)@${username}\\b[,:]?`, "gi"), " ")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** The name of a service message's event, for the log (never its content). */
function serviceKind(m: Message): string {
  const envelopeFields = new Set([
    "message_id",
    "from",
    "sender_chat",
    "chat",
    "date",
    "message_thread_id",
    "is_topic_message",
    "reply_to_message",
    "entities",
    "caption_entities",
    "text",
    "caption",
  ]);
  return `service_${Object.keys(m).find((k) => !envelopeFields.has(k)) ?? "other"}`;
}

/** The webhook: the secret token in constant time, then the update read. */
export const telegramWebhook: Webhook<TelegramSettings> = {
  maxBodyBytes: TELEGRAM_MAX_BODY_BYTES,

  verify: ({ headers }, s) => secretsEqual(headers.get("x-telegram-bot-api-secret-token"), s.webhookSecret),

  async parse(payload, s, { commands }) {
    const bot: BotIdentity = { id: botIdOf(s.botToken), username: s.botUsername, commands };
    // Mentions name the bot by its @username: without TELEGRAM_BOT_USERNAME it is asked of Telegram,
    // once per isolate, and only when a group message could be mentioning it.
    if (!bot.username && mayMention(payload)) bot.username = await botUsername(s);
    const delivered = readTelegramUpdate(payload, bot, s.region);
    if (!delivered) throw new MalformedPayload("not a Telegram Update");
    return delivered;
  },
};

/** A group message with an @ in it: the only kind whose reading needs the bot's username. */
function mayMention(payload: unknown): boolean {
  const message = (payload as { message?: { chat?: { type?: unknown }; text?: unknown; caption?: unknown } } | null)
    ?.message;
  const type = message?.chat?.type;
  return (type === "group" || type === "supergroup") && /@/.test(String(message?.text ?? message?.caption ?? ""));
}

const usernames = new Map<string, string>();

/**
 * The bot's @username, from getMe, kept per isolate once known (a failed lookup is tried again next
 * time). The name is kept, not the promise of it: requests of one isolate never share a promise.
 */
async function botUsername(s: TelegramSettings): Promise<string | undefined> {
  const known = usernames.get(s.botToken);
  if (known) return known;
  try {
    // On the webhook's path, before its acknowledgement: a Bot API that hangs is not waited on for long.
    const api = botApi({ apiBase: s.apiBase, token: s.botToken, timeoutMs: TELEGRAM_GET_ME_TIMEOUT_MS });
    const me = (await api.call("getMe", {})) as {
      username?: string;
    };
    if (me.username) usernames.set(s.botToken, me.username);
    return me.username;
  } catch (err) {
    log.warn("telegram.get_me_failed", { error: errorKind(err) });
    return undefined;
  }
}
