import contentFilterFile from "../../infra/content-filter.json";
import { loadConfig, regionObject, type Config } from "../config.js";
import { compileContentFilter, type ContentFilter } from "../core/content-filter.js";
import { createFaqStore, type FaqStore } from "../services/faq.js";
import { createMetricsSink, type MetricsSink } from "../services/metrics.js";
import { createRegionPins, type RegionPins } from "../services/region-pins.js";
import { countingKv } from "../services/kv-usage.js";
import type { ReminderBook } from "../services/reminder-book.js";
import type { Inbox } from "./chat-inbox.js";

/** What every entry point (routes, queue consumer, Durable Object) hands the pipeline. */
export interface EdgeContext {
  config: Config;
  faq: FaqStore;
  pins: RegionPins;
  metrics: MetricsSink;
  contentFilter: ContentFilter;
  /** A user's reminders, in a Durable Object of their region; undefined where reminders are not bound. */
  reminders?: (userKey: string, region: string) => ReminderBook;
  /** A messenger chat's inbox, in a Durable Object of the user's region. */
  inbox: (userKey: string, region: string) => Inbox;
}

/** The operator's filter, compiled once per isolate. */
const contentFilter = compileContentFilter(contentFilterFile);

const contexts = new WeakMap<object, EdgeContext>();

/** Built once per isolate and env: the KV-backed stores keep their caches across requests. */
export function edgeContext(env: Env): EdgeContext {
  let ctx = contexts.get(env);
  if (!ctx) {
    const config = loadConfig(env);
    ctx = {
      config,
      faq: createFaqStore(countingKv(env.FAQ)),
      pins: createRegionPins(countingKv(env.REGION_PINS)),
      metrics: createMetricsSink(env as Env & { METRICS?: AnalyticsEngineDataset; METRICS_URL?: string }),
      contentFilter,
      inbox: (userKey, region) => regionObject(config, env.INBOX, region, userKey) as unknown as Inbox,
    };
    const namespace = (env as Partial<Env>).REMINDERS;
    if (namespace) {
      ctx.reminders = (userKey, region) => regionObject(config, namespace, region, userKey) as unknown as ReminderBook;
    }
    contexts.set(env, ctx);
  }
  return ctx;
}
