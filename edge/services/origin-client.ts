import type { ChatMessage, ToolCall } from "../core/prompt.js";
import { EventStreamReader } from "../core/event-stream.js";
import { OutputBlocked, UpstreamModelError } from "../errors.js";
import type { RegionId } from "../core/region-policy.js";
import { log } from "../log.js";

export interface Completion {
  /** What the user sees: the model's final answer, never its reasoning. */
  text: string;
  /** The region whose model answered (the user's own, or a fallback regions.json allows). */
  region?: RegionId;
  usage: { promptTokens: number; completionTokens: number } | undefined;
  /** Time from the request to the first token (reasoning or content), in ms. */
  firstTokenMs: number | undefined;
  /** Tools the model asked to call instead of (or before) answering. */
  toolCalls?: ToolCall[];
}

/** OpenAI function tools offered to the model; `choice: "none"` asks for a final answer. */
export interface ToolOffer {
  definitions: Array<{
    type: "function";
    function: { name: string; description: string; parameters: Record<string, unknown> };
  }>;
  choice?: "auto" | "none";
}

/** How one completion is asked for. */
export interface CompleteOptions {
  /** Sees each piece of the answer as it arrives. */
  onText?: (piece: string) => void;
  tools?: ToolOffer;
  /**
   * Aborting it cancels the call: the stream is closed (vLLM stops generating for a request whose
   * client went away) and the call rejects with the signal's reason, not as the origin's failure.
   */
  signal?: AbortSignal;
  /**
   * Which conversation asks (a keyed pseudonym of the chat, never its key): among equally healthy
   * origins, a conversation keeps going to the same one, whose prefix cache holds its earlier prompts
   * (vLLM reuses the KV cache of a seen prefix). It is also sent as the `x-chat-affinity` header, on
   * which a pool's load balancer hashes to keep the chat on one server.
   */
  affinity?: string;
}

/** A region's model, as the pipeline needs it. */
export interface ModelClient {
  /** Streams a completion. */
  complete(messages: ChatMessage[], options?: CompleteOptions): Promise<Completion>;
}

export interface LlmOptions {
  region: RegionId;
  /** Short name of the origin, for breakers, logs and /healthz (never its URL). */
  origin?: string;
  originUrl: string;
  apiKey: string;
  model: string;
  reasoningEffort: "low" | "medium" | "high";
  maxOutputTokens: number;
  /** The origin must start answering (reasoning counts) within this many ms. */
  firstTokenTimeoutMs: number;
  /** The whole answer must be in within this many ms. */
  timeoutMs: number;
}

/**
 * vLLM's delta for gpt-oss: the harmony "analysis" channel arrives as `reasoning` (vLLM ≥ 0.10.2) or
 * `reasoning_content` (earlier), the "final" channel as `content`. Only `content` reaches users.
 */
interface VllmDelta {
  content?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
  /** Streamed calls: id and name in a call's first fragment, then pieces of its arguments. */
  tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> | null;
}

