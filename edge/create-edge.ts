import contentFilterFile from "../infra/content-filter.json";
import { CHANNELS, channelNamed } from "./channels/registry.js";
import { COMMAND_NAMES } from "./commands/index.js";
import { channelSettings } from "./channels/types.js";
import { parseConfig, regionObject } from "./config.js";
import { compileContentFilter } from "./core/content-filter.js";
import { createPseudonyms } from "./crypto.js";
import { withDeadlines } from "./deadline.js";
import type { RegionId } from "./core/region-policy.js";
import type { Edge, Inbox, RolloutDeskApi } from "./edge.js";
import { useRefKey, useSuccessSampling } from "./log.js";
import type { ChannelName, ChannelSender } from "./message.js";
import { ingest } from "./pipeline/ingest.js";
import { pinRegion } from "./pipeline/region.js";
import { respond } from "./pipeline/respond.js";
import { createFaqStore } from "./services/faq.js";
import { countingKv } from "./usage.js";
import { createMetricsSink } from "./services/metrics.js";
import { createRegionServices, type RegionServices } from "./services/region.js";
import { createRegionPins } from "./services/region-pins.js";
import { versionFigures } from "./services/rollout-figures.js";
import { rolloutStore } from "./services/rollouts.js";
import type { ReminderBook } from "./services/reminder-book.js";

/**
 * The composition root: the edge's settings, channels, regions, stores and Durable Objects, wired
 * together once. Throws ConfigError when a setting is missing or malformed.
 */
function createEdge(env: Env): Edge {
  const config = parseConfig(env as unknown as Record<string, unknown>, CHANNELS);
  const keys = createPseudonyms(config.keySecret.current, config.keySecret.previous);
  useRefKey(config.keySecret.current);
  useSuccessSampling(config.logSuccessSampleRate);
  const regions = new Map<RegionId, RegionServices>();
  const senders = new Map<ChannelName, ChannelSender | undefined>();
  const reminders = (env as Partial<Env>).REMINDERS;
  const edge: Edge = {
    config,
    keys,
    channels: CHANNELS,
    channel: channelNamed,
    region(id) {
      let services = regions.get(id);
      if (!services) regions.set(id, (services = createRegionServices(config, id, keys)));
      return services;
    },
    sender(name) {
      if (!senders.has(name)) {
        const channel = edge.channel(name);
        const settings = channel && channelSettings(config, channel);
        senders.set(name, channel?.sender && settings !== undefined ? channel.sender(settings, config) : undefined);
      }
      return senders.get(name);
    },
    // Durable Objects are named by keyed pseudonyms, never by a user's or chat's id.
    // Calls to them are held to TIMEOUT_INBOX_MS, like every other outbound call.
    inbox: (chatKey, region) =>
      withDeadlines(
        regionObject(config, env.INBOX, region, keys.of(chatKey)) as unknown as Inbox,
        config.timeouts.inboxMs,
        "inbox",
      ),
    reminders: reminders
      ? (userKey, region, previous = false) =>
          withDeadlines(
            regionObject(
              config,
              reminders,
              region,
              previous && keys.previous ? keys.previous(userKey) : keys.of(userKey),
            ) as unknown as ReminderBook,
            config.timeouts.inboxMs,
            "reminders",
          )
      : undefined,
    faq: createFaqStore(withDeadlines(countingKv(env.FAQ), config.timeouts.kvMs, "kv")),
    pins: createRegionPins(withDeadlines(countingKv(env.REGION_PINS), config.timeouts.kvMs, "kv"), keys),
    metrics: createMetricsSink(env as Env & { METRICS_URL?: string }),
    rollouts: rolloutStore(
      (env as Partial<Env>).ROLLOUTS &&
        withDeadlines(countingKv((env as Partial<Env>).ROLLOUTS!), config.timeouts.kvMs, "kv"),
    ),
    rolloutDesk: env.ROLLOUT_DESK
      ? () => env.ROLLOUT_DESK.get(env.ROLLOUT_DESK.idFromName("rollouts")) as unknown as RolloutDeskApi
      : undefined,
    versionFigures: versionFigures(config, (env as { METRICS_URL?: string }).METRICS_URL, config.timeouts.kvMs * 5),
    contentFilter: compileContentFilter(contentFilterFile),
    commands: COMMAND_NAMES,
    enqueue: (messages, { startedAt }) =>
      ingest(
        messages,
        {
          answersAll: (r, chatKey) => edge.region(r).groupSettings.answersAll(chatKey),
          queue: env.MESSAGES,
          queueTimeoutMs: config.timeouts.inboxMs,
          mask: (text) => edge.contentFilter.mask(text),
        },
        startedAt,
      ),
    pin: (message, waitUntil) => pinRegion(edge, message, waitUntil),
    respond: (message, sender, options) => respond(edge, message, sender, options),
  };
  return edge;
}

const built = new WeakMap<object, Edge>();

/** The edge of this env, built on first use: the env object lives as long as the isolate. */
export function edgeFor(env: Env): Edge {
  let edge = built.get(env);
  if (!edge) built.set(env, (edge = createEdge(env)));
  return edge;
}
