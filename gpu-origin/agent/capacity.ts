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
  /** Requests the edge holds for this server (HeldAtEdge.estimate). */
  heldAtEdge: number;
  maxNumSeqs: number;
}

/**
 * Queue load = (running + waiting + held at the edge) / max-num-seqs. 1 is a full batch; above 1 is
 * a queue. Unbounded above on purpose: a burst then asks for enough servers in one autoscaler
 * decision, where a value capped at the admission's limit would ask for them one period at a time.
 */
export function queueLoad(input: QueueLoadInput): number {
  return (input.running + input.waiting + input.heldAtEdge) / input.maxNumSeqs;
}

/**
 * What the edge holds for this server, from the requests its admission refused as full: each held
 * chat asks again every few seconds (3, or 10 once told, or the Retry-After), first here, at its own
 * key of the pool's hash (x-chat-affinity), then at salted keys (`<key>.<salt>`) on other servers.
 * So the chats refused at their own key within the window, counted once each, are this server's held
 * chats, however often and wherever else they asked. A refusal without a key (a client that sends
 * none) is counted as a request coming back once per Retry-After. The keys are the edge's keyed
 * digests, kept in memory for the window only.
 */
export class HeldAtEdge {
  readonly windowMs: number;
  private readonly chats = new Map<string, number>();
  private readonly anonymous: number[] = [];
  private head = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  record(now: number, affinity: string | undefined): void {
    if (affinity === undefined || affinity === "") this.anonymous.push(now);
    // A salted key is a chat asking away from its own server: that server counts it.
    else if (!affinity.includes(".")) {
      this.chats.delete(affinity);
      this.chats.set(affinity, now);
    }
    this.prune(now);
  }

  estimate(now: number, retryAfterSeconds: number): number {
    this.prune(now);
    const anonymous = this.anonymous.length - this.head;
    return this.chats.size + (anonymous * retryAfterSeconds * 1000) / this.windowMs;
  }

  private prune(now: number): void {
    const since = now - this.windowMs;
    // The map keeps insertion order, and a chat's refusal moves it to the end: the oldest come first.
    for (const [key, at] of this.chats) {
      if (at > since) break;
      this.chats.delete(key);
    }
    while (this.head < this.anonymous.length && this.anonymous[this.head]! <= since) this.head++;
    // Compact now and then, so the array does not grow with every refusal ever made.
    if (this.head > 1024 && this.head * 2 > this.anonymous.length) {
      this.anonymous.splice(0, this.head);
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
