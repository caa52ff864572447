import type { Edge } from "../edge.js";
import { answeringRegions, type RegionId } from "../core/region-policy.js";
import { UpstreamModelError } from "../errors.js";
import { log } from "../log.js";
import type { ModelClient } from "../services/origin-client.js";

/**
 * The model for a user of `region`: the region's own origins, then, only when they all fail and only
 * where infra/regions.json lists fallbacks, those regions' origins in order. No other region is ever
 * asked. A call whose answer had started reaching the user is not moved elsewhere.
 */
export function withFallback(edge: Edge, region: RegionId): ModelClient {
  const chain = answeringRegions(edge.config.regionFile, region);
  return {
    async complete(messages, call) {
      let last: unknown;
      for (const candidate of chain) {
        try {
          const completion = await edge.region(candidate).model.complete(messages, call);
          if (candidate !== region) log.info("model.fallback_answered", { region, answeredBy: candidate });
          return completion;
        } catch (err) {
          last = err;
          if (!(err instanceof UpstreamModelError) || err.streamed || err.failure === "rejected") throw err;
        }
      }
      throw last;
    },
  };
}
