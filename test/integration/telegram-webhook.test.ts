import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import photo from "../fixtures/telegram/photo-message.json" with { type: "json" };
import edited from "../fixtures/telegram/edited-message.json" with { type: "json" };
import groupCommand from "../fixtures/telegram/group-command.json" with { type: "json" };
import { sleep, startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

/** Long enough for the queue consumer to have acted on anything it was going to act on. */
const SETTLE_MS = 800;

let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ logs });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

describe("POST /webhooks/telegram: what is refused", () => {
  it.each([
    ["a wrong secret token", "not-the-secret-token-000"],
    ["no secret token", null],
    ["the secret with one character changed", "test-webhook-secret-0123456780"],
  ])("refuses %s with 401 and processes nothing", async (_name, secret) => {
    const res = await stack.sendUpdate(textUpdate(501, "hello"), { secret });
    expect(res.status).toBe(401);
    await sleep(SETTLE_MS);
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.telegram.calls).toHaveLength(0);
  });

  it("refuses malformed JSON with 400", async () => {
    const res = await stack.sendUpdate(undefined, { body: '{"update_id": 1, "message": ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it("refuses JSON that is not an Update with 400", async () => {
    for (const body of ['{"hello":"world"}', "[1,2,3]", '{"update_id":-5}', '"text"']) {
      const res = await stack.sendUpdate(undefined, { body });
      expect(res.status, body).toBe(400);
    }
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await stack.sendUpdate(undefined, { body: JSON.stringify(textUpdate(502, "x".repeat(300_000))) });
    expect(res.status).toBe(413);
    await sleep(SETTLE_MS);
    expect(stack.telegram.calls).toHaveLength(0);
  });

  it("acknowledges other update kinds and answers nothing", async () => {
    const res = await stack.sendUpdate(edited);
    expect(res.status).toBe(200);
    await sleep(SETTLE_MS);
    expect(stack.telegram.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("answers a photo's caption, saying the picture itself was not read", async () => {
    const res = await stack.sendUpdate(photo);
    expect(res.status).toBe(200);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 1111111 });
    expect(reply?.text.startsWith(say("attachmentNote"))).toBe(true);
    expect(stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content)).toEqual(["what is this?"]);
  });

  it("answers a photo without a caption with a text-only notice, without asking the model", async () => {
    const { caption: _caption, ...bare } = photo.message;
    const res = await stack.sendUpdate({
      ...photo,
      update_id: photo.update_id + 1,
      message: { ...bare, message_id: 1366 },
    });
    expect(res.status).toBe(200);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 1111111 });
    expect(reply?.text).toBe(say("textOnly"));
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe("POST /webhooks/telegram: reactions", () => {
  /** What the webhook logged it did with the update (webhook.accepted), from the lines since `from`. */
  const accepted = (from: number) =>
    logs
      .slice(from)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "webhook.accepted" && l.channel === "telegram")
      .map(({ accepted, ignoredKinds }) => ({ accepted, ignoredKinds }));

  /** A message_reaction update (hand-written after the Bot API's MessageReactionUpdated) on the bot's answer. */
  const reaction = (updateId: number, old: string[], now: string[]) => ({
    update_id: updateId,
    message_reaction: {
      chat: { id: 1111111, first_name: "Ada", type: "private" },
      message_id: 1367,
      user: { id: 1111111, is_bot: false, first_name: "Ada", language_code: "en" },
      date: Math.floor(Date.now() / 1000),
      old_reaction: old.map((emoji) => ({ type: "emoji", emoji })),
      new_reaction: now.map((emoji) => ({ type: "emoji", emoji })),
    },
  });

  it("takes a 👍 added to an answer as a reaction, and answers nothing", async () => {
    const from = logs.length;
    expect((await stack.sendUpdate(reaction(938300001, [], ["👍"]))).status).toBe(200);
    await sleep(SETTLE_MS);
    expect(accepted(from)).toEqual([{ accepted: 1, ignoredKinds: undefined }]);
    expect(stack.telegram.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("ignores a reaction taken back, and 🤔, answering nothing", async () => {
    const from = logs.length;
    expect((await stack.sendUpdate(reaction(938300002, ["👍"], []))).status).toBe(200);
    expect((await stack.sendUpdate(reaction(938300003, [], ["🤔"]))).status).toBe(200);
    await sleep(SETTLE_MS);
    expect(accepted(from)).toEqual([
      { accepted: 0, ignoredKinds: "reaction" },
      { accepted: 0, ignoredKinds: "reaction" },
    ]);
    expect(stack.telegram.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe("POST /webhooks/telegram: answering", () => {
  it("acks at once and answers through the Bot API, without the model's reasoning, typing while the model works", async () => {
    stack.emulator.enqueue({ firstTokenMs: 900 }); // long enough to show "typing…"
    const res = await stack.sendUpdate(textUpdate(601, "Where is my parcel?"));
    expect(res.status).toBe(200);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 601 });
    expect(reply?.text).toBe('You said: "Where is my parcel?". How can I help further?');
    // The emulator streamed reasoning first; none of it may reach the user.
    expect(reply?.text).not.toContain("I should answer");
    const typing = stack.telegram.calls.filter((c) => c.method === "sendchataction");
    expect(typing.length).toBeGreaterThanOrEqual(1);
    expect(typing[0]?.params).toMatchObject({ chat_id: "601", action: "typing" });
    // The origin got the model name, the key and a streamed request.
    const [request] = stack.emulator.requests;
    expect(request?.authorized).toBe(true);
    expect(request?.body).toMatchObject({ model: "openai/gpt-oss-20b", stream: true });
  });

  it("answers reasoning sent as reasoning_content (older vLLM) the same way", async () => {
    const older = await startStack({ emulator: { reasoningField: "reasoning_content" } });
    try {
      await older.sendUpdate(textUpdate(602, "hi"));
      const [reply] = await older.telegram.waitForMessages(1, { chatId: 602 });
      expect(reply?.text).toBe('You said: "hi". How can I help further?');
    } finally {
      await older.close();
    }
  });

  it("answers the same update delivered 5 times at once exactly once", async () => {
    const update = textUpdate(603, "only once please");
    const responses = await Promise.all(Array.from({ length: 5 }, () => stack.sendUpdate(update)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await stack.telegram.waitForMessages(1, { chatId: 603 });
    await sleep(SETTLE_MS);
    expect(stack.telegram.sent(603)).toHaveLength(1);
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it("carries the first turn into the second call to the model", async () => {
    await stack.sendUpdate(textUpdate(604, "My name is Ada."));
    await stack.telegram.waitForMessages(1, { chatId: 604 });
    await stack.sendUpdate(textUpdate(604, "What is my name?"));
    const replies = await stack.telegram.waitForMessages(2, { chatId: 604 });
    expect(replies[1]?.text).toContain("I also remember 1 earlier message");
    const second = stack.emulator.requests[1]?.body.messages ?? [];
    expect(second.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(second[1]?.content).toBe("My name is Ada.");
    expect(second[2]?.content).toBe(replies[0]?.text);
    expect(second[3]?.content).toBe("What is my name?");
  });

  it("/reset forgets the conversation", async () => {
    await stack.sendUpdate(textUpdate(605, "Remember the number 42."));
    await stack.telegram.waitForMessages(1, { chatId: 605 });
    await stack.sendUpdate(textUpdate(605, "/reset"));
    const afterReset = await stack.telegram.waitForMessages(2, { chatId: 605 });
    expect(afterReset[1]?.text).toBe(say("reset.done"));
    await stack.sendUpdate(textUpdate(605, "Which number?"));
    await stack.telegram.waitForMessages(3, { chatId: 605 });
    const last = stack.emulator.requests.at(-1)?.body.messages ?? [];
    expect(last.map((m) => m.role)).toEqual(["system", "user"]);
    expect(stack.emulator.requests).toHaveLength(2);
  });

  it("answers /start and /help without the model, and group commands addressed to this bot", async () => {
    await stack.sendUpdate(textUpdate(606, "/start"));
    await stack.sendUpdate(textUpdate(606, "/help"));
    const replies = await stack.telegram.waitForMessages(2, { chatId: 606 });
    expect(replies.map((r) => r.text).sort()).toEqual([helpText(say, COMMANDS), say("start")].sort());
    await stack.sendUpdate(groupCommand);
    const [group] = await stack.telegram.waitForMessages(1, { chatId: -1001234567890 });
    expect(group?.text).toBe(helpText(say, COMMANDS));
    const call = stack.telegram.calls.find((c) => c.method === "sendmessage" && c.params.chat_id === "-1001234567890");
    expect(call?.params.reply_parameters).toMatchObject({ message_id: 77 });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("splits a long reply under 4,096 characters without breaking words", async () => {
    const words = Array.from({ length: 1800 }, (_, i) => `word${i}`);
    stack.emulator.enqueue({ content: words.join(" ") });
    await stack.sendUpdate(textUpdate(607, "Tell me everything."));
    await stack.telegram.waitForMessages(1, { chatId: 607 });
    await sleep(SETTLE_MS);
    const parts = stack.telegram.sent(607);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4096);
    expect(
      parts
        .map((p) => p.text)
        .join(" ")
        .split(/\s+/),
    ).toEqual(words);
  });

  it("waits as long as a 429's retry_after says, then delivers once", async () => {
    stack.telegram.failNext("sendMessage", { kind: "error", status: 429, retryAfter: 1 });
    await stack.sendUpdate(textUpdate(608, "busy?"));
    await stack.telegram.waitForMessages(1, { chatId: 608, timeoutMs: 10_000 });
    const attempts = stack.telegram.calls.filter((c) => c.method === "sendmessage" && c.params.chat_id === "608");
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    await sleep(SETTLE_MS);
    expect(stack.telegram.sent(608)).toHaveLength(1);
  });

  it("does not repeat a send whose answer was lost on the network", async () => {
    stack.telegram.failNext("sendMessage", { kind: "drop-after-delivery" });
    await stack.sendUpdate(textUpdate(609, "hello?"));
    await stack.telegram.waitForMessages(1, { chatId: 609 });
    await sleep(2 * SETTLE_MS);
    expect(stack.telegram.sent(609)).toHaveLength(1);
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it("tells the user it took too long when the origin hangs, instead of going silent", async () => {
    stack.emulator.enqueue({ hang: true });
    await stack.sendUpdate(textUpdate(610, "Are you there?"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 610, timeoutMs: 10_000 });
    expect(reply?.text).toBe(say("model.timeout"));
  });

  it("tells the user it took too long when the answer is still streaming at the deadline", async () => {
    // 30 tokens, 250 ms apart: the answer starts at once but would take 7.5 s (MODEL_TIMEOUT_MS is 5 s here).
    stack.emulator.enqueue({ content: Array.from({ length: 30 }, (_, i) => `word${i}`).join(" "), tokenGapMs: 250 });
    await stack.sendUpdate(textUpdate(612, "Tell me everything"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 612, timeoutMs: 10_000 });
    expect(reply?.text).toBe(say("model.timeout"));
  });

  it("apologises when the origin fails with a 5xx", async () => {
    stack.emulator.enqueue({ status: 503 });
    await stack.sendUpdate(textUpdate(611, "Hello?"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 611 });
    expect(reply?.text).toBe(say("model.unavailable"));
  });
});
