import type { VllmLoad } from "#agent/prometheus";

/**
 * The per-server signals the pool's autoscaler reads (custom metrics on the `gce_instance` resource,
 * GAUGE, DOUBLE; targets in infra/regions.json's `pool.target`).
 */
export const QUEUE_LOAD_METRIC = "custom.googleapis.com/gpu_origin/queue_load";
export const KV_CACHE_USAGE_METRIC = "custom.googleapis.com/gpu_origin/kv_cache_usage";

export interface QueueLoadInput {
  /** vLLM's running requests (mean over the period). */
  running: number;
  /** vLLM's waiting requests (mean over the period). */
  waiting: number;
  /** Requests the admission refused (429) within the window. */
  refusedInWindow: number;
  retryAfterSeconds: number;
  windowSeconds: number;
  maxNumSeqs: number;
}

/**
 * The demand held at the edge for this server: each held message comes back once per Retry-After, so
 * a window of W seconds sees each one W / Retry-After times; refused × Retry-After / W counts them.
 */
export function refusedEstimate(
  input: Pick<QueueLoadInput, "refusedInWindow" | "retryAfterSeconds" | "windowSeconds">,
) {
  return (input.refusedInWindow * input.retryAfterSeconds) / input.windowSeconds;
}

/**
 * Queue load = (running + waiting + refused estimate) / max-num-seqs. 1 is a full batch; above 1 is
 * a queue. Unbounded above on purpose: a burst then asks for enough servers in one autoscaler
 * decision, where a value capped at the admission's limit would ask for them one period at a time.
 */
export function queueLoad(input: QueueLoadInput): number {
  return (input.running + input.waiting + refusedEstimate(input)) / input.maxNumSeqs;
}

/** Refusals within the last `windowMs` (exact: their times, dropped as they age out). */
export class RefusalWindow {
  readonly windowMs: number;
  private readonly times: number[] = [];
  private head = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  record(now: number): void {
    this.times.push(now);
    this.prune(now);
  }

  count(now: number): number {
    this.prune(now);
    return this.times.length - this.head;
  }

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.head++;
    // Compact now and then, so the array does not grow with every refusal ever made.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** The mean of vLLM's load over the reads of one publishing period. */
export class LoadAverager {
  private sum: VllmLoad = { running: 0, waiting: 0, kvCacheUsage: 0 };
  private reads = 0;

  add(load: VllmLoad): void {
    this.sum = {
      running: this.sum.running + load.running,
      waiting: this.sum.waiting + load.waiting,
      kvCacheUsage: this.sum.kvCacheUsage + load.kvCacheUsage,
    };
    this.reads++;
  }

  /** The period's mean, and a new period; undefined when no read succeeded in it. */
  take(): VllmLoad | undefined {
    if (this.reads === 0) return undefined;
    const n = this.reads;
    const mean = {
      running: this.sum.running / n,
      waiting: this.sum.waiting / n,
      kvCacheUsage: this.sum.kvCacheUsage / n,
    };
    this.sum = { running: 0, waiting: 0, kvCacheUsage: 0 };
    this.reads = 0;
    return mean;
  }
}
