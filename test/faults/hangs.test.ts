import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";

/**
 * Dependencies that hang instead of refusing: each accepts the connection and never answers (or
 * answers long after its deadline). Whatever hangs, every acknowledged message is answered once, or
 * dead-lettered and counted, within the deadlines; the webhook never says 200 for what it could not
 * take in; nothing is silent.
 */

/** Short deadlines, so a test sees each one pass (README, "Reliability", has the defaults). */
const DEADLINES = {
  TIMEOUT_REDIS_MS: "500",
  TIMEOUT_KV_MS: "500",
  TIMEOUT_INBOX_MS: "2000",
  TIMEOUT_PLATFORM_MS: "700",
  TIMEOUT_ORDERS_MS: "500",
  MODEL_FIRST_TOKEN_TIMEOUT_MS: "1000",
  MODEL_TIMEOUT_MS: "2500",
  TIMEOUT_REPLY_MS: "6000",
  OVERDUE_AFTER_MS: "3000",
  REPLY_MAX_ATTEMPTS: "3",
};

const counter = async (stack: Stack, key: string) => {
  const [reply] = await stack.redis.eu.send([["GET", key]]);
  return reply?.type === "bulk" ? Number(reply.value) : 0;
};

describe("dependencies that hang", () => {
  let stack: Stack;
  const logs: string[] = [];
  const events = (name: string) => logs.filter((l) => l.includes(`"event":"${name}"`));
  beforeAll(async () => {
    stack = await startStack({ settings: DEADLINES, logs });
  });
  afterAll(() => stack?.close());
  beforeEach(() => {
    stack.shim.stall(0);
    stack.emulator.reset();
    stack.telegram.reset();
    stack.whatsapp.reset();
  });

  it("Upstash hangs while a webhook is taken in: acknowledged at once all the same, answered once when it is back", async () => {
    // Every Upstash request waits 3 s: the webhook needs only the queue, the reply is tried again.
    stack.shim.stall(3000);
    const update = textUpdate(8101, "are you there?");
    const started = Date.now();
    expect((await stack.sendUpdate(update)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    // The platform's redelivery (it did not see the 200 in time) is not answered again.
    expect((await stack.sendUpdate(update)).status).toBe(200);
    await stack.telegram.waitForMessages(1, { chatId: 8101, timeoutMs: 15_000 });
    await sleep(1500);
    expect(stack.telegram.sent(8101)).toHaveLength(1);
  });

  it("Upstash answers only after a long pause while replying: tried again, answered once", async () => {
    // Every read of the conversation waits 2.5 s: past the 0.5 s deadline, twice.
    stack.shim.stall(2500, '"session:');
    expect((await stack.sendUpdate(textUpdate(8102, "hello after a pause"))).status).toBe(200);
    await stack.telegram.waitForMessages(1, { chatId: 8102, timeoutMs: 15_000 });
    await sleep(1500);
    expect(stack.telegram.sent(8102)).toHaveLength(1);
    expect(events("message.retry").some((l) => /TimeoutError|DeadlineExceeded/.test(l))).toBe(true);
  });

  it("the order API hangs: the reply says the order system did not answer, within seconds", async () => {
    stack.orders.hangNext();
    stack.emulator.enqueue(
      { toolCalls: [{ name: "lookup_order", arguments: '{"order_id":"A-100"}' }] },
      { content: "The order system is slow right now; please try again in a few minutes." },
    );
    const started = Date.now();
    await stack.sendUpdate(textUpdate(8104, "where is my order A-100?"));
    await stack.telegram.waitForMessages(1, { chatId: 8104, timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    const toolTurn = stack.emulator.requests.at(-1)!.body.messages!.find((m) => m.role === "tool");
    expect(String(toolTurn?.content)).toContain("did not answer in time");
  });

  it("the Bot API hangs once: the reply is tried again and delivered once", async () => {
    stack.telegram.failNext("sendMessage", { kind: "hang" });
    await stack.sendUpdate(textUpdate(8105, "one answer please"));
    await stack.telegram.waitForMessages(1, { chatId: 8105, timeoutMs: 15_000 });
    await sleep(1000);
    expect(stack.telegram.sent(8105)).toHaveLength(1);
    // The model was asked once: the retry delivers the reply saved by the first try.
    expect(stack.emulator.requests.filter((r) => JSON.stringify(r.body).includes("one answer please"))).toHaveLength(1);
  });

  it("the Graph API never answers: the message is reported overdue, then dead-lettered and counted", async () => {
    const logged = logs.length;
    const overdueBefore = await counter(stack, "metrics:overdue:whatsapp");
    const deadBefore = await counter(stack, "metrics:dead_letters:whatsapp");
    stack.whatsapp.failNext({ kind: "hang" }, { kind: "hang" }, { kind: "hang" });
    await stack.sendWhatsApp(whatsappPayload("4915200008106", "is anyone there?"));
    await until(
      async () => (await counter(stack, "metrics:dead_letters:whatsapp")) > deadBefore,
      "the dead letter",
      40_000,
    );
    expect(await counter(stack, "metrics:overdue:whatsapp")).toBe(overdueBefore + 1);
    expect(logs.slice(logged).filter((l) => l.includes('"event":"message.overdue"'))).toHaveLength(1);
    await until(() => events("message.dead_lettered").length > 0, "the dead letter's log line", 5000);
    expect(stack.whatsapp.sent("4915200008106")).toHaveLength(0);
  });
});

describe("an origin that hangs", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ settings: DEADLINES, originsPerRegion: { eu: 2, us: 1, apac: 1 } });
  });
  afterAll(() => stack?.close());

  it("an origin hangs: the region's other origin answers, and the user does not wait for the hung one", async () => {
    // eu2 has one recent failure (under the threshold), so eu1 is tried first: it hangs.
    await stack.redis.eu.send([["SET", "breaker:eu2:fails", "1", "EX", "60"]]);
    await sleep(2100); // past the breaker states' cache
    stack.origins.eu[0]!.enqueue({ hang: true });
    stack.origins.eu[1]!.enqueue({ content: "answered by the other origin" });
    const started = Date.now();
    await stack.sendWhatsApp(whatsappPayload("4915200008103", "hallo"));
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "4915200008103", timeoutMs: 10_000 });
    expect(reply!.text).toBe("answered by the other origin");
    expect(stack.origins.eu[0]!.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe("the watchdog", () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    // The platform's own deadline is long here: only the reply's deadline can end the hang.
    stack = await startStack({
      settings: { ...DEADLINES, TIMEOUT_PLATFORM_MS: "60000", TIMEOUT_REPLY_MS: "4000" },
      logs,
    });
  });
  afterAll(() => stack?.close());

  it("abandons a reply stuck past TIMEOUT_REPLY_MS, tries it again, and answers the chat once", async () => {
    stack.telegram.failNext("sendMessage", { kind: "hang" });
    const started = Date.now();
    await stack.sendUpdate(textUpdate(8201, "first"));
    await stack.telegram.waitForMessages(1, { chatId: 8201, timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    // The chat is not held: its next message is answered as usual.
    await stack.sendUpdate(textUpdate(8201, "second"));
    await stack.telegram.waitForMessages(2, { chatId: 8201, timeoutMs: 10_000 });
    await sleep(1000);
    expect(stack.telegram.sent(8201)).toHaveLength(2);
    expect(logs.some((l) => l.includes('"event":"message.retry"') && l.includes("DeadlineExceeded"))).toBe(true);
  });

  it("tells a user whose answer is refused on purpose nothing twice, and logs every drop with its reason", async () => {
    const update = textUpdate(8202, "once only");
    await stack.sendUpdate(update);
    await stack.sendUpdate(update);
    await stack.telegram.waitForMessages(1, { chatId: 8202, timeoutMs: 10_000 });
    await sleep(800);
    expect(stack.telegram.sent(8202)).toHaveLength(1);
    expect(
      logs.some((l) => l.includes('"event":"message.dropped"') && l.includes('"reason":"duplicate_delivery"')),
    ).toBe(true);
  });
});
