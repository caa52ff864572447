import type { Pseudonyms } from "./crypto.js";
import type { Channel, ChannelHost } from "./channels/types.js";
import type { ContentFilter } from "./core/content-filter.js";
import type { RegionId } from "./core/region-policy.js";
import type { ChannelName, ChannelSender, QueueJob } from "./message.js";
import type { FaqStore } from "./services/faq.js";
import type { MetricsSink } from "./services/metrics.js";
import type { RegionServices } from "./services/region.js";
import type { RegionPins } from "./services/region-pins.js";
import type { VersionFigures } from "./services/rollout-figures.js";
import type { RolloutStore } from "./services/rollouts.js";
import type { RolloutCommand, RolloutState } from "./core/rollout.js";
import type { ReminderBook } from "./services/reminder-book.js";

/** A messenger chat's inbox (objects/chat-inbox.ts), as the queue consumer and an erasure use it. */
export interface Inbox {
  /** Takes a message in (a redelivery of one it took in before is dropped); resolves once it is stored. */
  take(job: QueueJob): Promise<void>;
  /** Drops the messages still waiting (a user's erasure); returns how many there were. */
  erase(): Promise<number>;
}

/** The RolloutDesk Durable Object, as the admin API and the cron call it. */
export interface RolloutDeskApi {
  status(region: RegionId): Promise<RolloutState>;
  command(region: RegionId, order: RolloutCommand): Promise<{ state: RolloutState } | { refused: string }>;
  judge(only?: RegionId, force?: boolean): Promise<string[]>;
}

/**
 * Everything the edge is made of, built once per isolate by createEdge (create-edge.ts) and handed to
 * the routes, the queue consumer and the Durable Objects. The pipeline's steps take it; tests build
 * one from fakes.
 */
export interface Edge extends ChannelHost {
  /** Every channel, configured or not (channels/registry.ts). */
  readonly channels: readonly Channel[];
  /** The channel called `name`. */
  channel(name: ChannelName): Channel | undefined;
  /** The database and model of a region. */
  region(id: RegionId): RegionServices;
  /** The outbound side of a channel that replies through its platform, when this deployment configures it. */
  sender(channel: ChannelName): ChannelSender | undefined;
  /** Keyed pseudonyms of user, chat and message ids (every storage key and object name derived from one). */
  keys: Pseudonyms;
  /** A messenger chat's inbox (named by its chat key's pseudonym), in a Durable Object of the chat's region. */
  inbox(chatKey: string, region: RegionId): Inbox;
  /**
   * A user's reminders, in a Durable Object of their region; undefined where reminders are not bound.
   * `previous`: the object named under KEY_SECRET_PREVIOUS, while a key rotation is under way.
   */
  reminders: ((userKey: string, region: RegionId, previous?: boolean) => ReminderBook) | undefined;
  readonly faq: FaqStore;
  readonly pins: RegionPins;
  readonly metrics: MetricsSink;
  /** Each region's model rollout (KV `rollout:<region>`). */
  readonly rollouts: RolloutStore;
  /** The rollouts' one writer (objects/rollout-desk.ts); undefined where it is not bound. */
  rolloutDesk: (() => RolloutDeskApi) | undefined;
  /** What each model version did, from the per-message records (the rollout's decisions). */
  readonly versionFigures: VersionFigures;
  readonly contentFilter: ContentFilter;
}
