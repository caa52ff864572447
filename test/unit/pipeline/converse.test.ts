import { languageHint } from "../../../edge/core/language.js";
import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../../edge/message.js";
import { UpstreamModelError } from "../../../edge/errors.js";
import { converse, type ConverseDeps } from "../../../edge/pipeline/converse.js";
import type { TurnStart } from "../../../edge/services/conversation/index.js";
import type { ChatMessage } from "../../../edge/core/prompt.js";
import type { ModelClient } from "../../../edge/services/origin-client.js";
import { say } from "../../../edge/texts/index.js";

const message: InboundMessage = {
  id: "telegram:1:9",
  address: { channel: "telegram", account: "1", chat: "42" },
  userKey: "telegram:1:42",
  chatKey: "telegram:1:42",
  region: "eu",
  sentAt: 0,
  content: { kind: "text", text: "hello" },
};

function deps(start: Partial<TurnStart>, complete: ModelClient["complete"]) {
  const saved: unknown[] = [];
  const summaries: unknown[] = [];
  const store: ConverseDeps["store"] = {
    begin: async () => ({
      allowed: true,
      history: [],
      summary: null,
      savedReply: null,
      conflict: false,
      startedAt: 0,
      stored: { turns: 0 },
      ...start,
    }),
    save: async (...args) => void saved.push(args),
    saveSummary: async (...args) => void summaries.push(args),
    claimSlowDownNotice: async () => true,
  };
  const d: ConverseDeps = {
    store,
    model: { complete },
    modelSettings: {
      name: "m",
      reasoningEffort: "low",
      maxOutputTokens: 64,
      firstTokenTimeoutMs: 1000,
      timeoutMs: 1000,
      systemPrompt: "sys",
      inputTokenBudget: 2048,
      contextMaxMessages: 10,
      maxToolRounds: 4,
      maxToolCallsPerRound: 3,
      maxToolCalls: 6,
    },
    rateLimit: { messages: 5, window: "1 s", noticeCooldownSeconds: 60 },
    sessionTtlSeconds: 3600,
    runCommand: async (command) => `ran /${command.name}`,
    affinity: "0123456789abcdef",
  };
  return { d, saved, summaries };
}

describe("converse", () => {
  it("saves the turn and returns the answer", async () => {
    const { d, saved } = deps({}, async () => ({
      text: "hi there",
      usage: { promptTokens: 10, completionTokens: 3 },
      firstTokenMs: 5,
    }));
    expect(await converse(message, d)).toMatchObject({
      text: "hi there",
      outcome: "answered",
      tokensIn: 10,
      tokensOut: 3,
    });
    expect(saved).toEqual([
      [
        {
          chatKey: "telegram:1:42",
          userKey: "telegram:1:42",
          messageId: "telegram:1:9",
          question: { content: "hello", sentAt: 0 },
          answer: "hi there",
          // The language it was answered in: the conversation's from now on (core/language.ts).
          lang: "en",
          startedAt: 0,
          // What begin saw of the stored conversation goes back to save (it writes only what it must).
          stored: { turns: 0 },
        },
        3600,
      ],
    ]);
  });

  it("delivers a reply saved by an earlier attempt without asking the model", async () => {
    const { d } = deps({ savedReply: "already computed" }, async () => {
      throw new Error("the model must not be asked");
    });
    expect(await converse(message, d)).toEqual({ text: "already computed", outcome: "answered" });
  });

  it("apologises instead of sending an empty answer, and saves nothing", async () => {
    const { d, saved } = deps({}, async () => ({ text: "", usage: undefined, firstTokenMs: 5 }));
    expect(await converse(message, d)).toEqual({
      text: say("model.unavailable"),
      outcome: "model_failed",
      failure: "bad_response",
    });
    expect(saved).toEqual([]);
  });

  it("tells a timed-out user so", async () => {
    const { d } = deps({}, async () => {
      throw new UpstreamModelError("timeout", "eu", "no first token in time");
    });
    expect(await converse(message, d)).toEqual({
      text: say("model.timeout"),
      outcome: "model_failed",
      failure: "timeout",
    });
  });

  it("lets failures that are not the model's propagate, so the queue retries", async () => {
    const { d } = deps({}, async () => {
      throw new TypeError("bug");
    });
    await expect(converse(message, d)).rejects.toThrow("bug");
  });

  describe("summaries of older turns", () => {
    // 12 stored turns, a window of 10: the window steps to its newest half, and the 8 turns before
    // it are folded into the summary (one large step, so the next prompts share their prefix).
    const history = Array.from({ length: 12 }, (_, i) => ({
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      content: i === 0 ? "my name is Ana and my order is A-100" : `turn ${i}`,
      at: 1000 + i,
    }));

    it("folds turns that left the window into the summary, after the reply", async () => {
      const asked: ChatMessage[][] = [];
      const { d, summaries } = deps({ history }, async (messages) => {
        asked.push(messages);
        return {
          text: asked.length === 1 ? "the answer" : "User Ana, order A-100.",
          usage: undefined,
          firstTokenMs: 5,
        };
      });
      const result = await converse(message, d);
      expect(result.text).toBe("the answer");
      expect(asked).toHaveLength(1); // the summary waits until the reply is out
      expect(asked[0]!.map((m) => m.content)).not.toContain("my name is Ana and my order is A-100");
      await result.later!();
      expect(asked[1]!.at(-1)!.content).toContain("User: my name is Ana and my order is A-100");
      expect(asked[1]!.at(-1)!.content).toContain("turn 7");
      expect(asked[1]!.at(-1)!.content).not.toContain("turn 8");
      expect(asked[0]!.slice(1, -1).map((m) => m.content)).toEqual(["turn 8", "turn 9", "turn 10", "turn 11"]);
      expect(summaries).toEqual([["telegram:1:42", { text: "User Ana, order A-100.", coversUntil: 1007 }, 3600, 0]]);
    });

    it("puts the summary in the prompt and does not summarize the same turns twice", async () => {
      const asked: ChatMessage[][] = [];
      const { d } = deps(
        { history, summary: { text: "User Ana, order A-100.", coversUntil: 1001 } },
        async (messages) => {
          asked.push(messages);
          return { text: "hello Ana", usage: undefined, firstTokenMs: 5 };
        },
      );
      const result = await converse(message, d);
      // After the instructions, unchanged: the summary note, then every turn since it.
      // (The instructions end with the user's language, for the model.)
      expect(asked[0]![0]!.content).toBe(`sys\n\n${languageHint("en")}`);
      expect(asked[0]![1]!.content).toContain("User Ana, order A-100.");
      expect(asked[0]![2]!.content).toBe("turn 2");
      expect(result.later).toBeUndefined();
    });

    it("keeps the reply when the summary cannot be written", async () => {
      let calls = 0;
      const { d, summaries } = deps({ history }, async () => {
        calls += 1;
        if (calls > 1) throw new UpstreamModelError("unavailable", "eu", "origin down");
        return { text: "the answer", usage: undefined, firstTokenMs: 5 };
      });
      const result = await converse(message, d);
      await expect(result.later!()).resolves.toBeUndefined();
      expect(result.text).toBe("the answer");
      expect(summaries).toEqual([]);
    });
  });
});
