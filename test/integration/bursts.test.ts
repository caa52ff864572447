import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pseudonym, sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";
import { say } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

/** The origin's time to its first token in these tests: long enough for a burst to overlap it. */
const ORIGIN_MS = 600;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

/** What the model was asked as the user's latest message, per request. */
const asked = () => stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content);

describe("bursts of messages", () => {
  it("asks the model at once, and a burst of 3 sent 300 ms apart gets one reply to all three", async () => {
    const chat = 9101;
    stack.emulator.enqueue(
      { firstTokenMs: ORIGIN_MS, tokenGapMs: 20 },
      { firstTokenMs: ORIGIN_MS, tokenGapMs: 20 },
      { firstTokenMs: ORIGIN_MS },
    );
    let lastSentAt = 0;
    const sentAt: number[] = [];
    for (const text of ["hi", "my parcel has not arrived", "order A-100"]) {
      if (sentAt.length) await sleep(300);
      expect((await stack.sendUpdate(textUpdate(chat, text))).status).toBe(200);
      lastSentAt = Date.now();
      sentAt.push(lastSentAt);
    }
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    const repliedAt = Date.now();
    // The first message reached the model without waiting for more.
    expect(stack.emulator.requests[0]).toBeDefined();
    // Each message cancelled the answer still being written and asked again with all so far.
    expect(asked()).toEqual(["hi", "hi\nmy parcel has not arrived", "hi\nmy parcel has not arrived\norder A-100"]);
    expect(stack.emulator.requests.map((r) => r.cancelled ?? false)).toEqual([true, true, false]);
    // Delivered within the origin's own time (plus this machine's slack) of the last message.
    expect(repliedAt - lastSentAt).toBeLessThan(ORIGIN_MS + 600);
    await sleep(800);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
    expect(reply!.text).toContain("order A-100");

    // The three are one turn of the conversation: the next prompt holds them as one message.
    await stack.sendUpdate(textUpdate(chat, "any news?"));
    const [, next] = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    expect(next!.text).toContain("I also remember 1 earlier message");
    const userTurns = stack.emulator.requests[3]!.body.messages!.filter((m) => m.role === "user").map((m) => m.content);
    expect(userTurns).toEqual(["hi\nmy parcel has not arrived\norder A-100", "any news?"]);
  });

  it("answers messages sent once the reply is being delivered after it, never before, and never cancels it", async () => {
    const chat = 9102;
    stack.emulator.enqueue({ content: "First answer." });
    // Telegram takes its time over the first reply: it is on its way when the user writes again.
    stack.telegram.failNext("sendMessage", { kind: "slow", ms: 800 });
    await stack.sendUpdate(textUpdate(chat, "first question"));
    await until(() => stack.emulator.requests.length > 0, "the first question to reach the model");
    await sleep(100);
    await stack.sendUpdate(textUpdate(chat, "second question"));
    await stack.sendUpdate(textUpdate(chat, "and a third"));
    // The two later ones are one burst: answered together, or (when the first of them was already
    // being delivered before the other arrived, on a busy machine) one after the other.
    const answered = () =>
      stack.emulator.requests.filter((r) => !r.cancelled && r.finishedAt).map((r) => r.body.messages?.at(-1)?.content);
    await until(
      () =>
        answered()
          .flatMap((t) => String(t).split("\n"))
          .includes("and a third"),
      "every message answered",
    );
    await sleep(300);
    const replies = stack.telegram.sent(chat).map((m) => m.text);
    expect(replies[0]).toBe("First answer.");
    expect(answered()[0]).toBe("first question");
    expect(answered().flatMap((t) => String(t).split("\n"))).toEqual([
      "first question",
      "second question",
      "and a third",
    ]);
    expect(replies).toHaveLength(answered().length);
    expect(stack.emulator.requests[0]!.cancelled).toBeUndefined();
  });

  it("does not cancel an answer for a message the user sent seconds later: that one gets the next reply", async () => {
    const chat = 9108;
    stack.emulator.enqueue({ content: "About your parcel.", firstTokenMs: 1200 }, { content: "About returns." });
    await stack.sendUpdate(textUpdate(chat, "where is my parcel?"));
    await until(() => stack.emulator.requests.length > 0, "the first question to reach the model");
    // Delivered while the first answer is still being written, but sent 5 s after the first message
    // (as a slow queue, or a user who paused, would have it): a new question, not more of a burst.
    const later = textUpdate(chat, "and how do returns work?");
    later.message.date += 5;
    await stack.sendUpdate(later);
    const replies = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 10_000 });
    expect(replies.map((m) => m.text)).toEqual(["About your parcel.", "About returns."]);
    expect(stack.emulator.requests.map((r) => r.cancelled ?? false)).toEqual([false, false]);
  });

  it("gives a command in a burst its own reply, in its place", async () => {
    const chat = 9103;
    for (const text of ["hello", "/help", "are you there?"]) {
      await stack.sendUpdate(textUpdate(chat, text));
      await sleep(100);
    }
    const replies = await stack.telegram.waitForMessages(3, { chatId: chat, timeoutMs: 8000 });
    expect(replies.map((m) => m.text)).toEqual([
      expect.stringContaining('"hello"'),
      helpText(say, COMMANDS),
      expect.stringContaining('"are you there?"'),
    ]);
    expect(asked()).toEqual(["hello", "are you there?"]);
  });

  it("answers a WhatsApp burst once, and a redelivered message of it not again", async () => {
    const waId = "4915100009104";
    stack.emulator.enqueue({ firstTokenMs: ORIGIN_MS }, { firstTokenMs: ORIGIN_MS });
    const first = whatsappPayload(waId, "Hallo");
    await stack.sendWhatsApp(first);
    await sleep(200);
    await stack.sendWhatsApp(whatsappPayload(waId, "wo ist meine Bestellung?"));
    await stack.sendWhatsApp(first); // Meta delivers the same webhook again
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: waId, timeoutMs: 8000 });
    await sleep(1000);
    expect(stack.whatsapp.sent(waId)).toHaveLength(1);
    expect(reply!.text).toContain("wo ist meine Bestellung?");
    expect(asked().at(-1)).toBe("Hallo\nwo ist meine Bestellung?");
  });

  it("an erasure while a reply is being written stops the replies still to come", async () => {
    const chat = 9106;
    // A question (slow to answer) and a command after it: two replies, one after the other.
    stack.emulator.enqueue({ content: "the answer in flight", firstTokenMs: 1000 });
    await stack.sendUpdate(textUpdate(chat, "a slow question"));
    await stack.sendUpdate(textUpdate(chat, "/help"));
    await until(() => stack.emulator.requests.length === 1, "the question to reach the model");
    expect((await stack.admin("POST", "/erasures", { channel: "telegram", user_id: String(chat) })).status).toBe(200);
    await sleep(2500);
    // The reply already being written goes out (a command is not part of its burst and waits); the
    // command's reply, after the erasure, does not.
    expect(stack.telegram.sent(chat).map((m) => m.text)).toEqual(["the answer in flight"]);
  });

  it("answers a user who keeps typing within a few seconds, every part once, in order", async () => {
    const chat = 9107;
    const parts = Array.from({ length: 8 }, (_, i) => `part ${i + 1}`);
    stack.emulator.enqueue(...parts.map(() => ({ firstTokenMs: ORIGIN_MS })));
    const started = Date.now();
    let firstReplyAfterMs: number | undefined;
    // One message every 500 ms: each while the answer to the ones before is still being written.
    for (const part of parts) {
      await stack.sendUpdate(textUpdate(chat, part));
      await sleep(500);
      if (firstReplyAfterMs === undefined && stack.telegram.sent(chat).length > 0)
        firstReplyAfterMs = Date.now() - started;
    }
    await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    await until(() => stack.emulator.requests.every((r) => r.cancelled || r.firstContentAt), "the last answer", 8000);
    await sleep(1000);
    // Restarts are bounded: the first reply came within the restart window and an answer's time.
    expect(firstReplyAfterMs).toBeLessThanOrEqual(4000 + ORIGIN_MS + 700);
    // Every part answered once, in order, over the replies that were delivered.
    const answered = stack.emulator.requests.filter((r) => !r.cancelled).map((r) => r.body.messages?.at(-1)?.content);
    expect(answered.flatMap((t) => String(t).split("\n"))).toEqual(parts);
    expect(stack.telegram.sent(chat)).toHaveLength(answered.length);
    // At most three restarts per burst.
    expect(stack.emulator.requests.filter((r) => r.cancelled).length).toBeLessThanOrEqual(3 * answered.length);
  });
});

