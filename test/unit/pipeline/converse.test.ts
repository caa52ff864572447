import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../../edge/channels/types.js";
import { REPLIES } from "../../../edge/core/commands.js";
import { UpstreamModelError } from "../../../edge/errors.js";
import { converse, type ConverseDeps } from "../../../edge/pipeline/converse.js";
import type { ConversationStore, TurnStart } from "../../../edge/services/conversation-store.js";
import type { LlmClient } from "../../../edge/services/llm.js";

const message: InboundMessage = {
  id: "telegram:1:9",
  address: { channel: "telegram", account: "1", chat: "42" },
  userKey: "telegram:1:42",
  region: "eu",
  sentAt: 0,
  content: { kind: "text", text: "hello" },
};

function deps(start: Partial<TurnStart>, llm: LlmClient["complete"]) {
  const saved: unknown[] = [];
  const store: ConversationStore = {
    begin: async () => ({ allowed: true, history: [], savedReply: null, ...start }),
    save: async (...args) => void saved.push(args),
    clear: async () => {},
    history: async () => [],
    erase: async () => ({ messages: 0, savedReplies: 0, undeliveredReplies: 0, rateLimitKeys: 0 }),
    recordUndelivered: async () => {},
    claimSlowDownNotice: async () => true,
  };
  const d: ConverseDeps = {
    store,
    llm: { complete: llm },
    model: { name: "m", reasoningEffort: "low", maxOutputTokens: 64, firstTokenTimeoutMs: 1000, timeoutMs: 1000, systemPrompt: "sys", inputTokenBudget: 2048, contextMaxMessages: 10, maxToolRounds: 4 },
    rateLimit: { messages: 5, window: "1 s", noticeCooldownSeconds: 60 },
    sessionTtlSeconds: 3600,
  };
  return { d, saved };
}

describe("converse", () => {
  it("saves the turn and returns the answer", async () => {
    const { d, saved } = deps({}, async () => ({ text: "hi there", usage: { promptTokens: 10, completionTokens: 3 }, firstTokenMs: 5 }));
    expect(await converse(message, d)).toMatchObject({ reply: "hi there", outcome: "answered", tokensIn: 10, tokensOut: 3 });
    expect(saved).toEqual([["telegram:1:42", "telegram:1:9", [{ role: "user", content: "hello" }, { role: "assistant", content: "hi there" }], "hi there", 3600]]);
  });

  it("delivers a reply saved by an earlier attempt without asking the model", async () => {
    const { d } = deps({ savedReply: "already computed" }, async () => {
      throw new Error("the model must not be asked");
    });
    expect(await converse(message, d)).toEqual({ reply: "already computed", outcome: "answered" });
  });

  it("apologises instead of sending an empty answer, and saves nothing", async () => {
    const { d, saved } = deps({}, async () => ({ text: "", usage: undefined, firstTokenMs: 5 }));
    expect(await converse(message, d)).toEqual({ reply: REPLIES.modelUnavailable, outcome: "model_failed", failure: "bad_response" });
    expect(saved).toEqual([]);
  });

  it("tells a timed-out user so", async () => {
    const { d } = deps({}, async () => {
      throw new UpstreamModelError("timeout", "eu", "no first token in time");
    });
    expect(await converse(message, d)).toEqual({ reply: REPLIES.modelTimeout, outcome: "model_failed", failure: "timeout" });
  });

  it("lets failures that are not the model's propagate, so the queue retries", async () => {
    const { d } = deps({}, async () => {
      throw new TypeError("bug");
    });
    await expect(converse(message, d)).rejects.toThrow("bug");
  });
});
