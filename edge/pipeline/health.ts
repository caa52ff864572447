import { Hono } from "hono";
import type { AppEnv } from "../app.js";
import { regionServices } from "./services.js";

const PROBE_TIMEOUT_MS = 1500;

/**
 * `GET /healthz`: the Worker is alive (always 200), and per region whether its database and its model
 * origin answer. Addresses and keys are never shown.
 */
export function healthRoutes() {
  return new Hono<AppEnv>().get("/", async (c) => {
    const config = c.get("config");
    const regions = Object.fromEntries(
      await Promise.all(
        Object.keys(config.regions).map(async (id) => {
          const { redis, settings } = regionServices(config, id);
          const [redisState, originState] = await Promise.all([
            probe(() => redis.ping()),
            probe(async (signal) => {
              const res = await fetch(`${settings.originUrl.replace(/\/+$/, "")}/health`, { signal });
              if (!res.ok) throw new Error(`HTTP ${res.status}`);
            }),
          ]);
          return [id, { redis: redisState, origin: originState }] as const;
        }),
      ),
    );
    const healthy = Object.values(regions).every((r) => r.redis === "up" && r.origin === "up");
    return c.json({ status: healthy ? "ok" : "degraded", regions });
  });
}

async function probe(check: (signal: AbortSignal) => Promise<unknown>): Promise<"up" | "down"> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
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
