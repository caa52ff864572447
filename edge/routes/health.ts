import { Hono } from "hono";
import type { Edge } from "../edge.js";
import { HEALTH_PROBE_TIMEOUT_MS } from "../limits.js";

/**
 * `GET /healthz`: the Worker is alive (always 200), and per region whether its database answers and,
 * for each origin, its circuit breaker state (shared by all isolates) and whether it answers now. Addresses and keys are never shown; origins are named eu1, eu2…
 */
export function healthRoutes(edge: Edge) {
  return new Hono().get("/", async (c) => {
    const { config } = edge;
    const regions = Object.fromEntries(
      await Promise.all(
        Object.keys(config.regions).map(async (id) => {
          const { redis, settings, model } = edge.region(id);
          const [redisState, breakers, probes] = await Promise.all([
            probe(() => redis.ping()),
            model.health().catch(() => undefined),
            Promise.all(
              settings.originUrls.map((url) =>
                // The origins' /health is not public (the proxy serves /v1 only, with the edge's key):
                // listing the models through the same door the chats use is the liveness that matters.
                probe(async (signal) => {
                  const res = await fetch(`${url}/v1/models`, {
                    signal,
                    headers: { authorization: `Bearer ${settings.originApiKey}` },
                  });
                  if (!res.ok) throw new Error(`HTTP ${res.status}`);
                }),
              ),
            ),
          ]);
          const origins = settings.originUrls.map((_, i) => ({
            origin: `${id}${i + 1}`,
            breaker: breakers?.[i]?.state ?? "unknown",
            failures: breakers?.[i]?.failures ?? null,
            health: probes[i],
          }));
          return [id, { redis: redisState, origins }] as const;
        }),
      ),
    );
    const healthy = Object.values(regions).every(
      (r) => r.redis === "up" && r.origins.every((o) => o.health === "up" && o.breaker === "closed"),
    );
    return c.json({ status: healthy ? "ok" : "degraded", regions });
  });
}

async function probe(check: (signal: AbortSignal) => Promise<unknown>): Promise<"up" | "down"> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), HEALTH_PROBE_TIMEOUT_MS);
  try {
    await Promise.race([
      check(abort.signal),
      new Promise((_, reject) => abort.signal.addEventListener("abort", () => reject(new Error("timeout")))),
    ]);
    return "up";
  } catch {
    return "down";
  } finally {
    clearTimeout(timer);
  }
}
