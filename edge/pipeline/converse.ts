import type { InboundMessage } from "../channels/types.js";
import { REPLIES } from "../core/commands.js";
import {
  bestFaqMatch,
  dependsOnContext,
  guessLanguage,
  LIMITED_MODE_NOTE,
  TRY_LATER,
  type FaqEntry,
} from "../core/faq-match.js";
import { buildPrompt, summaryRequest } from "../core/prompt.js";
import type { Config } from "../config.js";
import { OutputBlocked, UpstreamModelError, type ModelFailure } from "../errors.js";
import { streamGuard, type ContentFilter } from "../core/content-filter.js";
import { log, ref } from "../log.js";
import type { ConversationStore, StoredTurn, TurnStart } from "../services/conversation-store.js";
import type { LlmClient } from "../services/llm.js";
import { completeWithTools, type ToolLoopOptions } from "./tool-loop.js";

/**
 * answered: by the model; faq: a near-exact FAQ answer, without the model; faq_offline: an FAQ answer
 * because no model could answer; refused: the message or the answer broke the content filter;
 * model_failed: no model and no FAQ answer (the user is told to retry).
 */
export type Outcome =
  "answered" | "faq" | "faq_offline" | "refused" | "command" | "unsupported" | "rate_limited" | "model_failed";

export interface ConverseResult {
  /** The text to deliver, or null when the user is not to be answered (an excess message). */
  reply: string | null;
  outcome: Outcome;
  /** Why the model gave no answer, when outcome is model_failed. */
  failure?: ModelFailure;
  /**
   * Work to finish after the reply is delivered (folding turns that left the prompt's window into the
   * conversation's summary); it never delays the reply and its failure never fails one.
   */
  later?: () => Promise<void>;
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
  /** /forget: erases the user's data and says what was erased. */
  forget?: (args: string) => Promise<string>;
  /** /region: shows or changes the user's region, where the policy allows. */
  region?: (args: string) => Promise<string>;
  /** /reminders: lists the user's reminders, where this chat can have them. */
  reminders?: (args: string) => Promise<string>;
  /** The operator's content filter, on the message and on the answer as it streams. */
  contentFilter?: ContentFilter;
  /** Business tools the model may call, for this verified user. */
  tools?: ToolLoopOptions;
  /** The region's FAQ, for near-exact questions and for when no model can answer. */
  faq?: {
    entries: () => Promise<FaqEntry[]>;
    /** The region's FAQ languages; the first is its default. */
    languages: readonly string[];
    direct: boolean;
    directMinScore: number;
    offlineMinScore: number;
  };
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
      switch (content.command.name) {
        case "reset":
          await store.clear(message.userKey);
          return { reply: REPLIES.reset, outcome: "command" };
        case "forget":
        case "region":
        case "reminders": {
          const run = deps[content.command.name];
          if (!run)
            return {
              reply: content.command.name === "reminders" ? REPLIES.reminders : REPLIES.help,
              outcome: "command",
            };
          return { reply: await run(content.command.args), outcome: "command" };
        }
        default:
          return { reply: REPLIES[content.command.name], outcome: "command" };
      }
    case "text":
      break;
  }

  const text = content.text;
  const lang = languageOf(message, text, deps.faq?.languages ?? ["en"]);
  const faqEntries = async () => (deps.faq ? deps.faq.entries().catch(() => [] as FaqEntry[]) : []);
  const filter = deps.contentFilter;

  const incoming = filter?.check(text, lang);
  if (filter && incoming) {
    log.info("content.refused", { ref: ref(message.id), direction: "in", rule: incoming.rule });
    return { reply: filter.refusal(lang), outcome: "refused" };
  }

  // A near-exact FAQ question needs no GPU, unless it points back at the conversation ("is it…?").
  if (deps.faq?.direct && (start.history.length === 0 || !dependsOnContext(text, lang))) {
    const match = bestFaqMatch(await faqEntries(), text, lang);
    if (match && match.score >= deps.faq.directMinScore) {
      await saveTurn(store, message, text, match.entry.answer, deps.sessionTtlSeconds);
      return { reply: match.entry.answer, outcome: "faq" };
    }
  }

  const prompt = buildPrompt({
    system: deps.model.systemPrompt,
    history: start.history,
    userText: text,
    budget: deps.model.inputTokenBudget,
    maxTurns: deps.model.contextMaxMessages,
    summary: start.summary?.text ?? null,
  });
  const stopThinking = deps.whileThinking?.() ?? (() => {});
  // The answer is checked as it grows; the first violation stops the stream before it is shown. Only
  // an end that could still grow into a violation (digits, the start of a listed word) waits for the
  // next piece, so nothing of a split card number or word reaches the screen: streaming, not buffering.
  const guard = filter ? streamGuard(filter, lang) : undefined;
  let held = "";
  const onText = guard
    ? (piece: string) => {
        const violation = guard(piece);
        if (violation) throw new OutputBlocked(violation.rule);
        held += piece;
        const keep = filter!.holdBack(held, lang);
        if (held.length > keep) {
          deps.onText?.(held.slice(0, held.length - keep));
          held = held.slice(held.length - keep);
        }
      }
    : deps.onText;
  const flushHeld = () => {
    if (held) deps.onText?.(held);
    held = "";
  };
  let completion;
  try {
    completion = deps.tools
      ? await completeWithTools(deps.llm, prompt.messages, onText, deps.tools)
      : await deps.llm.complete(prompt.messages, onText);
  } catch (err) {
    if (err instanceof OutputBlocked && filter) {
      log.info("content.refused", { ref: ref(message.id), direction: "out", rule: err.rule });
      return { reply: filter.refusal(lang), outcome: "refused" };
    }
    if (!(err instanceof UpstreamModelError)) throw err;
    log.warn("model.failed", { ref: ref(message.id), region: message.region, failure: err.failure });
    return offline(err.failure);
  } finally {
    stopThinking();
  }
  flushHeld();
  if (!completion.text) {
    // The model spent its whole budget reasoning, or said nothing: never deliver an empty message.
    log.warn("model.empty_answer", { ref: ref(message.id), region: message.region });
    return offline("bad_response");
  }

  /** No model answered: the FAQ's answer when one is close enough, else an honest "try later". */
  async function offline(failure: ModelFailure): Promise<ConverseResult> {
    if (failure !== "rejected" && deps.faq) {
      const match = bestFaqMatch(await faqEntries(), text, lang);
      if (match && match.score >= deps.faq.offlineMinScore) {
        return {
          reply: `${match.entry.answer}\n\n${LIMITED_MODE_NOTE[lang] ?? LIMITED_MODE_NOTE.en}`,
          outcome: "faq_offline",
          failure,
        };
      }
    }
    const reply = failure === "timeout" ? REPLIES.modelTimeout : (TRY_LATER[lang] ?? REPLIES.modelUnavailable);
    return { reply, outcome: "model_failed", failure };
  }

  await saveTurn(store, message, text, completion.text, deps.sessionTtlSeconds);
  const later = summarizeDropped(message, start, prompt.dropped, deps);
  return {
    reply: completion.text,
    outcome: "answered",
    ...(later ? { later } : {}),
    ...(completion.firstTokenMs !== undefined ? { firstTokenMs: completion.firstTokenMs } : {}),
    tokensIn: completion.usage?.promptTokens ?? prompt.inputTokens,
    ...(completion.usage ? { tokensOut: completion.usage.completionTokens } : {}),
  };
}

