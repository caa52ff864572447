import type { Hono } from "hono";
import type { Pseudonyms } from "../crypto.js";
import type { Config } from "../config.js";
import type { Enqueued, ChannelName, ChannelSender, InboundMessage, Responded, RespondOptions } from "../message.js";
import type { SettingsGroup } from "../settings.js";

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
 * What the rest of the edge offers a channel's routes. The composition root (create-edge.ts) wires
 * it to the pipeline; a channel never imports the pipeline itself.
 */
export interface ChannelHost {
  readonly config: Config;
  /** Keyed pseudonyms, for anything a channel keeps or passes on that derives from a person (a client's IP). */
  readonly keys: Pseudonyms;
  /** The commands every channel understands (commands/index.ts): what a parser reads after a slash. */
  readonly commands: ReadonlySet<string>;
  /** Queues the messages to be answered (their chat's inbox drops redeliveries): a webhook's whole job after verification. */
  enqueue(messages: InboundMessage[], options: { startedAt: number }): Promise<Enqueued>;
  /** The message with its user's pinned region (a traveller's history does not move). */
  pin(message: InboundMessage, waitUntil: (work: Promise<unknown>) => void): Promise<InboundMessage>;
  /** Answers a message on the connection it came on (live channels: web chat, the HTTP API). */
  respond(message: InboundMessage, sender: ChannelSender, options?: RespondOptions): Promise<Responded>;
}

/** Context a parser may need beyond the payload. */
export interface ParseContext {
  config: Config;
  /** The names of the commands (ChannelHost.commands). */
  commands: ReadonlySet<string>;
  request?: RequestInfo;
}

/** How a channel behaves, for the parts of the pipeline that differ between channels. */
export interface ChannelCapabilities {
  /** Can reach a user unprompted (reminders); web chat and the HTTP API answer only when asked. */
  push: boolean;
  /** Shows the answer as it is written (deltas on a socket or an event stream, Telegram drafts). */
  streaming: boolean;
  /**
   * How the model's Markdown reaches users: as Markdown (the web chat renders it, API clients receive
   * it), as message entities (Telegram), or as the platform's own markup (WhatsApp).
   */
  formatting: "markdown" | "entities" | "markup";
  /** Has group chats, where several people and bots talk. */
  groups: boolean;
  /**
   * Where a user's region comes from: chosen with /region (among regions.json's userSelectable ones),
   * the phone number's country, the country the client connected from (then pinned: a traveller's
   * history stays put), or the session, which fixed it when it started (web chat's signed token).
   */
  region: "selectable" | "phone number" | "client country" | "session";
}

/**
 * One way users reach the assistant: everything about it in one place. app.ts mounts each channel's
 * routes at `path`; the pipeline asks it for its sender and capabilities by name. Adding a channel is
 * a folder with one of these and one line in registry.ts.
 */
export interface Channel<S = unknown> {
  readonly name: ChannelName;
  /** Where its routes are mounted ("/webhooks/telegram"). */
  readonly path: string;
  /** Its settings; the channel is off (its routes answer 404) when none of them is given. */
  readonly settings: SettingsGroup<S>;
  readonly capabilities: ChannelCapabilities;
  /** Its routes, for a deployment that configures it. */
  routes(host: ChannelHost, settings: S): Routes;
  /**
   * The user key of the id an operator knows a user by (`POST /admin/erasures` `{"channel","user_id"}`), or
   * undefined when the id cannot be one of this channel's users.
   */
  userKey(operatorId: string, settings: S): string | undefined;
  /**
   * The outbound side of a channel that replies through the platform's API (Telegram, WhatsApp);
   * each request is held to `config.timeouts.platformMs`.
   */
  sender?(settings: S, config: Config): ChannelSender;
}

/**
 * A channel's routes. Bindings are typed where a route reads one (by the shape it needs), so the
 * channels, the pipeline and app.ts also type-check, and run, outside workerd (app.request() tests).
 */
export type Routes = Hono;

/** Declares a channel (a function only so that its parts see the settings' type). */
export function defineChannel<S>(channel: Channel<S>): Channel<S> {
  return channel;
}

/** A channel's settings in this deployment, or undefined when it is off. */
export function channelSettings<S>(config: Config, channel: Channel<S>): S | undefined {
  return config.channels.get(channel.name) as S | undefined;
}
