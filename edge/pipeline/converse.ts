import type { InboundMessage } from "../channels/types.js";
import { REPLIES } from "../core/commands.js";
import { buildPrompt } from "../core/prompt.js";
import type { Config } from "../config.js";
import { UpstreamModelError, type ModelFailure } from "../errors.js";
import { log } from "../log.js";
import type { ConversationStore } from "../services/conversation-store.js";
import type { LlmClient } from "../services/llm.js";

export type Outcome = "answered" | "command" | "unsupported" | "rate_limited" | "model_failed";

export interface ConverseResult {
  /** The text to deliver, or null when the user is not to be answered (an excess message). */
  reply: string | null;
  outcome: Outcome;
  /** Why the model gave no answer, when outcome is model_failed. */
  failure?: ModelFailure;
  firstTokenMs?: number;
  tokensIn?: number;
  tokensOut?: number;
}

export interface ConverseDeps {
  store: ConversationStore;
  llm: LlmClient;
  model: Config["model"];
  rateLimit: Config["rateLimit"];
  sessionTtlSeconds: number;
  /** Called while the model works: shows "typing…" and returns the function that stops it. */
  whileThinking?: () => () => void;
  /** Sees each piece of the model's answer as it streams. */
  onText?: (piece: string) => void;
}

/**
 * From a user's message to the reply text: rate limit and history (one round trip), commands, the
 * prompt window, the model, and the turn saved in the user's region.
 */
export async function converse(message: InboundMessage, deps: ConverseDeps): Promise<ConverseResult> {
  const { store } = deps;
  const start = await store.begin(message.userKey, message.id);

  if (start.savedReply !== null) {
    // An earlier attempt computed this reply and failed to deliver it: deliver, do not ask again.
    return { reply: start.savedReply, outcome: "answered" };
  }
  if (!start.allowed) {
    const tell = await store.claimSlowDownNotice(message.userKey, deps.rateLimit.noticeCooldownSeconds);
    return { reply: tell ? REPLIES.slowDown : null, outcome: "rate_limited" };
  }

  const { content } = message;
  switch (content.kind) {
    case "unsupported":
      return { reply: REPLIES.textOnly, outcome: "unsupported" };
    case "command":
      if (content.command.name === "reset") await store.clear(message.userKey);
      return { reply: REPLIES[content.command.name], outcome: "command" };
    case "text":
      break;
  }

  const prompt = buildPrompt({
    system: deps.model.systemPrompt,
    history: start.history,
    userText: content.text,
    budget: deps.model.inputTokenBudget,
    maxTurns: deps.model.contextMaxMessages,
  });
  const stopThinking = deps.whileThinking?.() ?? (() => {});
  let completion;
  try {
    completion = await deps.llm.complete(prompt.messages, deps.onText);
  } catch (err) {
    if (!(err instanceof UpstreamModelError)) throw err;
    log.warn("model.failed", { id: message.id, region: message.region, failure: err.failure });
    return { reply: err.failure === "timeout" ? REPLIES.modelTimeout : REPLIES.modelUnavailable, outcome: "model_failed", failure: err.failure };
  } finally {
    stopThinking();
  }
  if (!completion.text) {
    // The model spent its whole budget reasoning, or said nothing: never deliver an empty message.
    log.warn("model.empty_answer", { id: message.id, region: message.region });
    return { reply: REPLIES.modelUnavailable, outcome: "model_failed", failure: "bad_response" };
  }

  await store.save(
    message.userKey,
    message.id,
    [
      { role: "user", content: content.text },
      { role: "assistant", content: completion.text },
    ],
    completion.text,
    deps.sessionTtlSeconds,
  );
  return {
    reply: completion.text,
    outcome: "answered",
    ...(completion.firstTokenMs !== undefined ? { firstTokenMs: completion.firstTokenMs } : {}),
    tokensIn: completion.usage?.promptTokens ?? prompt.inputTokens,
    ...(completion.usage ? { tokensOut: completion.usage.completionTokens } : {}),
  };
}
