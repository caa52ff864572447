import type { ParsedCommand } from "./core/commands.js";
import type { Span } from "./core/markdown.js";
import type { RegionId } from "./core/region-policy.js";
import type { ModelFailure } from "./errors.js";
import type { Usage } from "./usage.js";

/**
 * The message model every part of the edge shares: what a channel hands the pipeline, what the
 * pipeline hands back, and what a channel must do on the way out. Types only.
 */

/** A channel's name, as its registry entry gives it: "telegram", "whatsapp", "webchat", "http". */
export type ChannelName = string;

/** Where a reply goes: enough for the channel to address the chat, nothing more. */
export interface Address {
  channel: ChannelName;
  /** The bot or phone number the user wrote to. */
  account: string;
  /** The chat to answer in (a Telegram chat id; a WhatsApp wa_id, or the user's BSUID without one). */
  chat: string;
  /** The forum topic of a Telegram supergroup the message was posted in (message_thread_id). */
  thread?: string;
  /** The platform's id of the user's message being answered (Telegram message_id, WhatsApp wamid). */
  messageId?: string;
  /** Quote the user's message in the reply (Telegram group chats, where several people talk). */
  quote?: boolean;
  /** When the user last wrote, epoch ms: WhatsApp accepts free text only within 24 h of it. */
  lastUserMessageAt?: number;
}

/** One message a user sent, as every channel hands it to the pipeline. */
export interface InboundMessage {
  /** Unique per platform delivery, stable across redeliveries: what the chat's inbox recognises a redelivery by. */
  id: string;
  address: Address;
  /**
   * `<channel>:<account>:<user>`: who sent it. Their rate limit, reminders, orders and erasure go
   * by it.
   */
  userKey: string;
  /**
   * Which conversation it belongs to: its history, summary, inbox and region pin. A private chat's is
   * the user's key; a group's or a forum topic's is the chat's own (docs/ARCHITECTURE.md, "Keys"),
   * so nothing said in one chat reaches another's prompt or reply.
   */
  chatKey: string;
  /** The sender's name, where several people share the conversation (groups): it prefixes their turns. */
  senderName?: string;
  /** The sender's platform id, where the channel needs it back (Telegram: is this group member an admin?). */
  senderId?: string;
  region: RegionId;
  /** Epoch ms when the user sent it, as the platform says. */
  sentAt: number;
  content:
    | {
        kind: "text";
        text: string;
        /** The text is the caption of this kind of attachment (photo, document…), which the model cannot see. */
        attachment?: string;
        /** Card numbers masked in the text before it was queued (the reply says so). */
        cardsMasked?: number;
      }
    | { kind: "command"; command: ParsedCommand }
    | { kind: "unsupported"; what: string }
    /** The chat became another (a Telegram group upgraded to a supergroup): its conversation follows. */
    | { kind: "chat_moved"; to: string }
    /**
     * A user's reaction on the bot's answers (a Telegram message reaction, a WhatsApp reaction, the web
     * chat's thumbs), as 👍 or 👎 (core/reactions.ts): counted for the model version answering the
     * chat, never answered, never stored.
     */
    | {
        kind: "reaction";
        value: "up" | "down";
        /** The platform's id of the message reacted to (one reaction on it is counted, however often it changes). */
        on?: string;
      };
  /**
   * A group message not addressed to the bot: answered only where the group asked the bot to answer
   * every message (/answer all), dropped before it is queued otherwise.
   */
  chatter?: boolean;
  /** The country the sender is in, where the platform tells (a WhatsApp number's): the language they likely write. */
  country?: string;
  /** BCP 47 language of the user's client, when the platform tells. */
  lang?: string;
  /**
   * The id came from the client's Idempotency-Key (HTTP API): a second request with it and other
   * content is refused (outcome "conflict") instead of being answered with the first one's reply.
   */
  idempotent?: boolean;
}

/**
 * What a channel does on the way out. `send` delivers the text, or, where the platform forbids free
 * text (WhatsApp outside its 24-hour window), a configured template instead ("template"); otherwise it
 * throws: a PlatformError when the platform refused (after honouring its retry_after), a NetworkError
 * when the outcome is unknown, a WindowClosedError when the platform accepts no free text and no
 * template is configured.
 */
export interface ChannelSender {
  readonly textLimit: number;
  /** How often "typing…" must be re-sent to stay on screen, in ms. */
  readonly typingRefreshMs: number;
  /**
   * A reply (the model's Markdown) as the messages this channel sends, each within its limit, in its
   * own formatting. Without it the Markdown goes as written (the web chat renders it; API clients
   * receive it), split by splitMessage.
   */
  chunks?(markdown: string): Chunk[];
  send(to: Address, chunk: Chunk): Promise<"sent" | "template">;
  typing(to: Address): Promise<void>;
  /**
   * Shows the answer as it is being written (Telegram drafts in private chats), or undefined where this
   * chat cannot. `id` names the reply: a reply asked again (a burst grew) reuses its preview.
   */
  preview?(to: Address, id: number): AnswerPreview | undefined;
  /** Whether `senderId` administers the group `to` is in (channels with groups). */
  isGroupAdmin?(to: Address, senderId: string): Promise<boolean>;
}

/** One message of a reply: its text and, where the channel sends formatting beside it (Telegram's entities), the spans. */
export interface Chunk {
  text: string;
  spans?: Span[];
}

