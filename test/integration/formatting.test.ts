import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";

/** An answer as gpt-oss writes them. */
const MARKDOWN = [
  "**Order A-100** is *on its way*.",
  "",
  "- Carrier: DHL",
  "- Tracking: [open](https://track.example/A-100)",
  "",
  "```",
  "RET-42",
  "```",
].join("\n");

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

describe("Telegram", () => {
  it("shows the answer as drafts while it is written, then sends it formatted as entities", async () => {
    const chat = 9201;
    stack.emulator.enqueue({ content: MARKDOWN, tokenGapMs: 40 });
    await stack.sendUpdate(textUpdate(chat, "where is my order?"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toBe("Order A-100 is on its way.\n\n• Carrier: DHL\n• Tracking: open\n\nRET-42");
    expect(reply!.entities?.map((e) => [e.type, reply!.text.slice(e.offset, e.offset + e.length)])).toEqual([
      ["bold", "Order A-100"],
      ["italic", "on its way"],
      ["text_link", "open"],
      ["pre", "RET-42"],
    ]);
    const shown = stack.telegram.drafts(chat);
    // Several drafts, the answer growing, all before the message; never a literal marker.
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.every((d) => d.draftId > 0 && !d.text.includes("**"))).toBe(true);
    expect(shown[0]!.text.length).toBeLessThan(shown.at(-1)!.text.length);
    const sentAt = stack.telegram.calls.find((c) => c.method === "sendmessage")!.at;
    expect(shown.every((d) => d.at <= sentAt)).toBe(true);
    // Throttled: never more often than every 300 ms (with this machine's timer slack).
    for (let i = 1; i < shown.length; i++) expect(shown[i]!.at - shown[i - 1]!.at).toBeGreaterThanOrEqual(280);
  });

  it("shows a draft before the message even when the origin sends the answer all at once", async () => {
    const chat = 9207;
    stack.emulator.enqueue({ content: "We open at nine." }); // every token written at once
    await stack.sendUpdate(textUpdate(chat, "when do you open?"));
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    const sentAt = stack.telegram.calls.find(
      (c) => c.method === "sendmessage" && c.params.chat_id === String(chat),
    )!.at;
    const drafts = stack.telegram.drafts(chat);
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts[0]!.at).toBeLessThanOrEqual(sentAt);
  });

  it("takes a cancelled answer's draft back before the whole burst is answered", async () => {
    const chat = 9202;
    stack.emulator.enqueue({ content: "Hello! How can I help you today with anything?", tokenGapMs: 150 }, {});
    await stack.sendUpdate(textUpdate(chat, "hi"));
    await until(() => stack.telegram.drafts(chat).length > 0, "the first draft", 5000);
    await stack.sendUpdate(textUpdate(chat, "where is order A-100?"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toContain("where is order A-100?");
    const texts = stack.telegram.drafts(chat).map((d) => d.text);
    // The cancelled answer's draft is replaced by the empty one (Telegram's "Thinking…") at once.
    const cleared = texts.indexOf("");
    expect(cleared).toBeGreaterThan(0);
    expect(texts.slice(0, cleared).every((t) => t.startsWith("Hello"))).toBe(true);
    expect(texts.slice(cleared + 1).every((t) => !t.startsWith("Hello"))).toBe(true);
    await sleep(500);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
  });

  it("shows no drafts in groups, where Telegram has none", async () => {
    const group = -100777001;
    stack.emulator.enqueue({ content: MARKDOWN, tokenGapMs: 20 });
    // A question the model answers (mentioning the bot), streamed as in a private chat.
    const update = textUpdate(9203, "@local_assistant_bot where is my order?");
    Object.assign(update.message, {
      chat: { id: group, type: "supergroup", title: "Shop" },
      entities: [{ type: "mention", offset: 0, length: 20 }],
    });
    await stack.sendUpdate(update);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: group, timeoutMs: 8000 });
    expect(reply!.text).toContain("Order A-100");
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.telegram.drafts(group)).toEqual([]);
    expect(stack.telegram.calls.some((c) => c.method === "sendmessagedraft")).toBe(false);
  });

  it("still delivers the reply, as plain text, when Telegram refuses its formatting", async () => {
    const chat = 9204;
    stack.emulator.enqueue({ content: MARKDOWN });
    stack.telegram.failNext("sendMessage", {
      kind: "error",
      status: 400,
      description: "Bad Request: can't parse entities: wrong HTTP URL specified",
    });
    await stack.sendUpdate(textUpdate(chat, "where is my order?"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toContain("Order A-100 is on its way.");
    expect(reply!.entities).toBeUndefined();
  });

  it("splits a long answer so that each message keeps its code block", async () => {
    const chat = 9205;
    const code = Array.from({ length: 700 }, (_, i) => `step ${i}: ok`).join("\n");
    stack.emulator.enqueue({ content: "The log:\n\n```\n" + code + "\n```\n\n**Done.**" });
    await stack.sendUpdate(textUpdate(chat, "show me the log"));
    await until(() => stack.telegram.sent(chat).some((m) => m.text.includes("Done.")), "the last part", 8000);
    const parts = stack.telegram.sent(chat);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(4096);
      expect(part.entities?.some((e) => e.type === "pre")).toBe(true);
    }
    expect(parts.map((p) => p.text).join("\n")).toContain("step 699: ok");
  });
});

describe("WhatsApp", () => {
  it("sends the answer in WhatsApp's own markup", async () => {
    const waId = "4915100009206";
    stack.emulator.enqueue({ content: MARKDOWN });
    await stack.sendWhatsApp(whatsappPayload(waId, "wo ist meine Bestellung?"));
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: waId, timeoutMs: 8000 });
    expect(reply!.text).toBe(
      "*Order A-100* is _on its way_.\n\n• Carrier: DHL\n• Tracking: open (https://track.example/A-100)\n\n```RET-42```",
    );
  });
});
