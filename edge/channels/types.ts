import type { ParsedCommand } from "../core/commands.js";
import type { Config } from "../config.js";
import type { RegionId } from "../core/region-policy.js";

export type ChannelName = "telegram" | "whatsapp";

/** Where a reply goes: enough for the channel to address the chat, nothing more. */
export interface Address {
  channel: ChannelName;
  /** The bot or phone number the user wrote to. */
  account: string;
  /** The chat to answer in (a Telegram chat id, a WhatsApp wa_id). */
  chat: string;
  /** The platform's id of the user's message being answered (Telegram message_id, WhatsApp wamid). */
  messageId?: string;
  /** Quote the user's message in the reply (Telegram group chats, where several people talk). */
  quote?: boolean;
  /** When the user last wrote, epoch ms: WhatsApp accepts free text only within 24 h of it. */
  lastUserMessageAt?: number;
}

/** One message a user sent, as every channel hands it to the pipeline. */
export interface InboundMessage {
  /** Unique per platform delivery, stable across redeliveries: the dedup key. */
  id: string;
  address: Address;
  /** `<channel>:<account>:<user>`: whose conversation, rate limit and data this is. */
  userKey: string;
  region: RegionId;
  /** Epoch ms when the user sent it, as the platform says. */
  sentAt: number;
  content:
    | { kind: "text"; text: string }
    | { kind: "command"; command: ParsedCommand }
    | { kind: "unsupported"; what: string };
  /** BCP 47 language of the user's client, when the platform tells. */
  lang?: string;
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
  send(to: Address, text: string): Promise<"sent" | "template">;
  typing(to: Address): Promise<void>;
}

/**
 * One messaging platform. Every channel has the same surface, so the pipeline never asks which one a
 * message came from.
 */
export interface ChannelAdapter<Settings> {
  readonly name: ChannelName;
  /** Largest webhook body accepted, in bytes; larger ones get 413 before being read. */
  readonly maxBodyBytes: number;
  /** How long a delivery id is remembered: longer than the platform keeps redelivering. */
  readonly dedupTtlSeconds: number;
  /** This channel's settings, or undefined when the deployment does not use it. */
  settings(config: Config): Settings | undefined;
  /**
   * The platform's subscription check (GET on the webhook URL): the body to answer with, or null for
   * 403. Channels without one answer 405 to GET.
   */
  handshake?(query: URLSearchParams, settings: Settings): Promise<string | null>;
  /** Authenticity of a webhook, checked on the raw body in constant time, before any parsing. */
  verify(request: { headers: Headers; body: ArrayBuffer }, settings: Settings): Promise<boolean>;
  /**
   * The messages in a webhook payload. Throws `MalformedPayload` when it is not the platform's shape;
   * returns [] for updates that are acknowledged and ignored.
   */
  parse(payload: unknown, settings: Settings, config: Config): InboundMessage[];
  sender(settings: Settings): ChannelSender;
}

export class MalformedPayload extends Error {
  override readonly name = "MalformedPayload";
}
