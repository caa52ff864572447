import { EdgeError } from "./errors.js";

/**
 * Deadlines on outbound calls. A dependency that accepts a connection and never answers is the
 * commonest failure in production; every call on the webhook and reply paths therefore has a time
 * after which it has failed, like a refusal: retried with backoff, then dead-lettered and counted.
 */

/** A call ran past its deadline. */
export class DeadlineExceeded extends EdgeError {
  override readonly name = "DeadlineExceeded";
  readonly code = "deadline_exceeded";
  constructor(
    /** What was waited for: "redis", "kv", "inbox", "reply"… (never an id or a URL). */
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/** `work`, or DeadlineExceeded once `ms` have passed (the work itself is not stopped: give it a signal too). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  return Promise.race([work, expired]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

/**
 * Runs `call` with a signal that aborts it after `ms` (as AbortSignal.timeout would, with a
 * TimeoutError), and stops that timer once the call has settled: a deadline left pending after its
 * call keeps a Durable Object in memory, and billed for its duration, until it fires.
 */
export async function withinMs<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = deadlineSignal(ms);
  try {
    return await call(deadline.signal);
  } finally {
    deadline.stop();
  }
}

/**
 * A signal that aborts after `ms` with a TimeoutError (as AbortSignal.timeout's does), and the way to
 * stop its timer once the call it guards has settled (see withinMs).
 */
export function deadlineSignal(ms: number): { signal: AbortSignal; stop(): void } {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms);
  return { signal: abort.signal, stop: () => clearTimeout(timer) };
}

/** `target` (a KV binding, say) with every method that returns a promise held to `ms`. */
export function withDeadlines<T extends object>(target: T, ms: number, what: string): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        // Reflect.apply: a Durable Object stub's methods are RPC proxies, where `.apply` is a remote name.
        const result: unknown = Reflect.apply(value as (...a: unknown[]) => unknown, object, args);
        // (A Durable Object call answers with a thenable that is not a Promise.)
        return typeof (result as { then?: unknown } | null)?.then === "function"
          ? withDeadline(Promise.resolve(result), ms, what)
          : result;
      };
    },
  });
}