/** The answer shown as it is written, before the reply itself is sent. */
export interface AnswerPreview {
  /** The answer so far (Markdown); shown at the pace the platform allows, the latest text winning. */
  update(textSoFar: string): void;
  /** The answer is complete: waits for a preview still on its way, so it cannot land after the reply. */
  finish(): Promise<void>;
  /** The answer was abandoned (asked again, or failed): what was shown is taken back. */
  discard(): Promise<void>;
  /** Whether the user sees the answer being written now: then a "typing…" would say nothing more. */
  showing(): boolean;
}

/** What a webhook hands the queue consumer. Versioned, as messages outlive a deploy. */
export interface QueueJob {
  v: 1;
  message: InboundMessage;
  /** Epoch ms when the edge acknowledged the delivery. */
  acceptedAt: number;
  /** How long the webhook had taken when it queued the message, ms. */
  ackMs?: number;
  /**
   * Billed units used for the message before it reached its inbox (the webhook's invocation and queue
   * write, the consumer's pin lookup), for its record: the inbox may run in another isolate.
   */
  usage?: Partial<Usage>;
  /** What jobs queued before `usage` carried: the consumer's KV operations. */
  kvUsage?: Partial<Usage>;
}

/** What became of a webhook's messages: queued, or not to be answered. Ids, never text. */
export interface Enqueued {
  accepted: string[];
  /** Kinds of the messages dropped on purpose (group chatter in a chat that asked for mentions only). */
  ignored: string[];
}

/**
 * answered: by the model; faq: a near-exact FAQ answer, without the model; faq_offline: an FAQ answer
 * because no model could answer; refused: the message or the answer broke the content filter;
 * model_failed: no model and no FAQ answer (the user is told to retry); chat_moved: the chat became another.
 */
export type Outcome =
  | "answered"
  | "faq"
  | "faq_offline"
  | "refused"
  | "command"
  | "unsupported"
  | "rate_limited"
  | "model_failed"
  | "chat_moved"
  /** The message is longer than the model's input budget (INPUT_TOKEN_BUDGET): the user is asked to shorten it. */
  | "too_long"
  /** The message's id was answered before with other content (an API client reusing an Idempotency-Key). */
  | "conflict"
  /**
   * Every server was saturated for CAPACITY_HOLD_MS: the user got a short "busy" note (busy_note) or
   * a near FAQ answer (faq_busy) while the message waits on for the full answer.
   */
  | "busy_note"
  | "faq_busy"
  /** A reaction on an answer (content kind "reaction"), counted for the version that answers the chat. */
  | "reaction_up"
  | "reaction_down"
  /** The message signalled self-harm: it got care and help lines (core/content-filter.ts), never a refusal. */
  | "care";

/** The reply to one message, before delivery. */
export interface Reply {
  /** The text to deliver, or null when the user is not to be answered (an excess message). */
  text: string | null;
  outcome: Outcome;
  /** Why the model gave no answer, when outcome is model_failed. */
  failure?: ModelFailure;
  /**
   * Work to finish after the reply is delivered (folding turns that left the prompt's window into the
   * conversation's summary); it never delays the reply and its failure never fails one.
   */
  later?: () => Promise<void>;
  firstTokenMs?: number;
  tokensIn?: number;
  tokensOut?: number;
  /** Time spent in model calls (tool rounds included), ms: summed per window, the calls in flight. */
  modelMs?: number;
  /** The id of the model version of the user's region that was asked (core/rollout.ts). */
  version?: string;
}

/**
 * delivered: every chunk sent; template: the platform took a template instead of free text;
 * undeliverable: the platform takes no free text now and there is no template (the reply is kept);
 * unconfirmed: a send's outcome is unknown; refused: the platform refused for good; partial: some
 * chunks reached the user before a failure.
 */
export type DeliveryOutcome = "delivered" | "template" | "undeliverable" | "unconfirmed" | "refused" | "partial";

export interface Delivery {
  outcome: DeliveryOutcome;
  chunks: number;
  delivered: number;
  error?: string;
}

export interface Responded {
  reply: Reply;
  /** Undefined when nothing was to be delivered (an excess message past the rate limit). */
  delivery: Delivery | undefined;
}

export interface RespondOptions {
  /** Sees each piece of the answer as it streams. */
  onText?: (piece: string) => void;
  /** How long the webhook took to acknowledge this message (queued channels), ms. */
  ackMs?: number;
  /** Keeps the isolate alive for work after the reply; without it, that work is awaited before returning. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Billed units used for this message before it got here (webhook, queue, the consumer's pin lookup). */
  usage?: Partial<Usage>;
  /** Cancels the answer while the model writes it (the call rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Names this reply's preview (see ChannelSender.preview); without it, none is shown. */
  previewId?: number;
  /**
   * What to do when every server that may answer is saturated: `hold` (the default) throws
   * CapacityShort, for the caller to ask again later; `interim` answers with a short "busy" note (or a
   * near FAQ answer) that says the full answer follows; `final` answers as for a model that is down.
   */
  capacity?: "hold" | "interim" | "final";
  /** The message already passed the rate limit on an earlier try (it was held for capacity). */
  admitted?: boolean;
  /**
   * The chat's messages are answered one after another (a messenger chat's inbox): its stored turns
   * are then its rate limit, and nothing of another reply of the chat is written meanwhile.
   */
  serialized?: boolean;
  /**
   * The chat's inbox has not answered this chat before (its first message, as far as it remembers): no
   * stored conversation is expected, so its summary is asked for only when turns turn up after all.
   */
  firstInChat?: boolean;
  /**
   * Told the language the reply is given in (core/language.ts) as soon as the conversation is read:
   * by the stored turns, which a caller keeping its own idea of the language cannot see.
   */
  onLanguage?: (lang: string) => void;
  /** How long the message has been held for capacity, ms (for its metrics record). */
  heldMs?: number;
}
