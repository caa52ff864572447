import type { Redis } from "@upstash/redis/cloudflare";

type Pipeline = ReturnType<Redis["pipeline"]>;

/**
 * Collects commands into one Upstash pipeline, so reads of different concerns (the rate limiter's
 * script, the history) cost one round trip. Commands added after the flush go straight to Redis.
 *
 * `scriptPort` is what @upstash/ratelimit is given as its Redis: the limiter calls only `evalsha`, and
 * `eval` when the database answers NOSCRIPT (checked by test/unit/services/command-batch.test.ts,
 * so a limiter release that calls anything else fails there, not in production).
 */
export class CommandBatch {
  private readonly pipeline: Pipeline;
  private readonly waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private flushed = false;
  private onScript!: () => void;
  /** Resolves when the first script command was queued. */
  readonly scriptQueued = new Promise<void>((r) => (this.onScript = r));

  readonly scriptPort = {
    evalsha: (sha: string, keys: string[], args: unknown[]) => {
      this.onScript();
      return this.flushed ? this.redis.evalsha(sha, keys, args) : this.add((p) => p.evalsha(sha, keys, args));
    },
    eval: (script: string, keys: string[], args: unknown[]) => {
      this.onScript();
      return this.flushed ? this.redis.eval(script, keys, args) : this.add((p) => p.eval(script, keys, args));
    },
  };

  constructor(private readonly redis: Pick<Redis, "pipeline" | "evalsha" | "eval">) {
    this.pipeline = redis.pipeline();
  }

  add<T>(queue: (p: Pipeline) => unknown): Promise<T> {
    queue(this.pipeline);
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Sends what was added, in one request; each command's promise settles with its own result or error. */
  flush(): void {
    this.flushed = true;
    if (this.waiting.length === 0) return;
    this.pipeline.exec<unknown[]>({ keepErrors: true }).then(
      (results) =>
        results.forEach((r, i) => {
          const w = this.waiting[i]!;
          if (r.error) w.reject(new Error(String(r.error)));
          else w.resolve(r.result);
        }),
      (err: Error) => this.waiting.forEach((w) => w.reject(err)),
    );
  }
}
