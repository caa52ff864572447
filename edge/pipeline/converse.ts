import type { Config } from "../config.js";
import type { ParsedCommand } from "../core/commands.js";
import { streamGuard, type ContentFilter } from "../core/content-filter.js";
import { bestFaqMatch, dependsOnContext, type FaqEntry } from "../core/faq-match.js";
import { chooseLanguage, languageHint, languageName } from "../core/language.js";
import { buildPrompt, summaryRequest } from "../core/prompt.js";
import { fitsBudget } from "../core/token-budget.js";
import { CapacityShort, OutputBlocked, UpstreamModelError, type ModelFailure } from "../errors.js";
import { CAPACITY_RETRY_SECONDS } from "../limits.js";
import { log, ref } from "../log.js";
import type { InboundMessage, Reply } from "../message.js";
import type { ConversationStore, StoredTurn, TurnStart } from "../services/conversation/index.js";
import { languageOfTurns, versionOf } from "../services/conversation/history.js";
import type { ChosenVersion } from "./rollout.js";
import type { Completion, ModelClient } from "../services/origin-client.js";
import { textsFor } from "../texts/index.js";
import { completeWithTools, type ToolLoopOptions } from "./tool-loop.js";

export interface ConverseDeps {
  store: Pick<ConversationStore, "begin" | "save" | "saveSummary" | "claimSlowDownNotice">;
  /** The user's region's model (with the fallbacks regions.json allows). */
  model: ModelClient;
  modelSettings: Config["model"];
  rateLimit: Config["rateLimit"];
  sessionTtlSeconds: number;
  /** Called while the model works: shows "typing…" and returns the function that stops it. */
  whileThinking?: () => () => void;
  /** Sees each piece of the model's answer as it streams. */
  onText?: (piece: string) => void;
  /**
   * Cancels the model's answer (the chat's inbox does, when more of a burst arrives before the reply
   * was delivered): the call rejects with the signal's reason, nothing is saved, nothing is sent.
   */
  signal?: AbortSignal;
  /**
   * The model version that answers this conversation (pipeline/rollout.ts), given the one its last
   * answer came from: its model (with the fallbacks), system prompt, name and id. Without it, `model`
   * and the settings' system prompt answer.
   */
  version?: (current: string | undefined) => Promise<ChosenVersion>;
  /** Runs a command (commands/index.ts) and returns its reply, in `lang`. */
  runCommand: (command: ParsedCommand, lang: string) => Promise<string>;
  /**
   * The languages the user's region declares (the first is its default): the product's texts and
   * the language detected are chosen among these (core/language.ts).
   */
  languages?: readonly string[];
  /** The country of the user's phone number, where the channel knows it (WhatsApp). */
  country?: string;
  /** Told the language the reply is given in, once it is chosen (RespondOptions.onLanguage). */
  onLanguage?: (lang: string) => void;
  /**
   * A keyed pseudonym of the chat, sent to the origins so a conversation stays on one server (its
   * prefix cache): never the chat key itself.
   */
  affinity: string;
  /** When every server is saturated (RespondOptions.capacity): hold (throw CapacityShort), a note, or give up. */
  capacity?: "hold" | "interim" | "final";
  /** The message passed the rate limit on an earlier try: it is not counted again. */
  admitted?: boolean;
  /** The chat's messages are answered one after another (RespondOptions.serialized). */
  serialized?: boolean;
  /** RespondOptions.firstInChat. */
  firstInChat?: boolean;
  /** The chat became another (a Telegram group upgraded to a supergroup): what it kept goes with it. */
  moveChat?: (to: string) => Promise<void>;
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
export async function converse(message: InboundMessage, deps: ConverseDeps): Promise<Reply> {
  const { store } = deps;
  const { content } = message;
  if (content.kind === "chat_moved") {
    await deps.moveChat?.(content.to);
    return { text: null, outcome: "chat_moved" };
  }
  // Counted where it arrives (pipeline/rollout.ts, recordReaction); never answered.
  if (content.kind === "reaction") return { text: null, outcome: `reaction_${content.value}` };
  const start = await store.begin(message.chatKey, message.userKey, message.id, idempotencyContent(message), {
    rateLimit: !deps.admitted,
    ...(deps.serialized ? { serialized: true } : {}),
    ...(deps.firstInChat ? { firstInChat: true } : {}),
  });
  if (start.conflict) return { text: null, outcome: "conflict" };
  // The language of the reply, and of everything the product says for it (core/language.ts).
  const lang = chooseLanguage({
    text: content.kind === "text" ? content.text : undefined,
    remembered: languageOfTurns(start.history),
    declared: message.lang,
    country: deps.country,
    languages: deps.languages ?? deps.faq?.languages ?? ["en"],
  });
  deps.onLanguage?.(lang);
  const say = textsFor(lang);
  if (start.savedReply !== null) {
    // An earlier attempt computed this reply and failed to deliver it: deliver, do not ask again.
    return { text: start.savedReply, outcome: "answered" };
  }
  if (!start.allowed) {
    const tell = await store.claimSlowDownNotice(message.userKey, deps.rateLimit.noticeCooldownSeconds);
    return { text: tell ? say("slowDown") : null, outcome: "rate_limited" };
  }
  switch (content.kind) {
    case "unsupported":
      return { text: say("textOnly"), outcome: "unsupported" };
    case "command":
      return { text: await deps.runCommand(content.command, lang), outcome: "command" };
    case "text": {
      // Card numbers never reach the model, the conversation store or a log: masked, and said so once.
      const masked = deps.contentFilter?.mask(content.text) ?? { text: content.text, cards: 0 };
      const cards = masked.cards + (content.cardsMasked ?? 0);
      const reply = await answer(message, masked.text, lang, start, deps);
      if (reply.outcome === "refused" || !reply.text) return reply;
      const notes = [
        // A caption is answered; that the attachment itself was not seen is said once, with the answer.
        ...(content.attachment ? [say("attachmentNote")] : []),
        ...(cards > 0 && deps.contentFilter ? [deps.contentFilter.cardNote(lang)] : []),
      ];
      return notes.length ? { ...reply, text: `${notes.join("\n")}\n\n${reply.text}` } : reply;
    }
  }
}

/** A text message: the content filter, a near-exact FAQ answer, or the model; the turn is saved. */
async function answer(
  message: InboundMessage,
  text: string,
  lang: string,
  start: TurnStart,
  deps: ConverseDeps,
): Promise<Reply> {
  // Where several people share the conversation, each of their turns says who wrote it.
  const asked = message.senderName ? `${message.senderName}: ${text}` : text;
  const faqEntries = async () => (deps.faq ? deps.faq.entries().catch(() => [] as FaqEntry[]) : []);
  const filter = deps.contentFilter;
  const incoming = filter?.check(text, lang, deps.country ? { country: deps.country } : {});
  if (incoming?.care) {
    // A person who signals self-harm gets care and the help lines of their language, never a refusal.
    log.info("content.care", { ref: ref(message.id), rule: incoming.rule });
    return { text: incoming.reply, outcome: "care" };
  }
  if (incoming) {
    log.info("content.refused", { ref: ref(message.id), direction: "in", rule: incoming.rule });
    return { text: incoming.reply, outcome: "refused" };
  }
  const say = textsFor(lang);
  /** A FAQ entry's answer; one found only in another language says so, in the user's. */
  const faqAnswer = (entry: FaqEntry) =>
    entry.lang === lang
      ? entry.answer
      : `${entry.answer}\n\n${say("faq.otherLanguage", { language: languageName(entry.lang, lang) })}`;
  const chosen = deps.version ? await deps.version(versionOf(start.history)) : undefined;
  const model = chosen?.model ?? deps.model;
  // The model is told the language the user writes in (it still follows a switch).
  const system = `${chosen?.systemPrompt ?? deps.modelSettings.systemPrompt}\n\n${languageHint(lang)}`;
  // One rule on every channel: a message the model cannot take in whole is not cut, nor sent; the
  // user is asked to shorten it.
  if (!fitsBudget(system, asked, deps.modelSettings.inputTokenBudget)) {
    log.info("message.too_long", { ref: ref(message.id), chars: text.length });
    return { text: say("tooLong"), outcome: "too_long" };
  }
  // A near-exact FAQ question needs no GPU, unless it points back at the conversation ("is it…?").
  if (deps.faq?.direct && (start.history.length === 0 || !dependsOnContext(text, lang))) {
    const match = bestFaqMatch(await faqEntries(), text, lang);
    if (match && match.score >= deps.faq.directMinScore) {
      await saveTurn(deps, message, start, asked, match.entry.answer, undefined, lang);
      return { text: faqAnswer(match.entry), outcome: "faq" };
    }
  }
  const prompt = buildPrompt({
    system,
    history: start.history,
    userText: asked,
    budget: deps.modelSettings.inputTokenBudget,
    maxTurns: deps.modelSettings.contextMaxMessages,
    summary: start.summary,
  });

  /**
   * Every server was saturated for a while: a near FAQ answer, else a short note, each saying that
   * the full answer follows (the message stays waiting for it); nothing is saved.
   */
  const busyNote = async (): Promise<Reply> => {
    if (deps.faq) {
      const match = bestFaqMatch(await faqEntries(), text, lang);
      if (match && match.score >= deps.faq.offlineMinScore) {
        return {
          text: `${faqAnswer(match.entry)}\n\n${say("capacity.faqNote")}`,
          outcome: "faq_busy",
          failure: "busy",
        };
      }
    }
    return { text: say("capacity.busyNote"), outcome: "busy_note", failure: "busy" };
  };

  /** No model answered: the FAQ's answer when one is close enough, else an honest "try later". */
  const offline = async (failure: ModelFailure): Promise<Reply> => {
    if (failure !== "rejected" && deps.faq) {
      const match = bestFaqMatch(await faqEntries(), text, lang);
      if (match && match.score >= deps.faq.offlineMinScore) {
        return {
          text: `${faqAnswer(match.entry)}\n\n${say("limitedMode")}`,
          outcome: "faq_offline",
          failure,
          ...versionMark,
        };
      }
    }
    const apology = failure === "timeout" ? say("model.timeout") : say("model.unavailable");
    return { text: apology, outcome: "model_failed", failure, ...versionMark };
  };

  /** The version asked, on the reply's record (its failures count against it). */
  const versionMark = chosen ? { version: chosen.id } : {};
  const stream = guardedStream(deps.onText, filter, lang);
  const call = {
    ...(stream.onText ? { onText: stream.onText } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    affinity: deps.affinity,
  };
  const stopThinking = deps.whileThinking?.() ?? (() => {});
  const modelStarted = Date.now();
  let completion: Completion;
  try {
    completion = deps.tools
      ? await completeWithTools(model, prompt.messages, call, {
          ...deps.tools,
          context: { ...deps.tools.context, lang },
        })
      : await model.complete(prompt.messages, call);
  } catch (err) {
    if (err instanceof OutputBlocked) {
      log.info("content.refused", { ref: ref(message.id), direction: "out", rule: err.rule });
      return { text: err.reply, outcome: "refused", ...versionMark };
    }
    if (!(err instanceof UpstreamModelError)) throw err;
    if (err.failure === "busy" && deps.capacity !== "final") {
      if (deps.capacity === "interim") return busyNote();
      throw new CapacityShort(message.region, err.retryAfterSeconds ?? CAPACITY_RETRY_SECONDS);
    }
    log.warn("model.failed", { ref: ref(message.id), region: message.region, failure: err.failure });
    return offline(err.failure);
  } finally {
    stopThinking();
  }
  stream.flush();
  if (!completion.text) {
    // The model spent its whole budget reasoning, or said nothing: never deliver an empty message.
    log.warn("model.empty_answer", { ref: ref(message.id), region: message.region });
    return offline("bad_response");
  }
  // The model's answer is masked as the user's text was (a card number it repeats or makes up).
  const said = filter ? filter.mask(completion.text).text : completion.text;
  await saveTurn(deps, message, start, asked, said, chosen?.name, lang);
  const later = summarizeDropped(message, start, prompt.dropped, deps, model);
  return {
    text: said,
    outcome: "answered",
    ...versionMark,
    ...(later ? { later } : {}),
    ...(completion.firstTokenMs !== undefined ? { firstTokenMs: completion.firstTokenMs } : {}),
    tokensIn: completion.usage?.promptTokens ?? prompt.inputTokens,
    ...(completion.usage ? { tokensOut: completion.usage.completionTokens } : {}),
    modelMs: Date.now() - modelStarted,
  };
}

/**
 * The answer's pieces on their way to `onText`, checked as the answer grows: the first violation stops
 * the stream before it is shown (OutputBlocked). Only an end that could still grow into a violation
 * (digits, the start of a listed word) waits for the next piece, so nothing of a split card number or
 * word reaches the screen: streaming, not buffering. `flush` hands on what was held once the answer is in.
 */
function guardedStream(
  onText: ((piece: string) => void) | undefined,
  filter: ContentFilter | undefined,
  lang: string,
): { onText: ((piece: string) => void) | undefined; flush(): void } {
  if (!filter) return { onText, flush: () => {} };
  const guard = streamGuard(filter, lang);
  let held = "";
  return {
    onText(piece) {
      const violation = guard(piece);
      if (violation) throw new OutputBlocked(violation.rule, violation.reply);
      held += piece;
      const keep = filter.holdBack(held, lang);
      if (held.length > keep) {
        onText?.(filter.mask(held.slice(0, held.length - keep)).text);
        held = held.slice(held.length - keep);
      }
    },
    flush() {
      if (held) onText?.(filter.mask(held).text);
      held = "";
    },
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
  model: ModelClient,
): (() => Promise<void>) | undefined {
  const coveredUntil = start.summary?.coversUntil ?? 0;
  const fresh: StoredTurn[] = start.history.slice(0, dropped).filter((t) => t.at > coveredUntil);
  if (fresh.length === 0) return undefined;
  return async () => {
    try {
      const completion = await model.complete(summaryRequest(start.summary?.text ?? null, fresh));
      const text = completion.text.trim();
      if (!text) return;
      const coversUntil = Math.max(...fresh.map((t) => t.at));
      await deps.store.saveSummary(message.chatKey, { text, coversUntil }, deps.sessionTtlSeconds, start.startedAt);
    } catch (err) {
      // The turns stay in Redis: the next message that drops turns tries again.
      const failure = err instanceof UpstreamModelError ? err.failure : "error";
      log.warn("summary.failed", { ref: ref(message.id), region: message.region, error: failure });
    }
  };
}

function saveTurn(
  deps: ConverseDeps,
  message: InboundMessage,
  start: TurnStart,
  question: string,
  answer: string,
  version?: string,
  lang?: string,
): Promise<void> {
  const { chatKey, userKey, id: messageId, sentAt } = message;
  return deps.store.save(
    {
      chatKey,
      userKey,
      messageId,
      content: idempotencyContent(message),
      question: { content: question, sentAt },
      answer,
      ...(version !== undefined ? { version } : {}),
      ...(lang !== undefined ? { lang } : {}),
      startedAt: start.startedAt,
      stored: start.stored,
    },
    deps.sessionTtlSeconds,
  );
}

/** What a client-chosen message id stands for (HTTP API Idempotency-Key), to tell a reuse apart from a retry. */
function idempotencyContent(message: InboundMessage): string | undefined {
  return message.idempotent ? JSON.stringify([message.userKey, message.content]) : undefined;
}
