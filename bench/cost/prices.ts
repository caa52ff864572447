/**
 * The list prices the cost benchmark uses: USD, pay as you go, above each plan's included amounts
 * (which matter below a few million messages a month, and are left out). Each price with the page it
 * was read from and the date it was read; docs/COSTS.md says how each unit is counted.
 */
export interface Price {
  /** USD per `per` units. */
  usd: number;
  per: number;
  unit: string;
  source: string;
  read: string;
}

const M = 1_000_000;
const CF_WORKERS = "https://developers.cloudflare.com/workers/platform/pricing/";
const CF_DO = "https://developers.cloudflare.com/durable-objects/platform/pricing/";
const READ = "2026-12-07";

export const PRICES = {
  workerRequests: { usd: 0.3, per: M, unit: "Worker requests", source: CF_WORKERS, read: READ },
  workerCpuMs: { usd: 0.02, per: M, unit: "Worker CPU ms", source: CF_WORKERS, read: READ },
  queueOps: {
    usd: 0.4,
    per: M,
    unit: "Queue operations (64 KB written, read or deleted)",
    source: "https://developers.cloudflare.com/queues/platform/pricing/",
    read: READ,
  },
  doRequests: { usd: 0.15, per: M, unit: "Durable Object requests (RPC, alarm)", source: CF_DO, read: READ },
  doGbSeconds: { usd: 12.5, per: M, unit: "Durable Object GB-s (128 MB per object)", source: CF_DO, read: READ },
  doRowsRead: { usd: 0.001, per: M, unit: "Durable Object SQLite rows read", source: CF_DO, read: READ },
  doRowsWritten: { usd: 1.0, per: M, unit: "Durable Object SQLite rows written", source: CF_DO, read: READ },
  kvReads: {
    usd: 0.5,
    per: M,
    unit: "Workers KV reads",
    source: "https://developers.cloudflare.com/kv/platform/pricing/",
    read: READ,
  },
  kvWrites: {
    usd: 5.0,
    per: M,
    unit: "Workers KV writes, deletes",
    source: "https://developers.cloudflare.com/kv/platform/pricing/",
    read: READ,
  },
  analyticsPoints: {
    usd: 0.25,
    per: M,
    unit: "Analytics Engine data points (list price; the page says billing has not started)",
    source: "https://developers.cloudflare.com/analytics/analytics-engine/pricing/",
    read: READ,
  },
  logGb: {
    usd: 0.25,
    per: 1,
    unit: "Workers Logs GB ingested (Cloudflare Observability, from 2026-12-01; storage $0.10 / GB-month not counted)",
    source: "https://developers.cloudflare.com/workers/observability/pricing/",
    read: READ,
  },
  logpushEvents: { usd: 0.05, per: M, unit: "Logpush trace events (Workers)", source: CF_WORKERS, read: READ },
  upstashCommands: {
    usd: 0.2,
    per: 100_000,
    unit: "Upstash Redis commands (pay as you go; a script is one, plus each redis.call in it)",
    source: "https://upstash.com/docs/redis/overall/billing (upstash/docs redis/overall/billing.mdx, 2026-06-18)",
    read: READ,
  },
} as const satisfies Record<string, Price>;

export type PricedUnit = keyof typeof PRICES;

/** Dollars per million messages for `perMessage` units of `unit`. */
export const perMillion = (unit: PricedUnit, perMessage: number): number =>
  (perMessage * PRICES[unit].usd * 1_000_000) / PRICES[unit].per;

/**
 * The average size of a Workers log event, as Cloudflare's Observability pricing page gives it (4.84
 * KB), by which its per-GB price is turned into a price per event.
 */
export const LOG_EVENT_KB = 4.84;

/** A Durable Object is billed for 128 MB while it is active, whatever it uses. */
export const DO_GB = 0.128;