describe("with a minimum wait (BURST_WINDOW_MS)", () => {
  const WINDOW_MS = 1500;
  let waiting: Stack;
  beforeAll(async () => {
    waiting = await startStack({ settings: { BURST_WINDOW_MS: String(WINDOW_MS) } });
  });
  afterAll(() => waiting?.close());

  it("holds messages a window after the last, then asks the model once", async () => {
    const chat = 9111;
    for (const text of ["hi", "order A-100"]) {
      await waiting.sendUpdate(textUpdate(chat, text));
      await sleep(300);
    }
    const sentLast = Date.now() - 300;
    await waiting.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(Date.now() - sentLast).toBeGreaterThanOrEqual(WINDOW_MS - 100);
    expect(waiting.emulator.requests.map((r) => r.body.messages?.at(-1)?.content)).toEqual(["hi\norder A-100"]);
  });

  it("an operator's erasure drops the messages still waiting, and they are never answered", async () => {
    const chat = 9105;
    waiting.emulator.reset();
    await waiting.sendUpdate(textUpdate(chat, "please delete me before you answer"));
    await sleep(300); // taken into the inbox, waiting out the window
    const res = await waiting.admin("POST", "/erasures", { channel: "telegram", user_id: String(chat) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { erased: { waitingMessages: number } }).erased.waitingMessages).toBe(1);
    await sleep(WINDOW_MS + 700);
    expect(waiting.telegram.sent(chat)).toHaveLength(0);
    expect(waiting.emulator.requests).toHaveLength(0);
  });
});
