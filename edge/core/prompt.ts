import { fitWindow, type Turn } from "./token-budget.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Prompt {
  messages: ChatMessage[];
  /** Older turns that did not fit the budget. */
  dropped: number;
  inputTokens: number;
}

/**
 * The messages sent to the model: the operator's instructions, the recent turns that fit the input
 * budget, and the new message.
 */
export function buildPrompt(input: {
  system: string;
  history: readonly Turn[];
  userText: string;
  budget: number;
  maxTurns?: number;
}): Prompt {
  const window = fitWindow(input);
  return {
    messages: [
      { role: "system", content: input.system },
      ...window.turns.map((t) => ({ role: t.role, content: t.content })),
      { role: "user", content: input.userText },
    ],
    dropped: window.dropped,
    inputTokens: window.inputTokens,
  };
}
