import type { ParsedCommand } from "../core/commands.js";
import type { Config } from "../config.js";
import type { RegionId } from "../core/region-policy.js";

export type ChannelName = "telegram" | "whatsapp" | "webchat" | "http";

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

/** What a channel may read of the request a message arrived on. */
export interface RequestInfo {
  headers: Headers;
  url: URL;
  /** ISO country of the client, from Cloudflare (request.cf.country, or cf-ipcountry locally). */
  country: string | undefined;
  /** Cloudflare's request.cf.isEUCountry, which is the string "1" (not a boolean) for EU clients. */
  isEuCountry: boolean;
}

/**
 * One way users reach the assistant. Every channel has the same surface: its settings, the
 * authenticity check, and the parser that turns what arrives into InboundMessages. The pipeline
 * (respond: converse, then deliver through a ChannelSender) never asks which channel it serves.
 */
export interface ChannelAdapter<Settings> {
  readonly name: ChannelName;
  /** Largest body accepted, in bytes; larger ones get 413 before being read. */
  readonly maxBodyBytes: number;
  /** This channel's settings, or undefined when the deployment does not use it. */
  settings(config: Config): Settings | undefined;
  /** Authenticity, checked on the raw body in constant time, before any parsing. */
  verify(request: RequestInfo & { body: ArrayBuffer }, settings: Settings): Promise<boolean>;
  /**
   * The messages in what arrived. Throws `MalformedPayload` when it is not the channel's shape;
   * returns [] for updates that are acknowledged and ignored.
   */
  parse(payload: unknown, settings: Settings, context: { config: Config; request?: RequestInfo }): InboundMessage[];
}

/**
 * A platform that calls a webhook and takes replies through its own API (Telegram, WhatsApp): the
 * webhook acks at once and the queue consumer replies through `sender`. Live channels (web chat, the
 * JSON/SSE API) reply on the connection the message came on, with a ChannelSender per connection.
 */
export interface WebhookChannel<Settings> extends ChannelAdapter<Settings> {
  /** How long a delivery id is remembered: longer than the platform keeps redelivering. */
  readonly dedupTtlSeconds: number;
  /**
   * The platform's subscription check (GET on the webhook URL): the body to answer with, or null for
   * 403. Channels without one answer 404 to GET.
   */
  handshake?(query: URLSearchParams, settings: Settings): Promise<string | null>;
  sender(settings: Settings): ChannelSender;
}

export class MalformedPayload extends Error {
  override readonly name = "MalformedPayload";
  constructor(
    message: string,
    /** A short machine-readable reason, for channels that answer with error codes (web chat frames). */
    readonly code = "bad_request",
  ) {
    super(message);
  }
}
