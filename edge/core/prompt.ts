import { cacheFriendlyWindow, type Turn } from "./token-budget.js";

/** A tool call the model asked for, as the OpenAI chat format carries it. */
export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model wrote it (not yet validated). */
  arguments: string;
}

export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | {
      role: "assistant";
      content: string;
      tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
    }
  | { role: "tool"; tool_call_id: string; content: string };

export interface Prompt {
  messages: ChatMessage[];
  /** Older turns that did not fit the budget. */
  dropped: number;
  inputTokens: number;
}

/**
 * The messages sent to the model, most stable first, so that vLLM's prefix cache serves as much of
 * each prompt as possible: the operator's instructions (with the tools the request offers, which the
 * chat template renders right after them), then the summary of turns no longer carried (it changes
 * only when the window steps), then the turns since (the same first turn message after message:
 * cacheFriendlyWindow), and the new message last.
 */
export function buildPrompt(input: {
  system: string;
  history: ReadonlyArray<Turn & { at: number }>;
  userText: string;
  budget: number;
  maxTurns?: number;
  summary?: { text: string; coversUntil: number } | null;
}): Prompt {
  const summary = input.summary ? `${SUMMARY_HEADING}\n${input.summary.text}` : null;
  const window = cacheFriendlyWindow({
    system: input.system,
    history: input.history,
    userText: input.userText,
    budget: input.budget,
    ...(input.maxTurns !== undefined ? { maxTurns: input.maxTurns } : {}),
    summary,
    coveredUntil: input.summary?.coversUntil ?? 0,
  });
  return {
    messages: [
      { role: "system", content: input.system },
      ...(summary ? [{ role: "user" as const, content: summary }] : []),
      ...window.turns.map((t): ChatMessage => ({ role: t.role, content: t.content })),
      { role: "user", content: input.userText },
    ],
    dropped: window.dropped,
    inputTokens: window.inputTokens,
  };
}

/**
 * Opens the message that carries the summary of the turns the window no longer holds (a context
 * note, placed before the turns: the model is told not to answer it).
 */
export const SUMMARY_HEADING =
  "(Context, not a question to answer: a summary of the earlier part of this conversation.)";

export const SUMMARIZE_INSTRUCTIONS =
  "You keep the memory of a chat between a user and an assistant. Write a short summary (at most 120 words) of " +
  "the conversation below: facts the user gave, what they asked for, what was agreed or is still open. " +
  "Write in the language of the conversation. Do not add anything that is not in it.";

/**
 * The request that folds older turns into the running summary: the previous summary, if any, and the
 * turns that have since fallen out of the prompt's window, as a transcript.
 */
export function summaryRequest(previous: string | null, turns: readonly Turn[]): ChatMessage[] {
  const transcript = turns.map((t) => `${t.role === "user" ? "User" : "Assistant"}: ${t.content}`).join("\n");
  const body = previous ? `Summary so far:\n${previous}\n\nLater turns:\n${transcript}` : transcript;
  return [
    { role: "system", content: SUMMARIZE_INSTRUCTIONS },
    { role: "user", content: body },
  ];
}
