import { modelCandidates } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { UpstreamModelError } from "../errors.js";
import { log } from "../log.js";
import type { Completion, ModelClient } from "../services/origin-client.js";

/** Where the answer to a message came from, for its metrics record and the HTTP API's reply. */
export interface Answered {
  /** The region whose model answered (the user's own, or a fallback regions.json allows). */
  region: string;
  /** The region's overflow endpoint answered, its own pool being saturated. */
  overflow: boolean;
  /** The region's own pool failed (not saturated) before another candidate answered. */
  ownFailed?: boolean;
}

/**
 * The model for a user of `region`, in the order regions.json allows (core/region-policy.ts,
 * modelCandidates): the region's own pool; while that pool is saturated, its overflow endpoint (in the
 * same jurisdiction); then the fallback regions, where the file lists them: for a pool that is down,
 * any of them; for a saturated one, only those of the same jurisdiction. No other model is ever asked,
 * and a call whose answer had started reaching the user is never moved elsewhere. When every
 * candidate is saturated, the call fails `busy` (the caller holds the message).
 */
export function withFallback(
  edge: Edge,
  region: string,
  answered?: (who: Answered) => void,
  /** The region's own pool to ask: the conversation's model version's (pipeline/rollout.ts); else the file's stable one. */
  own?: ModelClient,
): ModelClient {
  const candidates = modelCandidates(edge.config.regionFile, region);
  return {
    async complete(messages, call) {
      let last: unknown;
      // Saturated so far (every candidate asked answered `busy`), and the soonest any asked to come back.
      let busy = false;
      let ownFailed = false;
      let retryAfterSeconds: number | undefined;
      for (const candidate of candidates) {
        if (candidate.when === "saturated" && !busy) continue;
        if (candidate.when === "afterFailure" && busy && !candidate.sameJurisdiction) continue;
        const services = edge.region(candidate.region);
        const client =
          candidate.kind === "overflow" ? services.overflow : candidate.region === region && own ? own : services.model;
        if (!client) continue;
        let completion: Completion;
        try {
          completion = await client.complete(messages, call);
        } catch (err) {
          last = err;
          if (!(err instanceof UpstreamModelError) || err.streamed || err.failure === "rejected") throw err;
          if (err.failure === "busy") {
            retryAfterSeconds = Math.min(retryAfterSeconds ?? Infinity, err.retryAfterSeconds ?? Infinity);
            if (!Number.isFinite(retryAfterSeconds)) retryAfterSeconds = undefined;
          }
          if (candidate.region === region && candidate.kind === "pool" && err.failure !== "busy") ownFailed = true;
          // A candidate that is down after one that was saturated leaves the call saturated.
          busy ||= err.failure === "busy";
          continue;
        }
        if (candidate.kind === "overflow") log.info("model.overflow_answered", { region });
        else if (candidate.region !== region)
          log.info("model.fallback_answered", { region, answeredBy: candidate.region });
        answered?.({
          region: candidate.region,
          overflow: candidate.kind === "overflow",
          ...(ownFailed ? { ownFailed } : {}),
        });
        return completion;
      }
      if (busy) {
        throw new UpstreamModelError("busy", region, "every server that may answer is saturated", {
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        });
      }
      throw last;
    },
  };
}
