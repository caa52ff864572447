import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

/**
 * The Worker's bindings as wrangler.toml declares them, in the shape the Miniflare API takes, so the
 * tests and the benchmark run the built Worker with exactly the configuration that is deployed.
 */
interface WranglerToml {
  compatibility_date: string;
  compatibility_flags?: string[];
  vars?: Record<string, string>;
  durable_objects?: { bindings?: Array<{ name: string; class_name: string }> };
  migrations?: Array<{ tag: string; new_sqlite_classes?: string[]; new_classes?: string[] }>;
  kv_namespaces?: Array<{ binding: string; id: string }>;
  queues?: {
    producers?: Array<{ queue: string; binding: string }>;
    consumers?: Array<{ queue: string; max_batch_size?: number; max_batch_timeout?: number; max_retries?: number; dead_letter_queue?: string; retry_delay?: number }>;
  };
}

export interface QueueConsumerOptions {
  maxBatchSize?: number;
  maxBatchTimeout?: number;
  maxRetries?: number;
  deadLetterQueue?: string;
  retryDelay?: number;
}

export function workerBindings(path = "wrangler.toml") {
  const toml = parse(readFileSync(path, "utf8")) as unknown as WranglerToml;
  const queueProducers = Object.fromEntries((toml.queues?.producers ?? []).map((p) => [p.binding, { queueName: p.queue }]));
  const queueConsumers: Record<string, QueueConsumerOptions> = Object.fromEntries(
    (toml.queues?.consumers ?? []).map((c) => [
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
  // exists only there.
  const sqlite = new Set((toml.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const durableObjects = Object.fromEntries(
    (toml.durable_objects?.bindings ?? []).map((b) => [b.name, { className: b.class_name, useSQLite: sqlite.has(b.class_name) }]),
  );
  return {
    kvNamespaces: (toml.kv_namespaces ?? []).map((k) => k.binding),
    durableObjects,
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
    vars: toml.vars ?? {},
    queueProducers,
    queueConsumers,
  };
}

/** wrangler.toml without its `[secrets] required` lists. */
export function localConfig(toml: string): string {
  return toml.replace(/^\[(?:env\.[\w-]+\.)?secrets\]\nrequired = \[[^\]]*\]\n/gm, "");
}
