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
  | { role: "assistant"; content: string; tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }> }
  | { role: "tool"; tool_call_id: string; content: string };

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
      ...window.turns.map((t): ChatMessage => ({ role: t.role, content: t.content })),
      { role: "user", content: input.userText },
    ],
    dropped: window.dropped,
    inputTokens: window.inputTokens,
  };
}
