/**
 * Token counting for the prompt budget, without shipping a tokenizer to the edge.
 *
 * gpt-oss uses the o200k_harmony encoding (o200k_base plus the harmony control tokens). Its 200k-entry
 * rank table is several megabytes, too big for a Worker that must start in milliseconds, so the edge
 * estimates instead: the text is cut into the same pre-tokens as o200k's split pattern (words with
 * their leading space, digit groups of at most three, punctuation runs, whitespace runs) and each
 * pre-token is priced by its script. The estimator is validated against the real o200k_base encoding
 * in test/unit/core/token-budget.test.ts: it must never undercount a corpus by more than 5 % and
 * stay within 30 % above it, so a window that fits the estimate fits the model.
 */

/**
 * Harmony wraps every message as `<|start|>{role}<|message|>{content}<|end|>`: four tokens besides the
 * content. vLLM's chat template also adds a system header (model identity, knowledge cutoff, date,
 * reasoning effort, valid channels) before the operator's instructions, and `<|start|>assistant` at the end.
 */
const TOKENS_PER_MESSAGE = 4;
const HARMONY_PREAMBLE_TOKENS = 64;

const PRE_TOKEN =
  /[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+(?:['’][\p{L}]{1,2}(?!\p{L}))?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const LATIN = /^[^\p{L}]?[\p{Script=Latin}\p{M}]+(?:['’]\p{L}{1,2})?$/u;

/** Tokens per character (CJK) or per letter (alphabets), measured on o200k_base; Latin is priced per word. */
const SCRIPT_RATES: Array<[RegExp, number]> = [
  [/\p{Script=Han}/u, 0.8],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 0.65],
  [/\p{Script=Hangul}/u, 0.45],
  [/\p{Script=Cyrillic}/u, 1 / 6],
  [/\p{Script=Greek}/u, 1 / 2.5],
];
const OTHER_LETTER_RATE = 1 / 4; // Arabic, Hebrew, Devanagari, Thai…

/** Estimated o200k token count of `text`. */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(PRE_TOKEN)) tokens += priceOf(m[0]);
  return tokens;
}

function priceOf(piece: string): number {
  if (piece.trim() === "") return 1;
  if (/^\p{N}/u.test(piece)) return 1;
  if (LATIN.test(piece)) {
    const letters = piece.replace(/[^\p{L}]/gu, "").length;
    // English words are mostly one token whatever their length, but words of other Latin-script
    // languages split every four or five letters: price for the latter, so no language is undercounted.
    return letters <= 5 ? 1 : Math.ceil(letters / 4.5);
  }
  let cost = 0;
  for (const ch of piece) cost += rateOf(ch);
  return Math.max(1, Math.ceil(cost));
}

function rateOf(ch: string): number {
  if (/[\p{L}\p{M}]/u.test(ch)) {
    for (const [script, rate] of SCRIPT_RATES) if (script.test(ch)) return rate;
    return OTHER_LETTER_RATE;
  }
  // Emoji and other astral symbols are usually two byte-level tokens; punctuation runs merge in pairs.
  return (ch.codePointAt(0) ?? 0) > 0xffff ? 2 : 0.5;
}

export interface Turn {
  role: "user" | "assistant";
  content: string;
}

/** Tokens a message costs in the harmony prompt, content plus its framing. */
export function messageTokens(content: string): number {
  return estimateTokens(content) + TOKENS_PER_MESSAGE;
}

export interface WindowResult {
  /** The turns that fit, oldest first. */
  turns: Turn[];
  /** How many older turns were left out. */
  dropped: number;
  /** Estimated input tokens of the whole prompt. */
  inputTokens: number;
}

/**
 * Whether a user's message fits the budget beside the system prompt (with no history at all): one
 * rule for every channel, checked before the model is asked.
 */
export function fitsBudget(system: string, userText: string, budget: number): boolean {
  return HARMONY_PREAMBLE_TOKENS + messageTokens(system) + messageTokens(userText) <= budget;
}

/**
 * The turns a prompt carries, chosen so that consecutive prompts of a conversation share their
 * prefix (vLLM reuses the KV cache of any prompt prefix it has seen, in 16-token blocks): every turn
 * not yet folded into the summary (`coveredUntil`), from the same first turn, message after message,
 * while they fit; when they no longer do, one large step, down to the newest turns that fit half the
 * room and half of `maxTurns`, so the start moves once every few messages rather than on each one.
 * Question and answer stay together. The turns left out are the ones to fold into the summary.
 */
export function cacheFriendlyWindow(input: {
  system: string;
  history: ReadonlyArray<Turn & { at: number }>;
  userText: string;
  budget: number;
  maxTurns?: number;
  /** The summary message the prompt carries, if any (its cost counts). */
  summary?: string | null;
  /** Turns saved up to this time are in the summary. */
  coveredUntil?: number;
}): WindowResult {
  const fixed =
    HARMONY_PREAMBLE_TOKENS +
    messageTokens(input.system) +
    messageTokens(input.userText) +
    (input.summary ? messageTokens(input.summary) : 0);
  const maxTurns = input.maxTurns ?? Number.POSITIVE_INFINITY;
  const history = input.history;
  const cost = (turns: ReadonlyArray<Turn>) => turns.reduce((sum, t) => sum + messageTokens(t.content), 0);
  // Everything the summary does not cover yet, from a turn that starts a question.
  let start = history.findIndex((t) => t.at > (input.coveredUntil ?? 0));
  if (start < 0) start = history.length;
  if (history[start]?.role === "assistant") start += 1;
  const open = history.slice(start);
  if (fixed + cost(open) <= input.budget && open.length <= maxTurns)
    return { turns: [...open], dropped: start, inputTokens: fixed + cost(open) };
  // A large step: the newest whole exchanges within half the room and half the turn cap.
  const room = Math.max(0, input.budget - fixed) / 2;
  const cap = Math.max(2, Math.floor(maxTurns / 2));
  let keepFrom = history.length;
  let used = 0;
  for (let i = history.length; i > start;) {
    let from = i - 1;
    if (history[from]?.role === "assistant" && history[from - 1]?.role === "user" && from - 1 >= start) from -= 1;
    const group = history.slice(from, i);
    if (used + cost(group) > room || history.length - from > cap) break;
    used += cost(group);
    keepFrom = from;
    i = from;
  }
  return { turns: history.slice(keepFrom), dropped: keepFrom, inputTokens: fixed + used };
}
