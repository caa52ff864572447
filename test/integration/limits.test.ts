import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";

describe("per-user rate limit", () => {
  let stack: Stack;
  beforeAll(async () => {
    // A long window keeps the test independent of how fast this machine runs the burst.
    stack = await startStack({ settings: { RATE_LIMIT_MESSAGES: "3", RATE_LIMIT_WINDOW: "1 m" } });
  });
  afterAll(() => stack?.close());

  it("answers up to the limit, tells the user once to slow down, and never asks the model for the excess", async () => {
    // One message at a time (a burst would be answered together, with one model call).
    for (let i = 1; i <= 4; i++) {
      expect((await stack.sendUpdate(textUpdate(701, `message ${i}`))).status).toBe(200);
      await stack.telegram.waitForMessages(i, { chatId: 701 });
    }
    for (let i = 5; i <= 7; i++) {
      expect((await stack.sendUpdate(textUpdate(701, `message ${i}`))).status).toBe(200);
      await sleep(300);
    }
    const texts = stack.telegram.sent(701).map((m) => m.text);
    expect(texts.filter((t) => t.startsWith("You said")).map((t) => /message (\d)/.exec(t)?.[1])).toEqual([
      "1",
      "2",
      "3",
    ]);
    expect(texts.slice(3)).toEqual([say("slowDown")]);
    expect(stack.emulator.requests).toHaveLength(3);
  });

  it("limits each user on their own", async () => {
    await stack.sendUpdate(textUpdate(702, "another user"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 702 });
    expect(reply?.text).toContain("another user");
  });
});

describe("messages that keep failing", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ settings: { REPLY_MAX_ATTEMPTS: "2" } });
  });
  afterAll(() => stack?.close());
  beforeEach(() => {
    stack.telegram.reset();
    stack.emulator.reset();
  });

  it("are dead-lettered and counted after their last try", async () => {
    // Telegram refuses every send with a 5xx and asks for no wait: each attempt fails before delivering.
    const refusal = { kind: "error" as const, status: 500, retryAfter: 0 };
    stack.telegram.failNext("sendMessage", refusal, refusal);
    await stack.sendUpdate(textUpdate(801, "doomed"));
    const deadline = Date.now() + 15_000;
    let counted: unknown;
    while (Date.now() < deadline) {
      const [reply] = await stack.redis.eu.send([["GET", "metrics:dead_letters:telegram"]]);
      counted = reply?.type === "bulk" && reply.value ? Number(reply.value.toString()) : undefined;
      if (counted) break;
      await sleep(200);
    }
    expect(counted).toBe(1);
    const attempts = stack.telegram.calls.filter((c) => c.method === "sendmessage" && c.params.chat_id === "801");
    expect(attempts).toHaveLength(2); // REPLY_MAX_ATTEMPTS = 2
    // The model was asked once: the retry delivered the saved reply instead of asking again.
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it("a delivery that fails once is tried again and answered exactly once, unchanged", async () => {
    // A reply that is itself JSON must come back from the saved copy as the same text.
    const reply = '{"opening_hours": "9-17", "days": [1, 2, 3]}';
    stack.emulator.enqueue({ content: reply });
    stack.telegram.failNext("sendMessage", { kind: "error", status: 502, retryAfter: 0 });
    await stack.sendUpdate(textUpdate(802, "second chance"));
    await stack.telegram.waitForMessages(1, { chatId: 802, timeoutMs: 10_000 });
    await sleep(800);
    expect(stack.telegram.sent(802).map((m) => m.text)).toEqual([reply]);
    expect(stack.emulator.requests.filter((r) => r.body.messages?.at(-1)?.content === "second chance")).toHaveLength(1);
  });
});

describe("typing indicator", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ settings: { MODEL_FIRST_TOKEN_TIMEOUT_MS: "10000" } });
  });
  afterAll(() => stack?.close());

  it("appears once the model takes a moment and stays on while it works longer than one chat action lasts", async () => {
    stack.emulator.enqueue({ firstTokenMs: 5000 });
    await stack.sendUpdate(textUpdate(901, "a hard question"));
    await stack.telegram.waitForMessages(1, { chatId: 901, timeoutMs: 10_000 });
    const typing = stack.telegram.calls.filter((c) => c.method === "sendchataction" && c.params.chat_id === "901");
    expect(typing.length).toBe(2);
    expect(typing[1]!.at - typing[0]!.at).toBeGreaterThanOrEqual(3900);
    // No "typing…" after the reply went out.
    const reply = stack.telegram.calls.find((c) => c.method === "sendmessage" && c.params.chat_id === "901")!;
    expect(typing.every((t) => t.at <= reply.at)).toBe(true);
  });

  it("gives way to the answer's draft in a private chat, and stays in a group, which has no drafts", async () => {
    // A short thought, then an answer that takes about three seconds to write.
    const slow = {
      firstTokenMs: 100,
      reasoning: "Opening hours.",
      tokenGapMs: 150,
      content: "We are open from nine to five on weekdays and from ten to two on Saturdays; on Sundays we are closed.",
    };
    stack.emulator.enqueue(slow);
    await stack.sendUpdate(textUpdate(903, "when are you open?"));
    await stack.telegram.waitForMessages(1, { chatId: 903, timeoutMs: 10_000 });
    expect(stack.telegram.drafts(903).length).toBeGreaterThan(0);
    expect(stack.telegram.calls.filter((c) => c.method === "sendchataction" && c.params.chat_id === "903")).toEqual([]);

    const group = -100903001;
    stack.emulator.enqueue(slow);
    const update = textUpdate(904, "@local_assistant_bot when are you open?");
    Object.assign(update.message, {
      chat: { id: group, type: "supergroup", title: "Shop" },
      entities: [{ type: "mention", offset: 0, length: 20 }],
    });
    await stack.sendUpdate(update);
    await stack.telegram.waitForMessages(1, { chatId: group, timeoutMs: 10_000 });
    const typing = stack.telegram.calls.filter(
      (c) => c.method === "sendchataction" && c.params.chat_id === String(group),
    );
    expect(typing.length).toBeGreaterThanOrEqual(1);
  });
});

describe("quick replies", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it("show no typing indicator when the answer comes at once", async () => {
    await stack.sendUpdate(textUpdate(902, "quick one"));
    await stack.telegram.waitForMessages(1, { chatId: 902 });
    await sleep(900);
    expect(stack.telegram.calls.filter((c) => c.method === "sendchataction")).toEqual([]);
  });
});
