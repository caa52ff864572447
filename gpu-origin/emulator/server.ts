import { randomUUID, timingSafeEqual, createHash } from "node:crypto";
import http from "node:http";
import { SUMMARIZE_INSTRUCTIONS, SUMMARY_HEADING } from "../../edge/core/prompt.js";
import { listen, readBody, sendJson } from "../../infra/local/http.js";

/**
 * An OpenAI-compatible stand-in for a vLLM server running openai/gpt-oss-20b, for the local stack and
 * the tests (no GPU here). It speaks what vLLM sends: `/v1/chat/completions` streamed (SSE chunks with
 * the model's reasoning in `delta.reasoning` — or `delta.reasoning_content`, as vLLM releases before
 * 0.10.2 did — then `delta.content`, a finish chunk, a usage chunk when `stream_options.include_usage`,
 * and `data: [DONE]`) or whole, `/v1/models`, `/health`, and vLLM's error bodies.
 *
 * Behaviour can be scripted per request (`enqueue`) for tests: a given reply, an HTTP error, a delay
 * before the first token, a connection that hangs, or a stream cut in the middle.
 *
 * With `capacity`, it is also a server of a pool, as the edge meets one: at most `maxNumSeqs`
 * answers are written at once (vLLM's --max-num-seqs) and the rest wait their turn, up to
 * `maxWaiting`; past that, the admission in front of vLLM (gpu-origin/agent) answers 429 with
 * Retry-After. It serves vLLM's `/metrics` (num_requests_running, num_requests_waiting,
 * kv_cache_usage_perc) and the agent's `/ready` (false while booting and once draining); it can boot
 * slowly, and drain: no new request is taken, the ones in flight finish.
 */
export const EMULATED_MODEL = "openai/gpt-oss-20b";

/** A server of a pool: its concurrency, its queue, its boot. */
export interface CapacityOptions {
  /** Answers written at once (vLLM's --max-num-seqs). */
  maxNumSeqs: number;
  /** Requests waiting for a sequence before the admission refuses more (429). */
  maxWaiting: number;
  /** The Retry-After of a refusal, seconds. */
  retryAfterSeconds?: number;
  /** Until this long after start, the server is loading: /ready is 503 and requests get 503. */
  bootMs?: number;
  /** KV-cache blocks one running sequence takes, as a share of the cache (for kv_cache_usage_perc). */
  kvPerSequence?: number;
}

/** The pool-server side of an emulator started with `capacity`. */
export interface EmulatorCapacity {
  readonly running: number;
  readonly waiting: number;
  /** Requests refused by the admission (429) so far. */
  readonly refused: number;
  /** Changes the concurrency and queue (a test making a saturated server free, or the reverse). */
  set(options: Partial<Pick<CapacityOptions, "maxNumSeqs" | "maxWaiting">>): void;
  /** Stops taking requests (/ready turns 503 at once); resolves when the ones in flight have finished. */
  drain(): Promise<void>;
}

export interface EmulatorOptions {
  /** Bearer key the server requires on /v1 (vLLM's --api-key); none when empty. */
  apiKey?: string;
  /** Delay before the first streamed token, in ms. */
  firstTokenMs?: number;
  /** Generation speed; 0 sends every token at once. */
  tokensPerSecond?: number;
  /** Name of the reasoning field in deltas and messages. */
  reasoningField?: "reasoning" | "reasoning_content";
  /** Run as a server of a pool, with a concurrency cap, a queue and an admission (see above). */
  capacity?: CapacityOptions;
  /**
   * Share (0–1) of unscripted completions answered with vLLM's 500 instead, spread evenly (a model
   * version that fails more: the rollout's tests and `npm run dev`'s EMULATOR_<V>_FAILURE_RATE).
   */
  failureRate?: number;
  port?: number;
  host?: string;
}

export interface ScriptedTurn {
  content?: string;
  reasoning?: string;
  /** Answer with this HTTP status and a vLLM error body instead of a completion. */
  status?: number;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** Close the connection after this many content tokens. */
  cutAfterTokens?: number;
  /** After this many content tokens, report an engine failure in the stream and end it, as vLLM does. */
  errorAfterTokens?: number;
  /** Call these tools instead of answering (as vLLM's openai tool-call parser reports them). */
  toolCalls?: Array<{ name: string; arguments: string }>;
  firstTokenMs?: number;
  /** Time between this answer's tokens, ms (instead of the emulator's tokensPerSecond). */
  tokenGapMs?: number;
}

