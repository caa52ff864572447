import { unstable_readConfig } from "wrangler";

/** The config file every tool reads: wrangler itself, the tests, the bench and deploy:check. */
export const WRANGLER_CONFIG = "wrangler.jsonc";

/** The parts of a resolved wrangler config the tools here read. */
export interface ResolvedConfig {
  name: string | undefined;
  main: string | undefined;
  compatibility_date: string | undefined;
  compatibility_flags: string[];
  keep_names: boolean | undefined;
  workers_dev: boolean | undefined;
  logpush: boolean | undefined;
  observability:
    | {
        enabled?: boolean;
        redact_query_string?: boolean;
        head_sampling_rate?: number;
        logs?: { enabled?: boolean; invocation_logs?: boolean; head_sampling_rate?: number };
      }
    | undefined;
  vars: Record<string, unknown>;
  kv_namespaces: Array<{ binding: string; id?: string }>;
  queues: {
    producers?: Array<{ binding: string; queue: string }>;
    consumers?: Array<{
      queue: string;
      max_batch_size?: number;
      max_batch_timeout?: number;
      max_retries?: number;
      dead_letter_queue?: string;
      retry_delay?: number;
    }>;
  };
  durable_objects: { bindings: Array<{ name: string; class_name: string }> };
  migrations: Array<{
    tag: string;
    new_sqlite_classes?: string[];
    renamed_classes?: Array<{ from: string; to: string }>;
  }>;
  analytics_engine_datasets: Array<{ binding: string; dataset?: string }>;
  ratelimits: Array<{ name: string; namespace_id: string; simple: { limit: number; period?: 10 | 60 } }>;
  secrets: { required?: string[] } | undefined;
}

/** wrangler.jsonc as wrangler resolves it for `env` (undefined: the top level, i.e. the local stack). */
export function wranglerConfig(env?: string, path = WRANGLER_CONFIG): ResolvedConfig {
  return unstable_readConfig({ config: path, ...(env ? { env } : {}) }, { hideWarnings: true }) as ResolvedConfig;
}

export interface QueueConsumerOptions {
  maxBatchSize?: number;
  maxBatchTimeout?: number;
  maxRetries?: number;
  deadLetterQueue?: string;
  retryDelay?: number;
}

/**
 * The Worker's bindings as wrangler.jsonc declares them (read by wrangler's own config reader), in the
 * shape the Miniflare API takes, so the tests and the benchmark run the built Worker with exactly the
 * configuration that is deployed.
 */
export function workerBindings() {
  const config = wranglerConfig();
  const queueProducers = Object.fromEntries(
    (config.queues.producers ?? []).map((p) => [p.binding, { queueName: p.queue }]),
  );
  const queueConsumers: Record<string, QueueConsumerOptions> = Object.fromEntries(
    (config.queues.consumers ?? []).map((c) => [
      c.queue,
      {
        ...(c.max_batch_size !== undefined ? { maxBatchSize: c.max_batch_size } : {}),
        ...(c.max_batch_timeout !== undefined ? { maxBatchTimeout: c.max_batch_timeout } : {}),
        ...(c.max_retries !== undefined ? { maxRetries: c.max_retries } : {}),
        ...(c.dead_letter_queue !== undefined ? { deadLetterQueue: c.dead_letter_queue } : {}),
        ...(c.retry_delay !== undefined ? { retryDelay: c.retry_delay } : {}),
      },
    ]),
  );
  // Classes created with SQLite storage (as deployed) get it locally too: the synchronous storage API
  // exists only there. A renamed class keeps the storage backend it was created with.
  const sqlite = new Set<string>();
  for (const m of config.migrations) {
    for (const name of m.new_sqlite_classes ?? []) sqlite.add(name);
    for (const { from, to } of m.renamed_classes ?? []) if (sqlite.delete(from)) sqlite.add(to);
  }
  const durableObjects = Object.fromEntries(
    config.durable_objects.bindings.map((b) => [
      b.name,
      { className: b.class_name, useSQLite: sqlite.has(b.class_name) },
    ]),
  );
  return {
    kvNamespaces: config.kv_namespaces.map((k) => k.binding),
    durableObjects,
    compatibilityDate: config.compatibility_date ?? "",
    compatibilityFlags: config.compatibility_flags,
    vars: Object.fromEntries(Object.entries(config.vars).map(([k, v]) => [k, String(v)])),
    queueProducers,
    queueConsumers,
    ratelimits: Object.fromEntries(
      config.ratelimits.map((r) => [r.name, { namespace_id: r.namespace_id, simple: r.simple }]),
    ),
  };
}
