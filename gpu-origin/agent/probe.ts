/**
 * Readiness: a real chat completion through vLLM, at start and every probe interval. vLLM's /health
 * only says the process is up: it answers while the engine is still loading in some releases, and
 * stays green while requests fail in others; the pool's load balancer and auto-healing must see
 * what a user would.
 */

/** The probe's request: tiny, low reasoning effort, not streamed. */
export function probeRequestBody(model: string, maxTokens: number) {
  return {
    model,
    messages: [{ role: "user", content: "Reply with the word ready." }],
    max_tokens: maxTokens,
    reasoning_effort: "low",
    stream: false,
  };
}

/**
 * Whether vLLM's answer is a completion: 200 and a first choice that finished, for any reason
 * ("length" included: a model that ran out of max_tokens still generated them).
 */
export function isCompletion(status: number, body: unknown): boolean {
  if (status !== 200 || typeof body !== "object" || body === null) return false;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  const finish = (choices[0] as { finish_reason?: unknown } | null)?.finish_reason;
  return typeof finish === "string" && finish !== "";
}

export interface ProbeOptions {
  vllmUrl: URL;
  apiKey: string | undefined;
  model: string;
  maxTokens: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type ProbeResult = { ok: true; ms: number } | { ok: false; ms: number; failure: string };

/** One probe. Never throws; the failure says what kind (an HTTP status, "timeout", "network"), no content. */
export async function probeVllm(options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await (options.fetch ?? fetch)(new URL("/v1/chat/completions", options.vllmUrl), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(probeRequestBody(options.model, options.maxTokens)),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (isCompletion(response.status, body)) return { ok: true, ms: ms() };
    return { ok: false, ms: ms(), failure: response.status === 200 ? "no_completion" : `http_${response.status}` };
  } catch (error) {
    const name = (error as { name?: string }).name;
    return { ok: false, ms: ms(), failure: name === "TimeoutError" ? "timeout" : "network" };
  }
}

export type ReadinessState = "booting" | "probe_failed" | "stale" | "ready";

/**
 * Ready = the last probe succeeded, and not longer ago than `freshForMs` (a probe interval plus a
 * probe's timeout: a probe that hangs past its due time makes the server unready). Before the first
 * success the server is booting.
 */
export class Readiness {
  private readonly freshForMs: number;
  private lastOk = false;
  private lastSuccessAt: number | undefined;

  constructor(freshForMs: number) {
    this.freshForMs = freshForMs;
  }

  record(ok: boolean, now: number): void {
    this.lastOk = ok;
    if (ok) this.lastSuccessAt = now;
  }

  state(now: number): ReadinessState {
    if (this.lastSuccessAt === undefined) return "booting";
    if (!this.lastOk) return "probe_failed";
    if (now - this.lastSuccessAt > this.freshForMs) return "stale";
    return "ready";
  }

  isReady(now: number): boolean {
    return this.state(now) === "ready";
  }
}