export interface RecordedRequest {
  path: string;
  authorized: boolean;
  body: ChatRequest;
  /** When the request arrived, ms since the epoch with sub-ms precision. */
  receivedAt: number;
  /** When the first token (reasoning or answer) was written. */
  firstTokenAt?: number;
  /** When the first piece of the answer was written. */
  firstContentAt?: number;
  /** When the answer was complete. */
  finishedAt?: number;
  /** Tokens generated for it so far (reasoning, answer, tool calls). */
  tokens: number;
  /** The client closed the stream before the answer was complete (vLLM then stops generating). */
  cancelled?: boolean;
  /** Its headers but authorization (the pool's load balancer hashes on the chat's affinity header). */
  headers: Record<string, string>;
}

interface ChatRequest {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

export interface Emulator {
  url: string;
  requests: RecordedRequest[];
  /** Present when started with `capacity`. */
  capacity: EmulatorCapacity | undefined;
  /** Script the next completions, in order; unscripted requests get the default reply. */
  enqueue(...turns: ScriptedTurn[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const requests: RecordedRequest[] = [];
  const script: ScriptedTurn[] = [];
  let completions = 0;
  const hanging = new Set<http.ServerResponse>();
  const reasoningField = options.reasoningField ?? "reasoning";
  const pool = options.capacity ? new PoolServer(options.capacity) : undefined;

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    if (req.method === "GET" && path === "/health") return void res.writeHead(200).end();
    if (pool && req.method === "GET" && path === "/metrics") {
      return void res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(pool.metrics());
    }
    if (pool && req.method === "GET" && path === "/ready") return void res.writeHead(pool.ready ? 200 : 503).end();
    const authorized = checkKey(req, options.apiKey);
    if (path.startsWith("/v1/") && !authorized) return sendJson(res, 401, { error: "Unauthorized" });
    if (req.method === "GET" && path === "/v1/models") {
      return sendJson(res, 200, {
        object: "list",
        data: [
          {
            id: EMULATED_MODEL,
            object: "model",
            created: now(),
            owned_by: "vllm",
            root: EMULATED_MODEL,
            parent: null,
            max_model_len: 131072,
          },
        ],
      });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      return sendJson(res, 404, vllmError("Not Found", "NotFoundError", 404));
    }
    let body: ChatRequest;
    try {
      body = JSON.parse(String(await readBody(req))) as ChatRequest;
    } catch {
      return sendJson(res, 400, vllmError("Invalid JSON body", "BadRequestError", 400));
    }
    const receivedAt = preciseNow();
    // A pool's server: loading or draining, it takes nothing (503, as a load balancer without a ready
    // backend answers); saturated, the admission refuses with 429 and Retry-After; else the request
    // waits for a free sequence.
    if (pool) {
      const admitted = await pool.admit(res);
      if (admitted === "not_ready") {
        // As gpu-origin/agent answers: this server cannot, another of the pool can.
        res.setHeader("retry-after", String(pool.retryAfterSeconds));
        return sendJson(res, 503, vllmError("The server is not ready", "ServiceUnavailableError", 503));
      }
      if (admitted === "saturated") {
        res.setHeader("retry-after", String(pool.retryAfterSeconds));
        return sendJson(res, 429, vllmError("Every sequence is busy; retry later", "RateLimitError", 429));
      }
      if (admitted === "gone") return;
      res.on("close", admitted.release);
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (k === "authorization" || typeof v !== "string" ? [] : [[k, v]])),
    );
    const recorded: RecordedRequest = { path, authorized, body, tokens: 0, receivedAt, headers };
    requests.push(recorded);
    if (body.model !== EMULATED_MODEL) {
      return sendJson(res, 404, vllmError(`The model \`${String(body.model)}\` does not exist.`, "NotFoundError", 404));
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendJson(res, 400, vllmError("messages must be a non-empty list", "BadRequestError", 400));
    }
    const scripted = script.shift();
    const unscripted = completions++;
    const rate = options.failureRate ?? 0;
    const turn: ScriptedTurn =
      scripted ?? (Math.floor((unscripted + 1) * rate) > Math.floor(unscripted * rate) ? { status: 500 } : {});
    if (turn.hang) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (turn.status) {
      return sendJson(
        res,
        turn.status,
        vllmError("Scripted failure", turn.status >= 500 ? "InternalServerError" : "BadRequestError", turn.status),
      );
    }
    const content = turn.content ?? defaultReply(body.messages);
    const reasoning = turn.reasoning ?? "The user wrote a message. I should answer briefly and helpfully.";
    const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
    const contentTokens = tokenize(content);
    const reasoningTokens = tokenize(reasoning);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: contentTokens.length + reasoningTokens.length,
      total_tokens: promptTokens + contentTokens.length + reasoningTokens.length,
    };
    const id = `chatcmpl-${randomUUID().replaceAll("-", "")}`;
    const created = now();

