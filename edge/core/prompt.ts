import { fitWindow, type Turn } from "./token-budget.js";

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
 * The messages sent to the model: the operator's instructions (with a summary of the turns that fell
 * out of the window, when there is one), the recent turns that fit the input budget, and the new message.
 */
export function buildPrompt(input: {
  system: string;
  history: readonly Turn[];
  userText: string;
  budget: number;
  maxTurns?: number;
  summary?: string | null;
}): Prompt {
  const system = input.summary ? `${input.system}\n\n${SUMMARY_HEADING}\n${input.summary}` : input.system;
  const window = fitWindow({ ...input, system });
  return {
    messages: [
      { role: "system", content: system },
      ...window.turns.map((t): ChatMessage => ({ role: t.role, content: t.content })),
      { role: "user", content: input.userText },
    ],
    dropped: window.dropped,
    inputTokens: window.inputTokens,
  };
}

/** Introduces, in the system prompt, the summary of the turns the window no longer holds. */
const SUMMARY_HEADING = "Summary of the earlier conversation with this user:";

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
