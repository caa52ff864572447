import { UpstreamModelError } from "../errors.js";
import { errorKind, log } from "../log.js";
import type { BreakerSnapshot, BreakerState, BreakerStore } from "./breaker.js";
import type { Completion, ModelClient } from "./origin-client.js";
import type { RegionId } from "../core/region-policy.js";
import { BREAKER_CACHE_MS, BREAKER_READ_PATIENCE_MS, ORIGIN_MAX_ATTEMPTS, POOL_SPILL_TRIES } from "../limits.js";

export interface Origin {
  /** Short, stable name (eu1, eu2…): breaker keys, logs, /healthz. */
  id: string;
  client: ModelClient;
}

export interface OriginHealth {
  origin: string;
  state: BreakerState;
  failures: number;
}

/**
 * One call to an origin. An origin that is a pool (one URL before many servers, which its load balancer
 * picks by the hash of the chat's affinity key) answers `busy` when that server is full or leaving:
 * the call is made again at once with the key salted at random (another point of the hash ring: most
 * likely another server, and a different one each try), up to POOL_SPILL_TRIES times, before the pool
 * counts as saturated. The chat moves off its server (and its prefix cache) only for this call.
 */
async function spill(origin: Origin, messages: Parameters<ModelClient["complete"]>[0], call: CallOptions | undefined) {
  for (let tries = 0; ; tries++) {
    try {
      const affinity = call?.affinity && tries > 0 ? `${call.affinity}.${salt()}` : call?.affinity;
      return await origin.client.complete(messages, call && affinity ? { ...call, affinity } : call);
    } catch (err) {
      const busy = err instanceof UpstreamModelError && err.failure === "busy";
      if (!busy || !call?.affinity || tries >= POOL_SPILL_TRIES) throw err;
    }
  }
}

/** Four random hex digits: a salt says nothing about the chat, and no two tries share one by design. */
function salt(): string {
  return crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16).padStart(4, "0");
}

type CallOptions = Parameters<ModelClient["complete"]>[1];

export interface RegionModel extends ModelClient {
  health(): Promise<OriginHealth[]>;
}

/**
 * A region's model: its origins behind circuit breakers. A call goes to a healthy origin (closed
 * circuits first, fewest recent failures first, ties broken by the chat's affinity, else at random),
 * and a failure is retried once on another origin, unless part of the answer has already been handed
 * on. An open origin is skipped; a half-open one is tried by one caller at a time. A saturated origin
 * (429) is not a failure: the next one is asked, and when all are saturated the call fails `busy`.
 */
export function regionModel(options: {
  region: RegionId;
  origins: Origin[];
  breaker: BreakerStore;
  probeTtlMs: number;
}): RegionModel {
  const { region, origins, breaker } = options;
  let cached: { at: number; states: Map<string, BreakerSnapshot> } | undefined;
  let readingSince: number | undefined;

  // While one caller re-reads the states, the others go on with the last ones they had. Nothing but
  // plain values is shared between callers: a promise settled by another request's (or another
  // Durable Object's) I/O would run this caller's continuation in that context, where workerd
  // refuses this caller's own storage and I/O.
  const states = async () => {
    const now = Date.now();
    if (cached && now - cached.at <= BREAKER_CACHE_MS) return cached.states;
    if (cached && readingSince !== undefined && now - readingSince <= BREAKER_READ_PATIENCE_MS) return cached.states;
    readingSince = now;
    let fresh: Map<string, BreakerSnapshot>;
    try {
      fresh = await breaker.read(origins.map((o) => o.id));
    } catch (err) {
      // Without the shared state, fall back to what this isolate knows (or all closed).
      log.warn("breaker.read_failed", { region, error: errorKind(err) });
      fresh = cached?.states ?? new Map<string, BreakerSnapshot>();
    } finally {
      readingSince = undefined;
    }
    cached = { at: Date.now(), states: fresh };
    return fresh;
  };
  const remember = (id: string, snapshot: BreakerSnapshot) => cached?.states.set(id, snapshot);

  return {
    async complete(messages, call) {
      const now = await states();
      const stateOf = (o: Origin) => now.get(o.id) ?? { failures: 0, state: "closed" as const };
      const closed = origins
        .filter((o) => stateOf(o).state === "closed")
        // Fewest failures first; among equals, the conversation's own origin (its prefix cache), else any.
        .map((o) => ({
          o,
          key: stateOf(o).failures + (call?.affinity ? rendezvous(call.affinity, o.id) : Math.random()),
        }))
        .sort((a, b) => a.key - b.key)
        .map(({ o }) => o);
      const halfOpen = origins.filter((o) => stateOf(o).state === "half_open");

      let last: unknown;
      let attempts = 0;
      // Saturated origins answer at once and are not broken: each is asked, and none uses up an attempt.
      let busy: UpstreamModelError | undefined;
      for (const origin of [...closed, ...halfOpen]) {
        if (attempts >= ORIGIN_MAX_ATTEMPTS) break;
        if (
          stateOf(origin).state === "half_open" &&
          !(await breaker.claimProbe(origin.id, options.probeTtlMs).catch(() => false))
        )
          continue;
        attempts += 1;
        try {
          const completion: Completion = await spill(origin, messages, call);
          if (stateOf(origin).failures > 0) {
            remember(origin.id, { failures: 0, state: "closed" });
            void breaker.success(origin.id).catch(() => {});
          }
          return completion;
        } catch (err) {
          const modelError = err instanceof UpstreamModelError ? err : undefined;
          if (modelError?.failure === "busy") {
            attempts -= 1;
            if (!busy || (modelError.retryAfterSeconds ?? 0) < (busy.retryAfterSeconds ?? 0)) busy = modelError;
            log.info("origin.busy", { region, origin: origin.id });
            continue;
          }
          last = err;
          // Only the origin's own failures count against it (not a rejected request, nor our filter).
          if (modelError && modelError.failure !== "rejected") {
            const snapshot = await breaker
              .failure(origin.id)
              .catch(() => ({ failures: stateOf(origin).failures + 1, state: "closed" as const }));
            remember(origin.id, snapshot);
            log.warn("origin.failed", {
              region,
              origin: origin.id,
              failure: modelError.failure,
              breaker: snapshot.state,
            });
          }
          // Never repeat a call whose answer had started reaching the user, nor one the request itself spoiled.
          if (!modelError || modelError.streamed || modelError.failure === "rejected") throw err;
        }
      }
      // Some capacity exists but is full: the caller holds the message rather than apologising.
      throw busy ?? last ?? new UpstreamModelError("unavailable", region, "every origin's circuit is open");
    },

    async health() {
      const fresh = await breaker.read(origins.map((o) => o.id));
      cached = { at: Date.now(), states: fresh };
      return origins.map((o) => ({ origin: o.id, ...(fresh.get(o.id) ?? { failures: 0, state: "closed" as const }) }));
    },
  };
}

/**
 * Rendezvous hashing: a stable score in [0, 1) for each (key, origin) pair, so each key prefers one
 * origin and, when that one leaves, its keys spread evenly over the others.
 */
function rendezvous(key: string, origin: string): number {
  let h = 0x811c9dc5;
  const text = `${key}\n${origin}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}