    const toolCalls = (turn.toolCalls ?? []).map((t, i) => ({
      id: `chatcmpl-tool-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
      index: i,
      ...t,
    }));
    if (!body.stream) {
      await sleep(turn.firstTokenMs ?? options.firstTokenMs ?? 0);
      return sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model: EMULATED_MODEL,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: toolCalls.length ? null : content,
              [reasoningField]: reasoning,
              tool_calls: toolCalls.map((t) => ({
                id: t.id,
                type: "function",
                function: { name: t.name, arguments: t.arguments },
              })),
            },
            logprobs: null,
            finish_reason: toolCalls.length ? "tool_calls" : "stop",
            stop_reason: null,
          },
        ],
        usage,
      });
    }

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: EMULATED_MODEL, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
    const gap = turn.tokenGapMs ?? (options.tokensPerSecond ? 1000 / options.tokensPerSecond : 0);
    let closed = false;
    res.on("close", () => {
      closed = true;
      if (!res.writableEnded) recorded.cancelled = true;
    });

    chunk({ role: "assistant", content: "" });
    await sleep(turn.firstTokenMs ?? options.firstTokenMs ?? 0);
    for (const t of reasoningTokens) {
      if (closed) return;
      recorded.firstTokenAt ??= preciseNow();
      recorded.tokens += 1;
      chunk({ [reasoningField]: t });
      await sleep(gap);
    }
    if (toolCalls.length) {
      // vLLM streams each call's id and name first, then its arguments in fragments.
      for (const t of toolCalls) {
        chunk({
          tool_calls: [{ index: t.index, id: t.id, type: "function", function: { name: t.name, arguments: "" } }],
        });
        for (let i = 0; i < t.arguments.length; i += 8) {
          chunk({ tool_calls: [{ index: t.index, function: { arguments: t.arguments.slice(i, i + 8) } }] });
          await sleep(gap);
        }
      }
      chunk({}, "tool_calls");
      if (body.stream_options?.include_usage) {
        res.write(
          `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: EMULATED_MODEL, choices: [], usage })}\n\n`,
        );
      }
      return void res.end("data: [DONE]\n\n");
    }
    for (const [i, t] of contentTokens.entries()) {
      if (closed) return;
      if (i === 0) recorded.firstContentAt = preciseNow();
      recorded.firstTokenAt ??= recorded.firstContentAt;
      if (turn.cutAfterTokens !== undefined && i >= turn.cutAfterTokens) {
        // Let what was written reach the client, then drop the connection mid-answer.
        await new Promise((r) => res.write("", r));
        return void res.socket?.destroy();
      }
      if (turn.errorAfterTokens !== undefined && i >= turn.errorAfterTokens) {
        res.write(
          `data: ${JSON.stringify(vllmError("The engine failed while generating", "InternalServerError", 500))}\n\n`,
        );
        return void res.end("data: [DONE]\n\n");
      }
      recorded.tokens += 1;
      chunk({ content: t });
      await sleep(gap);
    }
    chunk({}, "stop");
    recorded.finishedAt = preciseNow();
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: EMULATED_MODEL, choices: [], usage })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  });
  server.keepAliveTimeout = 60_000;

  return {
    url: await listen(server, options),
    requests,
    capacity: pool,
    enqueue: (...turns) => void script.push(...turns),
    reset: () => {
      requests.length = 0;
      script.length = 0;
    },
    close: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * One server of a pool: a concurrency cap (running), a FIFO of requests waiting for a sequence, an
 * admission that refuses past `maxWaiting`, a boot, and a drain.
 */
class PoolServer implements EmulatorCapacity {
  running = 0;
  refused = 0;
  private readonly queue: Array<{ start: () => void; res: http.ServerResponse }> = [];
  private draining = false;
  private drained: (() => void) | undefined;
  private readonly readyAt: number;
  /** Its own copy: servers started with the same options change on their own. */
  private readonly options: CapacityOptions;

  constructor(options: CapacityOptions) {
    this.options = { ...options };
    this.readyAt = Date.now() + (options.bootMs ?? 0);
  }

  get waiting(): number {
    return this.queue.length;
  }

  get ready(): boolean {
    return !this.draining && Date.now() >= this.readyAt;
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? 1;
  }

  /** A sequence for `res` (its release, once the answer is done), or why none is given. */
  async admit(res: http.ServerResponse): Promise<{ release: () => void } | "not_ready" | "saturated" | "gone"> {
    if (!this.ready) return "not_ready";
    const slot = () => {
      this.running += 1;
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          this.running -= 1;
          this.startWaiting();
        },
      };
    };
    if (this.running < this.options.maxNumSeqs && this.queue.length === 0) return slot();
    if (this.queue.length >= this.options.maxWaiting) {
      this.refused += 1;
      return "saturated";
    }
    const started = await new Promise<boolean>((resolve) => {
      const entry = { start: () => resolve(true), res };
      this.queue.push(entry);
      // A client that gives up while waiting leaves the queue.
      res.on("close", () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) {
          this.queue.splice(i, 1);
          resolve(false);
          this.checkDrained();
        }
      });
    });
    return started ? slot() : "gone";
  }

  private startWaiting(): void {
    while (this.running < this.options.maxNumSeqs && this.queue.length) this.queue.shift()!.start();
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.draining && this.running === 0 && this.queue.length === 0) this.drained?.();
  }

  set(options: Partial<Pick<CapacityOptions, "maxNumSeqs" | "maxWaiting">>): void {
    Object.assign(this.options, options);
    this.startWaiting();
  }

  drain(): Promise<void> {
    this.draining = true;
    return new Promise((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
  }

  /** vLLM's gauges, in its Prometheus text format (names: test/fixtures/vllm/metrics.json). */
  metrics(): string {
    const labels = `{engine="0",model_name="${EMULATED_MODEL}"}`;
    const kv = Math.min(1, this.running * (this.options.kvPerSequence ?? 0.01));
    return [
      "# HELP vllm:num_requests_running Number of requests in model execution batches.",
      "# TYPE vllm:num_requests_running gauge",
      `vllm:num_requests_running${labels} ${this.running.toFixed(1)}`,
      "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
      "# TYPE vllm:num_requests_waiting gauge",
      `vllm:num_requests_waiting${labels} ${this.queue.length.toFixed(1)}`,
      "# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.",
      "# TYPE vllm:kv_cache_usage_perc gauge",
      `vllm:kv_cache_usage_perc${labels} ${kv}`,
      "",
    ].join("\n");
  }
}

/**
 * A reply that shows the conversation reached the model: the last message and how many came before.
 * Asked for a conversation summary, it answers with a short one, as the model does (at most 120 words).
 */
function defaultReply(messages: Array<{ role: string; content: string }>): string {
  // (The summary of earlier turns is a context note, not one of the user's messages.)
  const users = messages.filter((m) => m.role === "user" && !m.content.startsWith(SUMMARY_HEADING));
  if (messages[0]?.role === "system" && messages[0].content.startsWith(SUMMARIZE_INSTRUCTIONS)) {
    const lines = (users.at(-1)?.content ?? "").split("\n").filter(Boolean);
    return `The user and the assistant exchanged ${lines.length} messages; the last one began: "${(lines.at(-1) ?? "").slice(0, 60)}".`;
  }
  const last = users.at(-1)?.content ?? "";
  const earlier = users.length - 1;
  return earlier > 0
    ? `You said: "${last}". I also remember ${earlier} earlier message${earlier === 1 ? "" : "s"} of ours.`
    : `You said: "${last}". How can I help further?`;
}

/** Splits text into word-sized pieces that concatenate back to it, like a tokenizer's output. */
function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function checkKey(req: http.IncomingMessage, key: string | undefined): boolean {
  if (!key) return true;
  const given = (req.headers.authorization ?? "").replace(/^Bearer /, "");
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(key).digest());
}

function vllmError(message: string, type: string, code: number) {
  return { error: { message, type, param: null, code } };
}

const now = () => Math.floor(Date.now() / 1000);
const preciseNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
