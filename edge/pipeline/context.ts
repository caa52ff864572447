import contentFilterFile from "../../infra/content-filter.json";
import { durableObjectJurisdiction, loadConfig, type Config } from "../config.js";
import { compileContentFilter, type ContentFilter } from "../core/content-filter.js";
import { createFaqStore, type FaqStore } from "../services/faq.js";
import { createMetricsSink, type MetricsSink } from "../services/metrics.js";
import { createRegionPins, type RegionPins } from "../services/region-pins.js";
import type { ReminderBook } from "../services/reminder-book.js";

/** What every entry point (routes, queue consumer, Durable Object) hands the pipeline. */
export interface EdgeContext {
  config: Config;
  faq: FaqStore;
  pins: RegionPins;
  metrics: MetricsSink;
  contentFilter: ContentFilter;
  /** A user's reminders, in a Durable Object of their region; undefined where reminders are not bound. */
  reminders?: (userKey: string, region: string) => ReminderBook;
}

/** The operator's filter, compiled once per isolate. */
const contentFilter = compileContentFilter(contentFilterFile);

const contexts = new WeakMap<object, EdgeContext>();

/** Built once per isolate and env: the KV-backed stores keep their caches across requests. */
export function edgeContext(env: Env): EdgeContext {
  let ctx = contexts.get(env);
  if (!ctx) {
    ctx = {
      config: loadConfig(env),
      faq: createFaqStore(env.FAQ),
      pins: createRegionPins(env.REGION_PINS),
      metrics: createMetricsSink(env as Env & { METRICS?: AnalyticsEngineDataset; METRICS_URL?: string }),
      contentFilter,
    };
    const config = ctx.config;
    const namespace = (env as Partial<Env>).REMINDERS;
    if (namespace) {
      ctx.reminders = (userKey, region) => {
        // EU users' reminders are created in the EU jurisdiction, as their conversations are.
        const jurisdiction = durableObjectJurisdiction(config, region);
        const ns = jurisdiction ? namespace.jurisdiction(jurisdiction) : namespace;
        return ns.get(ns.idFromName(userKey)) as unknown as ReminderBook;
      };
    }
    contexts.set(env, ctx);
  }
  return ctx;
}