/** One streamed chunk of an OpenAI-compatible chat completion, as far as it is read here. */
interface ChatCompletionChunk {
  object?: string;
  choices?: Array<{ delta: VllmDelta; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** vLLM reports a failure after the stream began as an event of its own. */
  error?: unknown;
}

/**
 * One origin: a streamed completion with first-token and total timeouts. The request is a plain
 * fetch of vLLM's OpenAI-compatible `/v1/chat/completions` (the OpenAI SDK cost 147 KiB of bundle and
 * its request building CPU on every message, for this one call); the event stream is read here.
 * Never retried here: a retry after tokens were shown would repeat them (the caller decides).
 */
export function originClient(options: LlmOptions): ModelClient {
  const url = `${options.originUrl.replace(/\/+$/, "")}/v1/chat/completions`;
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    "content-type": "application/json",
    accept: "text/event-stream",
    // The GPU server's agent gzips the stream for it, event by event (AGENT_COMPRESS_STREAMS): a tenth
    // of the egress Google bills; the runtime decodes it as it streams.
    "accept-encoding": "gzip",
  };
  return {
    async complete(messages, { onText, tools, signal, affinity } = {}) {
      signal?.throwIfAborted();
      const deadlines = new Deadlines(options.firstTokenTimeoutMs, options.timeoutMs, signal);
      const answer = new Answer(options.region, onText, () => deadlines.firstTokenArrived());
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      let responded = false;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: affinity ? { ...headers, [AFFINITY_HEADER]: affinity } : headers,
          body: JSON.stringify(requestBody(options, messages, tools)),
          signal: deadlines.signal,
        });
        responded = true;
        if (!response.ok) {
          void response.body?.cancel().catch(() => undefined);
          // 429: the server (its admission in front of vLLM) is saturated and says when to come back.
          // 503 with Retry-After: the server is not ready yet, or is leaving (its agent says so, the
          // load balancer not having noticed): this server cannot, another of the pool can. Both are
          // capacity, not an outage. (A 503 without Retry-After, such as a load balancer's with no
          // server left, is an outage.)
          const retryAfterSeconds = retryAfter(response.headers.get("retry-after"));
          if (response.status === 429 || (response.status === 503 && retryAfterSeconds !== undefined)) {
            throw new UpstreamModelError("busy", options.region, `HTTP ${response.status}`, { retryAfterSeconds });
          }
          // 400/422: this request is at fault (too long a prompt…), not the origin. Anything else: the origin is.
          const failure = response.status === 400 || response.status === 422 ? "rejected" : "unavailable";
          throw new UpstreamModelError(failure, options.region, `HTTP ${response.status}`);
        }
        if (!response.body) throw new UpstreamModelError("bad_response", options.region, "no body");
        const body = response.body.getReader();
        reader = body;
        deadlines.signal.addEventListener("abort", () => void body.cancel().catch(() => undefined));
        await answer.read(body);
        reader = undefined;
        // A cancellation that ended the stream early is not an unfinished answer.
        if (signal?.aborted && !answer.finished) throw signal.reason;
      } catch (err) {
        // Cancelled by the caller: not the origin's failure (no breaker counts it, no fallback is asked).
        if (signal?.aborted) {
          log.info("model.cancelled", { region: options.region, tokensDiscarded: answer.tokens });
          throw signal.reason;
        }
        // The filter's verdict is not the origin's fault; a bad event is already told as one.
        if (err instanceof OutputBlocked || err instanceof UpstreamModelError) throw err;
        throw toModelError(err, options.region, deadlines.expired, responded, answer.streamed);
      } finally {
        deadlines.clear();
        // Left early (the content filter stopped the answer, a bad chunk): let the origin stop too.
        if (reader) void reader.cancel().catch(() => undefined);
      }
      return answer.completion(deadlines.expired);
    },
  };
}

/** The header a pool's load balancer hashes on (consistent hashing: terraform/modules/gpu-origin). */
export const AFFINITY_HEADER = "x-chat-affinity";

/** Retry-After in seconds (RFC 9110: a number of seconds, or a date); undefined when absent or unreadable. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function requestBody(options: LlmOptions, messages: ChatMessage[], tools: ToolOffer | undefined): object {
  return {
    model: options.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    reasoning_effort: options.reasoningEffort,
    max_completion_tokens: options.maxOutputTokens,
    ...(tools?.definitions.length ? { tools: tools.definitions, tool_choice: tools.choice ?? "auto" } : {}),
  };
}

/** The first-token and whole-answer deadlines of one call: either aborts it, as does the caller's signal. */
class Deadlines {
  private readonly abort = new AbortController();
  readonly signal: AbortSignal;
  /** Which deadline passed, if one did. */
  expired: "first token" | "whole answer" | undefined;
  private readonly firstToken: ReturnType<typeof setTimeout>;
  private readonly total: ReturnType<typeof setTimeout>;

  constructor(firstTokenMs: number, totalMs: number, caller: AbortSignal | undefined) {
    this.signal = caller ? AbortSignal.any([this.abort.signal, caller]) : this.abort.signal;
    this.firstToken = setTimeout(() => this.expire("first token"), firstTokenMs);
    this.total = setTimeout(() => this.expire("whole answer"), totalMs);
  }

  firstTokenArrived(): void {
    clearTimeout(this.firstToken);
  }

