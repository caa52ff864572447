import type { ParsedCommand } from "../core/commands.js";
import type { Config } from "../config.js";
import type { RegionId } from "../core/region-policy.js";

export type ChannelName = "telegram";

/** Where a reply goes: enough for the channel to address the chat, nothing more. */
export interface Address {
  channel: ChannelName;
  /** The bot or phone number the user wrote to. */
  account: string;
  /** The chat to answer in (a Telegram chat id). */
  chat: string;
  /** In group chats, the message to answer, so the reply quotes it. */
  replyTo?: number;
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
 * What a channel does on the way out. `send` either delivers or throws: a PlatformError when the
 * platform refused (after honouring its retry_after), a NetworkError when the outcome is unknown.
 */
export interface ChannelSender {
  readonly textLimit: number;
  /** How often "typing…" must be re-sent to stay on screen, in ms. */
  readonly typingRefreshMs: number;
  send(to: Address, text: string): Promise<void>;
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
  /** Authenticity of a webhook, checked on the raw body in constant time, before any parsing. */
  verify(request: { headers: Headers; body: ArrayBuffer }, settings: Settings): Promise<boolean>;
  /**
   * The messages in a webhook payload. Throws `MalformedPayload` when it is not the platform's shape;
   * returns [] for updates that are acknowledged and ignored.
   */
  parse(payload: unknown, settings: Settings): InboundMessage[];
  sender(settings: Settings): ChannelSender;
}

export class MalformedPayload extends Error {
  override readonly name = "MalformedPayload";
}