/**
 * Turns that fell out of the prompt's window and are not yet in the summary get folded into it, so a
 * long conversation keeps what the user said early on (their name, their order) without a long prompt.
 * Returns nothing when there is nothing new to fold in.
 */
function summarizeDropped(
  message: InboundMessage,
  start: TurnStart,
  dropped: number,
  deps: ConverseDeps,
): (() => Promise<void>) | undefined {
  const coveredUntil = start.summary?.coversUntil ?? 0;
  const fresh: StoredTurn[] = start.history.slice(0, dropped).filter((t) => t.at > coveredUntil);
  if (fresh.length === 0) return undefined;
  return async () => {
    try {
      const completion = await deps.llm.complete(summaryRequest(start.summary?.text ?? null, fresh));
      const text = completion.text.trim();
      if (!text) return;
      const coversUntil = Math.max(...fresh.map((t) => t.at));
      await deps.store.saveSummary(message.userKey, { text, coversUntil }, deps.sessionTtlSeconds);
    } catch (err) {
      // The turns stay in Redis: the next message that drops turns tries again.
      log.warn("summary.failed", {
        ref: ref(message.id),
        region: message.region,
        error: err instanceof UpstreamModelError ? err.failure : "error",
      });
    }
  };
}

function saveTurn(
  store: ConversationStore,
  message: InboundMessage,
  text: string,
  reply: string,
  ttlSeconds: number,
): Promise<void> {
  return store.save(
    message.userKey,
    message.id,
    [
      { role: "user", content: text, sentAt: message.sentAt },
      { role: "assistant", content: reply },
    ],
    reply,
    ttlSeconds,
  );
}

/** The user's language: what their client says, if the region's FAQ has it; else a guess from the text. */
function languageOf(message: InboundMessage, text: string, languages: readonly string[]): string {
  const declared = message.lang?.slice(0, 2).toLowerCase();
  return declared && languages.includes(declared) ? declared : guessLanguage(text, languages);
}
