import OpenAI from "openai";
import type { ChatMessage, ToolCall } from "../core/prompt.js";
import { EventStreamReader } from "../core/event-stream.js";
import { OutputBlocked, UpstreamModelError } from "../errors.js";

export interface Completion {
  /** What the user sees: the model's final answer, never its reasoning. */
  text: string;
  /** The region whose model answered (the user's own, or a fallback regions.json allows). */
  region?: string;
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

/** A region's model, as the pipeline needs it. */
export interface LlmClient {
  /** Streams a completion; `onText` sees each piece of the answer as it arrives. */
  complete(messages: ChatMessage[], onText?: (piece: string) => void, tools?: ToolOffer): Promise<Completion>;
}

export interface LlmOptions {
  region: string;
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

const sdkClients = new Map<string, OpenAI>();

/** One origin: a streamed completion with first-token and total timeouts. */
export function createOriginClient(options: LlmOptions): LlmClient {
  const key = `${options.originUrl}\n${options.apiKey}`;
  let client = sdkClients.get(key);
  if (!client) {
    client = new OpenAI({
      baseURL: `${options.originUrl.replace(/\/+$/, "")}/v1`,
      apiKey: options.apiKey,
      // Retrying is the caller's decision (a retry after tokens were shown would repeat them).
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
    sdkClients.set(key, client);
  }
  const sdk = client;

  return {
    async complete(messages, onText, tools) {
      const started = Date.now();
      const calls: Array<{ id: string; name: string; arguments: string }> = [];
      const abort = new AbortController();
      let timedOut: "first token" | "whole answer" | undefined;
      const firstTokenTimer = setTimeout(() => {
        timedOut = "first token";
        abort.abort();
      }, options.firstTokenTimeoutMs);
      const totalTimer = setTimeout(() => {
        timedOut = "whole answer";
        abort.abort();
      }, options.timeoutMs);

      let text = "";
      let firstTokenMs: number | undefined;
      let usage: Completion["usage"];
      let finished = false;
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      try {
        // The SDK sends the request (auth, deadline, status errors); the body is read here: the SDK's
        // own event-stream parser costs about four times as much CPU per token (npm run bench).
        const response = await sdk.chat.completions
          .create(
            {
              model: options.model,
              messages,
              stream: true,
              stream_options: { include_usage: true },
              reasoning_effort: options.reasoningEffort,
              max_completion_tokens: options.maxOutputTokens,
              ...(tools?.definitions.length ? { tools: tools.definitions, tool_choice: tools.choice ?? "auto" } : {}),
            } as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
            { signal: abort.signal },
          )
          .asResponse();
        if (!response.body) throw new UpstreamModelError("bad_response", options.region, "no body");
        reader = response.body.getReader();
        const stopReading = () => void reader?.cancel().catch(() => undefined);
        abort.signal.addEventListener("abort", stopReading);
        const events = new EventStreamReader();
        const take = (chunk: OpenAI.Chat.ChatCompletionChunk) => {
          if (chunk.usage)
            usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
          const choice = chunk.choices?.[0];
          if (!choice) return;
          const delta = choice.delta as VllmDelta;
          const piece = delta.content ?? "";
          if (firstTokenMs === undefined && (piece || delta.reasoning || delta.reasoning_content)) {
            firstTokenMs = Date.now() - started;
            clearTimeout(firstTokenTimer);
          }
          if (piece) {
            text += piece;
            onText?.(piece);
          }
          for (const tc of delta.tool_calls ?? []) {
            const call = (calls[tc.index] ??= { id: "", name: "", arguments: "" });
            if (tc.id) call.id = tc.id;
            if (tc.function?.name) call.name += tc.function.name;
            if (tc.function?.arguments) call.arguments += tc.function.arguments;
            if (firstTokenMs === undefined) {
              firstTokenMs = Date.now() - started;
              clearTimeout(firstTokenTimer);
            }
          }
          if (choice.finish_reason) finished = true;
        };
        for (;;) {
          const read = await reader.read();
          for (const event of read.done ? events.end() : events.push(read.value)) {
            if (event.data !== "[DONE]") take(parseChunk(event.data, options.region, text.length > 0));
          }
          if (read.done) break;
        }
        reader = undefined;
      } catch (err) {
        // The filter's verdict is not the origin's fault; a bad event is already told as one.
        if (err instanceof OutputBlocked || err instanceof UpstreamModelError) throw err;
        throw toModelError(err, options.region, timedOut, text.length > 0);
      } finally {
        clearTimeout(firstTokenTimer);
        clearTimeout(totalTimer);
        // Left early (the content filter stopped the answer, a bad chunk): let the origin stop too.
        if (reader) void reader.cancel().catch(() => undefined);
      }
      if (!finished) {
        // A deadline cancels the body, which then ends early: a deadline passed mid-answer is a timeout.
        if (timedOut)
          throw new UpstreamModelError("timeout", options.region, `no ${timedOut} in time`, {
            streamed: text.length > 0,
          });
        throw new UpstreamModelError("bad_response", options.region, "stream ended before the answer finished", {
          streamed: text.length > 0,
        });
      }
      const toolCalls = calls.filter((c) => c.name);
      return {
        text: text.trim(),
        usage,
        firstTokenMs,
        region: options.region,
        ...(toolCalls.length ? { toolCalls } : {}),
      };
    },
  };
}

/**
 * One chunk of the stream. vLLM reports a failure after the stream began as an event of its own:
 * `{"error": {…}}`, or `{"object": "error", …}` from older releases.
 */
function parseChunk(data: string, region: string, streamed: boolean): OpenAI.Chat.ChatCompletionChunk {
  let chunk: (Omit<OpenAI.Chat.ChatCompletionChunk, "object"> & { object: string; error?: unknown }) | undefined;
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    throw new UpstreamModelError("bad_response", region, "a stream event is not JSON", { streamed });
  }
  if (!chunk || typeof chunk !== "object")
    throw new UpstreamModelError("bad_response", region, "a stream event is not an object", { streamed });
  if (chunk.error || chunk.object === "error")
    throw new UpstreamModelError("bad_response", region, "the origin reported an error mid-stream", { streamed });
  return chunk as OpenAI.Chat.ChatCompletionChunk;
}

function toModelError(
  err: unknown,
  region: string,
  timedOut: string | undefined,
  streamed: boolean,
): UpstreamModelError {
  const opts = { cause: err, streamed };
  if (timedOut || err instanceof OpenAI.APIConnectionTimeoutError) {
    return new UpstreamModelError("timeout", region, `no ${timedOut ?? "answer"} in time`, opts);
  }
  if (err instanceof OpenAI.APIConnectionError)
    return new UpstreamModelError("unavailable", region, "connection failed", opts);
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    // 400: this request is at fault (too long a prompt…), not the origin. Anything else: the origin is.
    const kind = err.status === 400 || err.status === 422 ? "rejected" : "unavailable";
    return new UpstreamModelError(kind, region, `HTTP ${err.status}`, opts);
  }
  return new UpstreamModelError("bad_response", region, err instanceof Error ? err.name : "unknown", opts);
}
