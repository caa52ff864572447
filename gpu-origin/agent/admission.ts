import type { HeldAtEdge } from "#agent/capacity";

/** Why a request was not let through. */
export type Refusal = "full" | "not_ready" | "draining";

export type AdmitResult = { admitted: true; release: () => void } | { admitted: false; reason: Refusal };

export interface AdmissionOptions {
  /** vLLM's --max-num-seqs. */
  maxNumSeqs: number;
  /** Requests let through beyond a full batch, to wait in vLLM's own queue. */
  maxWaiting: number;
  /** Where "full" refusals are counted, by chat, for the queue-load estimate. */
  held: HeldAtEdge;
  now?: () => number;
}

/**
 * The admission in front of vLLM: an exact count of the requests in flight (the agent is their
 * proxy), at most `maxNumSeqs + maxWaiting` of them, nothing while not ready or once draining.
 * A refusal is immediate: the edge holds the message and comes back after Retry-After, or tries
 * another server of the pool, which is better than a queue here it cannot see.
 */
export class AdmissionGate {
  readonly capacity: number;
  inFlight = 0;
  admittedTotal = 0;
  readonly refusedTotal: Record<Refusal, number> = { full: 0, not_ready: 0, draining: 0 };
  private drainingSince: number | undefined;
  private readonly held: HeldAtEdge;
  private readonly now: () => number;
  private idleWaiters: Array<() => void> = [];

  constructor(options: AdmissionOptions) {
    this.capacity = options.maxNumSeqs + options.maxWaiting;
    this.held = options.held;
    this.now = options.now ?? Date.now;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /**
   * Lets one request in (its `release` ends it, once; later calls do nothing), or says why not.
   * `affinity` is the request's x-chat-affinity (the chat's key in the pool's hash, if it sent one).
   */
  tryAdmit(ready: boolean, affinity?: string): AdmitResult {
    const refuse = (reason: Refusal): AdmitResult => {
      this.refusedTotal[reason]++;
      if (reason === "full") this.held.record(this.now(), affinity);
      return { admitted: false, reason };
    };
    if (this.draining) return refuse("draining");
    if (!ready) return refuse("not_ready");
    if (this.inFlight >= this.capacity) return refuse("full");
    this.inFlight++;
    this.admittedTotal++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      },
    };
  }

  /** From now on, nothing new is let through; what is in flight goes on. */
  startDrain(): void {
    this.drainingSince ??= this.now();
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs` with requests still in flight. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(wake);
    });
  }
}
