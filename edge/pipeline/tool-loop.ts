import type { ChatMessage, ToolCall } from "../core/prompt.js";
import { issueLines } from "../core/zod-issues.js";
import { capacityRetrySeconds } from "../core/inbox-policy.js";
import { UpstreamModelError } from "../errors.js";
import { errorKind, log } from "../log.js";
import type { CompleteOptions, Completion, ModelClient, ToolOffer } from "../services/origin-client.js";
import { toolNamed } from "../tools/index.js";
import type { ToolContext } from "../tools/types.js";

export interface ToolLoopOptions {
  offer: ToolOffer;
  context: ToolContext;
  /** Model calls that may ask for tools; the next one must answer without them. */
  maxRounds: number;
  /** Tool calls run per model call, and per message in all; the rest are refused back to the model. */
  maxCallsPerRound: number;
  maxCalls: number;
  /**
   * Once a tool ran, how long in all a saturated pool is waited out in place: what TIMEOUT_REPLY_MS
   * leaves after the model call that follows (pipeline/respond.ts), so the watchdog never retries the
   * message, and with it the tools, meanwhile.
   */
  capacityWaitMs: number;
}

/**
 * The model with tools: each round, the tools it asks for run (for the verified user only, with
 * arguments checked against the tool's schema) and their results go back to it, until it answers.
 * Arguments that do not fit the schema are sent back once with the validation error, so the model can
 * correct them; after `maxRounds` rounds it must answer without tools.
 */
export async function completeWithTools(
  llm: ModelClient,
  messages: ChatMessage[],
  call: Omit<CompleteOptions, "tools">,
  options: ToolLoopOptions,
): Promise<Completion> {
  const conversation = [...messages];
  let reasked = false;
  let firstTokenMs: number | undefined;
  let promptTokens = 0;
  let completionTokens = 0;
  let counted = false;
  let ran = 0;

  const runCall = async (call: ToolCall): Promise<unknown> => {
    const tool = toolNamed(call.name);
    if (!tool || !tool.enabled(options.context)) return { error: `There is no tool named ${call.name}.` };
    let raw: unknown;
    try {
      raw = JSON.parse(call.arguments || "{}");
    } catch {
      raw = undefined;
    }
    const parsed = raw === undefined ? undefined : tool.args.safeParse(raw);
    if (!parsed?.success) {
      const problem = parsed ? issueLines(parsed.error, "arguments").join("; ") : "the arguments are not valid JSON";
      if (reasked) return { error: `The arguments are still invalid (${problem}). Answer without ${call.name}.` };
      reasked = true;
      return { error: `Invalid arguments for ${call.name}: ${problem}. Call it again with valid arguments.` };
    }
    try {
      return await tool.run(parsed.data, options.context);
    } catch (err) {
      log.warn("tool.failed", { tool: call.name, error: errorKind(err) });
      return { error: `${call.name} failed; tell the user it is not available right now.` };
    }
  };

  /**
   * One model call. Once a tool has run, a saturated pool is waited out here, for at most
   * `options.capacityWaitMs` over the whole reply: asking the whole message again later would run its
   * tools again (a second reminder). Past that, the call fails as an unavailable model would.
   */
  let waitedMs = 0;
  const complete = async (request: CompleteOptions): Promise<Completion> => {
    for (;;) {
      try {
        return await llm.complete(conversation, request);
      } catch (err) {
        const busy = err instanceof UpstreamModelError && err.failure === "busy";
        if (!busy || ran === 0) throw err;
        const waitMs = capacityRetrySeconds(err.retryAfterSeconds, false) * 1000;
        if (waitedMs + waitMs > options.capacityWaitMs)
          throw new UpstreamModelError("unavailable", err.region, "saturated after a tool ran", { cause: err });
        await sleep(waitMs, call.signal);
        waitedMs += waitMs;
      }
    }
  };

  for (let round = 0; ; round++) {
    const last = round >= options.maxRounds;
    const completion = await complete({
      ...call,
      tools: last ? { ...options.offer, choice: "none" } : options.offer,
    });
    firstTokenMs ??= completion.firstTokenMs;
    if (completion.usage) {
      counted = true;
      promptTokens += completion.usage.promptTokens;
      completionTokens += completion.usage.completionTokens;
    }
    const usage = counted ? { promptTokens, completionTokens } : undefined;
    if (!completion.toolCalls?.length || last) return { ...completion, toolCalls: [], usage, firstTokenMs };
    conversation.push({
      role: "assistant",
      content: completion.text,
      tool_calls: completion.toolCalls.map((c) => ({
        id: c.id,
        type: "function",
        function: { name: c.name, arguments: c.arguments },
      })),
    });
    let inRound = 0;
    for (const call of completion.toolCalls) {
      // One injected instruction must not turn into hundreds of requests to the business's systems.
      const refused = inRound >= options.maxCallsPerRound || ran >= options.maxCalls;
      if (refused) log.warn("tool.refused", { tool: call.name, round: round + 1, reason: "too_many_calls" });
      else {
        inRound += 1;
        ran += 1;
        log.info("tool.called", { tool: call.name, round: round + 1 });
      }
      const result = refused
        ? {
            error: `Too many tool calls: at most ${options.maxCallsPerRound} at a time and ${options.maxCalls} per answer. Answer with what you have.`,
          }
        : await runCall(call);
      conversation.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason once it aborts (a burst that grew meanwhile). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
