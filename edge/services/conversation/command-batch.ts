import type { Redis } from "@upstash/redis/cloudflare";
import { isNoScript, runScript, type LuaScript } from "./lua.js";

type Pipeline = ReturnType<Redis["pipeline"]>;

/**
 * Collects commands into one Upstash pipeline, so reads of different concerns (the rate limit, the
 * history) cost one round trip. A script added after the flush goes straight to Redis; a command
 * added then would never be sent, and is refused.
 */
export class CommandBatch {
  private readonly pipeline: Pipeline;
  private readonly waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private flushed = false;

  constructor(private readonly redis: Pick<Redis, "pipeline" | "evalsha" | "eval">) {
    this.pipeline = redis.pipeline();
  }

  add<T>(queue: (p: Pipeline) => unknown): Promise<T> {
    if (this.flushed) throw new Error("the batch was already sent");
    queue(this.pipeline);
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Runs a script by its digest in the batch; a database that does not know it yet gets its text, at once. */
  script<T>(script: LuaScript, keys: string[], args: Array<string | number>): Promise<T> {
    if (this.flushed) return runScript<T>(this.redis, script, keys, args);
    return this.add<T>((p) => p.evalsha(script.sha1, keys, args)).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return this.redis.eval<Array<string | number>, T>(script.text, keys, args);
    });
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
