import { loadConfig, type Config } from "../config.js";
import { createFaqStore, type FaqStore } from "../services/faq.js";
import { createRegionPins, type RegionPins } from "../services/region-pins.js";

/** What every entry point (routes, queue consumer, Durable Object) hands the pipeline. */
export interface EdgeContext {
  config: Config;
  faq: FaqStore;
  pins: RegionPins;
}

const contexts = new WeakMap<object, EdgeContext>();

/** Built once per isolate and env: the KV-backed stores keep their caches across requests. */
export function edgeContext(env: Env): EdgeContext {
  let ctx = contexts.get(env);
  if (!ctx) {
    ctx = { config: loadConfig(env), faq: createFaqStore(env.FAQ), pins: createRegionPins(env.REGION_PINS) };
    contexts.set(env, ctx);
  }
  return ctx;
}