  clear(): void {
    clearTimeout(this.firstToken);
    clearTimeout(this.total);
  }

  private expire(which: "first token" | "whole answer"): void {
    this.expired = which;
    this.abort.abort();
  }
}

/** An answer as its stream arrives: the text users see (content only), tool calls, usage, timing. */
class Answer {
  private readonly started = Date.now();
  private text = "";
  private firstTokenMs: number | undefined;
  private usage: Completion["usage"];
  finished = false;
  /** Tokens received so far (reasoning, answer and tool calls): what a cancellation throws away. */
  tokens = 0;
  private readonly calls: ToolCall[] = [];

  constructor(
    private readonly region: RegionId,
    private readonly onText: ((piece: string) => void) | undefined,
    private readonly onFirstToken: () => void,
  ) {}

  /** Part of the answer has been handed on. */
  get streamed(): boolean {
    return this.text.length > 0;
  }

  async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const events = new EventStreamReader();
    for (;;) {
      const read = await reader.read();
      for (const event of read.done ? events.end() : events.push(read.value)) {
        if (event.data !== "[DONE]") this.take(parseChunk(event.data, this.region, this.streamed));
      }
      if (read.done) return;
    }
  }

  /** The whole answer; a stream that ended before the model finished is a failure. */
  completion(expired: string | undefined): Completion {
    if (!this.finished) {
      // A deadline cancels the body, which then ends early: a deadline passed mid-answer is a timeout.
      const options = { streamed: this.streamed };
      if (expired) throw new UpstreamModelError("timeout", this.region, `no ${expired} in time`, options);
      throw new UpstreamModelError("bad_response", this.region, "stream ended before the answer finished", options);
    }
    const toolCalls = this.calls.filter((c) => c.name);
    return {
      text: this.text.trim(),
      usage: this.usage,
      firstTokenMs: this.firstTokenMs,
      region: this.region,
      ...(toolCalls.length ? { toolCalls } : {}),
    };
  }

  private take(chunk: ChatCompletionChunk): void {
    if (chunk.usage) {
      this.usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta;
    const piece = delta.content ?? "";
    if (piece || delta.reasoning || delta.reasoning_content || delta.tool_calls?.length) {
      this.tokens += 1;
      this.tokenSeen();
    }
    if (piece) {
      this.text += piece;
      this.onText?.(piece);
    }
    for (const tc of delta.tool_calls ?? []) {
      const call = (this.calls[tc.index] ??= { id: "", name: "", arguments: "" });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name += tc.function.name;
      if (tc.function?.arguments) call.arguments += tc.function.arguments;
    }
    if (choice.finish_reason) this.finished = true;
  }

  private tokenSeen(): void {
    if (this.firstTokenMs !== undefined) return;
    this.firstTokenMs = Date.now() - this.started;
    this.onFirstToken();
  }
}

/**
 * One chunk of the stream. vLLM reports a failure after the stream began as an event of its own:
 * `{"error": {…}}`, or `{"object": "error", …}` from older releases.
 */
function parseChunk(data: string, region: RegionId, streamed: boolean): ChatCompletionChunk {
  let chunk: ChatCompletionChunk | undefined;
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    throw new UpstreamModelError("bad_response", region, "a stream event is not JSON", { streamed });
  }
  if (!chunk || typeof chunk !== "object")
    throw new UpstreamModelError("bad_response", region, "a stream event is not an object", { streamed });
  if (chunk.error || chunk.object === "error")
    throw new UpstreamModelError("bad_response", region, "the origin reported an error mid-stream", { streamed });
  return chunk;
}

function toModelError(
  err: unknown,
  region: RegionId,
  timedOut: string | undefined,
  responded: boolean,
  streamed: boolean,
): UpstreamModelError {
  const opts = { cause: err, streamed };
  if (timedOut) return new UpstreamModelError("timeout", region, `no ${timedOut} in time`, opts);
  // No answer at all (refused, reset, unreachable): the origin is unavailable. A stream that broke
  // after the origin answered: a bad response.
  if (!responded) return new UpstreamModelError("unavailable", region, "connection failed", opts);
  return new UpstreamModelError("bad_response", region, err instanceof Error ? err.name : "unknown", opts);
}
