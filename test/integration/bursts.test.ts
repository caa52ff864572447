import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REPLIES } from "../../edge/core/commands.js";
import { pseudonym, sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";

/** The product's default window: people on phones send a thought in several quick messages. */
const WINDOW_MS = 1500;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ settings: { BURST_WINDOW_MS: String(WINDOW_MS) } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

/** What the model was asked as the user's latest message, per request. */
const asked = () => stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content);

describe("bursts of messages", () => {
  it("a burst of 3 messages gets one reply, to all three in the order sent, a window after the last", async () => {
    const chat = 9101;
    let lastSentAt = 0;
    for (const text of ["hi", "my parcel has not arrived", "order A-100"]) {
      expect((await stack.sendUpdate(textUpdate(chat, text))).status).toBe(200);
      lastSentAt = Date.now();
      await sleep(300);
    }
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(Date.now() - lastSentAt).toBeGreaterThanOrEqual(WINDOW_MS - 100);
    await sleep(WINDOW_MS + 500);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
    expect(asked()).toEqual(["hi\nmy parcel has not arrived\norder A-100"]);
    expect(reply!.text).toContain("order A-100");

    // The three are one turn of the conversation: the next prompt holds them as one message.
    await stack.sendUpdate(textUpdate(chat, "any news?"));
    const [, next] = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    expect(next!.text).toContain("I also remember 1 earlier message");
    const userTurns = stack.emulator.requests[1]!.body.messages!.filter((m) => m.role === "user").map((m) => m.content);
    expect(userTurns).toEqual(["hi\nmy parcel has not arrived\norder A-100", "any news?"]);
  });

  it("answers messages sent while the previous reply is on its way after it, never before", async () => {
    const chat = 9102;
    stack.emulator.enqueue({ content: "First answer.", firstTokenMs: 1200 }, { content: "Second answer." });
    await stack.sendUpdate(textUpdate(chat, "first question"));
    // Wait until the first burst is with the model, then write twice more.
    while (stack.emulator.requests.length === 0) await sleep(20);
    await stack.sendUpdate(textUpdate(chat, "second question"));
    await stack.sendUpdate(textUpdate(chat, "and a third"));
    const replies = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 10_000 });
    expect(replies.map((m) => m.text)).toEqual(["First answer.", "Second answer."]);
    expect(asked()).toEqual(["first question", "second question\nand a third"]);
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
      REPLIES.help,
      expect.stringContaining('"are you there?"'),
    ]);
    expect(asked()).toEqual(["hello", "are you there?"]);
  });

  it("answers a WhatsApp burst once, and a redelivered message of it not again", async () => {
    const waId = "4915100009104";
    const first = whatsappPayload(waId, "Hallo");
    await stack.sendWhatsApp(first);
    await stack.sendWhatsApp(whatsappPayload(waId, "wo ist meine Bestellung?"));
    await stack.sendWhatsApp(first); // Meta delivers the same webhook again
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: waId, timeoutMs: 8000 });
    await sleep(WINDOW_MS + 500);
    expect(stack.whatsapp.sent(waId)).toHaveLength(1);
    expect(reply!.text).toContain("wo ist meine Bestellung?");
    expect(asked()).toEqual(["Hallo\nwo ist meine Bestellung?"]);
  });

  it("an operator's erasure drops the messages still waiting, and they are never answered", async () => {
    const chat = 9105;
    await stack.sendUpdate(textUpdate(chat, "please delete me before you answer"));
    await sleep(300); // taken into the inbox, waiting out the window
    const res = await stack.admin("POST", "/erasures", { channel: "telegram", user_id: String(chat) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { erased: { waitingMessages: number } }).erased.waitingMessages).toBe(1);
    await sleep(WINDOW_MS + 700);
    expect(stack.telegram.sent(chat)).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
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
    // The reply already being written goes out; the command's reply, after the erasure, does not.
    expect(stack.telegram.sent(chat).map((m) => m.text)).toEqual(["the answer in flight"]);
  });

  it("answers a user who keeps typing at the latest four windows after their first message", async () => {
    const chat = 9107;
    const parts = Array.from({ length: 8 }, (_, i) => `part ${i + 1}`);
    const started = Date.now();
    let firstReplyAfterMs: number | undefined;
    // One message a second: each within the window of the one before.
    for (const part of parts) {
      await stack.sendUpdate(textUpdate(chat, part));
      await sleep(1000);
      if (firstReplyAfterMs === undefined && stack.telegram.sent(chat).length > 0)
        firstReplyAfterMs = Date.now() - started;
    }
    await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    await sleep(WINDOW_MS + 500);
    expect(firstReplyAfterMs).toBeLessThanOrEqual(4 * WINDOW_MS + 1500);
    // Every part answered once, in order, over the replies.
    expect(asked().flatMap((t) => String(t).split("\n"))).toEqual(parts);
    expect(stack.telegram.sent(chat)).toHaveLength(asked().length);
  });

  it("takes in a message the queue delivers again (its acknowledgement was lost) once, and answers it once", async () => {
    const chat = 9106;
    // A private chat: its chat key is its user's key.
    const userKey = `telegram:7000000001:${chat}`;
    const now = Date.now();
    const job = {
      v: 1,
      acceptedAt: now,
      ackMs: 1,
      message: {
        id: "telegram:7000000001:555001",
        address: {
          channel: "telegram",
          account: "7000000001",
          chat: String(chat),
          messageId: "555001",
          lastUserMessageAt: now,
        },
        userKey,
        chatKey: userKey,
        region: "eu",
        sentAt: now,
        content: { kind: "text", text: "only once, please" },
      },
    };
    // What the queue consumer does for each delivery: hand the job to the user's inbox.
    // (Typed here by what is used: Miniflare's own types of the binding need @cloudflare/workers-types.)
    const namespace = (await stack.mf.getDurableObjectNamespace("INBOX")) as unknown as InboxNamespace;
    const inbox = namespace.get(namespace.idFromName(pseudonym(userKey)));
    await inbox.accept(job);
    await inbox.accept(job);
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    await sleep(WINDOW_MS + 500);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
    expect(asked()).toEqual(["only once, please"]);
  });
});

interface InboxNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { accept(job: unknown): Promise<void> };
}
