import type { Config } from "../config.js";
import { withinMs } from "../deadline.js";
import { VersionStats } from "../core/rollout.js";
import { versionStatsFromSql, versionStatsSql } from "../core/rollout-stats.js";
import type { RegionId } from "../core/region-policy.js";

/**
 * What each model version did since a time, in a region, from the per-message records: production
 * asks Analytics Engine's SQL API (ANALYTICS_ACCOUNT_ID…); the local stack, its metrics endpoint
 * (METRICS_URL, `GET /versions`). undefined where neither is configured: no decision is taken then.
 */
export type VersionFigures = (
  region: RegionId,
  versions: string[],
  sinceMs: number,
) => Promise<Record<string, VersionStats> | undefined>;

export function versionFigures(config: Config, metricsUrl: string | undefined, timeoutMs: number): VersionFigures {
  return async (region, versions, sinceMs) => {
    if (config.analytics) {
      const { accountId, apiToken, dataset } = config.analytics;
      const body = await withinMs(timeoutMs, async (signal) => {
        const res = await fetch(`https://api.cloudflare.com/client/v4/accounts/${accountId}/analytics_engine/sql`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiToken}` },
          body: versionStatsSql(dataset, region, versions, sinceMs),
          signal,
        });
        if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}`);
        return (await res.json()) as { data?: Array<Record<string, unknown>> };
      });
      if (!Array.isArray(body.data)) throw new Error("Analytics Engine SQL API answered without data");
      const rows = body.data;
      return Object.fromEntries(versions.map((v) => [v, versionStatsFromSql(rows, v)]));
    }
    if (!metricsUrl) return undefined;
    const url = new URL("/versions", metricsUrl);
    url.searchParams.set("region", region);
    url.searchParams.set("since", String(sinceMs));
    for (const v of versions) url.searchParams.append("v", v);
    const body = await withinMs(timeoutMs, async (signal) => {
      const res = await fetch(url, { signal });
      if (!res.ok) throw new Error(`the metrics endpoint answered ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    });
    return Object.fromEntries(versions.map((v) => [v, VersionStats.parse(body[v])]));
  };
}
