import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pseudonym, sleep, startStack, whatsappPayload, WHATSAPP, type Stack } from "../../infra/local/edge-stack.js";
import buttonReply from "../fixtures/whatsapp/button-reply.json" with { type: "json" };
import listReply from "../fixtures/whatsapp/list-reply.json" with { type: "json" };
import image from "../fixtures/whatsapp/image.json" with { type: "json" };
import reaction from "../fixtures/whatsapp/reaction.json" with { type: "json" };
import statuses from "../fixtures/whatsapp/statuses.json" with { type: "json" };
import errors from "../fixtures/whatsapp/errors.json" with { type: "json" };
import { say } from "../../edge/texts/index.js";

const SETTLE_MS = 800;
const FIXTURE_USER = "4915112345678";

/** A fixture as if just sent: its messages stamped now, inside the 24-hour window. */
function fresh<T>(fixture: T): T {
  const copy = structuredClone(fixture) as {
    entry: Array<{ changes: Array<{ value: { messages?: Array<{ timestamp: string }> } }> }>;
  };
  for (const e of copy.entry)
    for (const c of e.changes)
      for (const m of c.value.messages ?? []) m.timestamp = String(Math.floor(Date.now() / 1000));
  return copy as T;
}

let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ logs });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.whatsapp.reset();
});

describe("GET /webhooks/whatsapp: Meta's subscription check", () => {
  const verify = (query: string) => stack.mf.dispatchFetch(new URL(`/webhooks/whatsapp?${query}`, stack.url));

  it("answers hub.challenge when the verify token matches", async () => {
    const res = await verify(`hub.mode=subscribe&hub.verify_token=${WHATSAPP.verifyToken}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("1158201444");
  });

  it.each([
    ["a wrong verify token", "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"],
    ["another mode", `hub.mode=unsubscribe&hub.verify_token=${WHATSAPP.verifyToken}&hub.challenge=1`],
    ["no parameters", ""],
  ])("refuses %s with 403", async (_name, query) => {
    expect((await verify(query)).status).toBe(403);
  });
});

describe("POST /webhooks/whatsapp: what is refused", () => {
  it.each([
    ["a forged signature", "sha256=" + "0".repeat(64)],
    ["no signature", null],
    ["a signature that is not hex", "sha256=not-a-signature"],
    ["a signature made with another secret", "sha256=" + "ab".repeat(32)],
  ])("refuses %s with 401 and processes nothing", async (_name, signature) => {
    const res = await stack.sendWhatsApp(whatsappPayload("4915100000001", "hello"), { signature });
    expect(res.status).toBe(401);
    await sleep(SETTLE_MS);
    expect(stack.whatsapp.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("refuses a signed body that is not JSON with 400, and a signed non-WhatsApp payload with 400", async () => {
    expect((await stack.sendWhatsApp(undefined, { body: '{"object":' })).status).toBe(400);
    expect((await stack.sendWhatsApp({ object: "page", entry: [] })).status).toBe(400);
  });

  it("checks the signature over the exact bytes sent: a re-serialised body fails", async () => {
    const payload = whatsappPayload("4915100000002", "héllo");
    const body = JSON.stringify(payload);
    const { signWhatsAppBody } = await import("../../infra/local/whatsapp-stand-in.js");
    const signature = signWhatsAppBody(WHATSAPP.appSecret, body);
    const reformatted = JSON.stringify(payload, null, 2);
    expect((await stack.sendWhatsApp(undefined, { body: reformatted, signature })).status).toBe(401);
    expect((await stack.sendWhatsApp(undefined, { body, signature })).status).toBe(200);
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000002" }); // its reply, before the next test
  });
});

describe("POST /webhooks/whatsapp: answering", () => {
  it("marks the message read with a typing indicator while the model works, and answers from the model", async () => {
    stack.emulator.enqueue({ firstTokenMs: 900 });
    const payload = whatsappPayload("4915100000010", "Wann habt ihr geöffnet?");
    expect((await stack.sendWhatsApp(payload)).status).toBe(200);
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "4915100000010" });
    expect(reply?.text).toBe('You said: "Wann habt ihr geöffnet?". How can I help further?');
    const wamid = payload.entry[0]!.changes[0]!.value.messages[0]!.id;
    const read = stack.whatsapp.calls.find((c) => c.body.status === "read" && c.body.message_id === wamid);
    expect(read?.body).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: wamid,
      typing_indicator: { type: "text" },
    });
    expect(read?.phoneNumberId).toBe(WHATSAPP.phoneNumberId);
  });

  it("answers the same wamid delivered three times at once exactly once", async () => {
    const payload = whatsappPayload("4915100000011", "once");
    const statuses = await Promise.all([1, 2, 3].map(() => stack.sendWhatsApp(payload)));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000011" });
    await sleep(SETTLE_MS);
    expect(stack.whatsapp.sent("4915100000011")).toHaveLength(1);
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it.each([
    ["a reply button", buttonReply, "Track my order"],
    ["a list row", listReply, "Returns and refunds"],
  ])("reads %s as the text it shows", async (_name, fixture, text) => {
    await stack.sendWhatsApp(fresh(fixture));
    await stack.whatsapp.waitForMessages(1, { chatId: FIXTURE_USER });
    expect(stack.emulator.requests[0]?.body.messages?.at(-1)?.content).toBe(text);
  });

  it("answers an image's caption, saying the image itself was not read", async () => {
    await stack.sendWhatsApp(fresh(image));
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: FIXTURE_USER });
    expect(reply?.text.startsWith(say("attachmentNote"))).toBe(true);
    expect(stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content)).toEqual(["Is this damaged?"]);
  });

  it.each([
    ["delivery statuses", statuses],
    ["webhook errors", errors],
    ["a reaction", reaction],
  ])("records %s and answers nothing", async (_name, fixture) => {
    expect((await stack.sendWhatsApp(fixture)).status).toBe(200);
    await sleep(SETTLE_MS);
    expect(stack.whatsapp.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("takes a 👍 as a reaction and ignores one taken back, answering neither", async () => {
    /** A reaction on the bot's answer with this emoji, as if just sent (the fixture's shape). */
    const withEmoji = (emoji: string, wamid: string) => {
      const copy = fresh(reaction);
      const m = copy.entry[0]!.changes[0]!.value.messages[0]!;
      m.id = wamid;
      m.reaction.emoji = emoji;
      return copy;
    };
    const from = logs.length;
    expect((await stack.sendWhatsApp(withEmoji("👍", "wamid.reaction.up.1"))).status).toBe(200);
    expect((await stack.sendWhatsApp(withEmoji("", "wamid.reaction.back.1"))).status).toBe(200);
    await sleep(SETTLE_MS);
    const accepted = logs
      .slice(from)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "webhook.accepted" && l.channel === "whatsapp")
      .map(({ accepted, ignoredKinds }) => ({ accepted, ignoredKinds }));
    expect(accepted).toEqual([
      { accepted: 1, ignoredKinds: undefined },
      { accepted: 0, ignoredKinds: "reaction" },
    ]);
    expect(stack.whatsapp.calls).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("splits a long reply into as few messages as the 4,096 limit allows", async () => {
    const words = Array.from({ length: 2000 }, (_, i) => `item${i}`);
    const content = words.join(" ");
    stack.emulator.enqueue({ content });
    await stack.sendWhatsApp(whatsappPayload("4915100000012", "list everything"));
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000012" });
    await sleep(SETTLE_MS);
    const parts = stack.whatsapp.sent("4915100000012");
    expect(parts.length).toBe(Math.ceil(content.length / 4096));
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4096);
    expect(
      parts
        .map((p) => p.text)
        .join(" ")
        .split(" "),
    ).toEqual(words);
  });

  it("backs off when Meta reports its throughput limit (130429) or HTTP 429, then delivers once", async () => {
    stack.whatsapp.failNext({ kind: "error", status: 400, code: 130429 }, { kind: "error", status: 429, code: 4 });
    await stack.sendWhatsApp(whatsappPayload("4915100000013", "busy?"));
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000013", timeoutMs: 15_000 });
    const attempts = stack.whatsapp.calls.filter((c) => c.body.type === "text");
    expect(attempts).toHaveLength(3);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(1900); // doubled
    expect(attempts[2]!.at - attempts[0]!.at).toBeLessThan(4500); // waited in place, not requeued
    expect(stack.whatsapp.sent("4915100000013")).toHaveLength(1);
  });

  it("does not repeat a send whose answer was lost on the network", async () => {
    stack.whatsapp.failNext({ kind: "drop-after-delivery" });
    await stack.sendWhatsApp(whatsappPayload("4915100000014", "hello?"));
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000014" });
    await sleep(2 * SETTLE_MS);
    expect(stack.whatsapp.sent("4915100000014")).toHaveLength(1);
  });

  it("keys users whatsapp:<phone_number_id>:<wa_id> (stored under its pseudonym) and keeps them in their region's database", async () => {
    await stack.sendWhatsApp(whatsappPayload("4915100000015", "from Germany"));
    await stack.sendWhatsApp(whatsappPayload("14155550100", "from California"));
    await stack.whatsapp.waitForMessages(1, { chatId: "14155550100" });
    await stack.whatsapp.waitForMessages(1, { chatId: "4915100000015" });
    const exists = async (region: "eu" | "us", key: string) => (await stack.redis[region].send([["EXISTS", key]]))[0];
    expect(await exists("eu", `session:${pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:4915100000015`)}`)).toEqual({
      type: "integer",
      value: 1,
    });
    expect(await exists("us", `session:${pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:4915100000015`)}`)).toEqual({
      type: "integer",
      value: 0,
    });
    expect(await exists("us", `session:${pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:14155550100`)}`)).toEqual({
      type: "integer",
      value: 1,
    });
  });
});

describe("outside the 24-hour customer service window", () => {
  const dayAndAHourAgo = () => Math.floor(Date.now() / 1000) - 25 * 3600;

  it("sends no free text and keeps the reply undelivered when no template is set", async () => {
    await stack.sendWhatsApp(whatsappPayload("4915100000020", "late message", { timestamp: dayAndAHourAgo() }));
    const key = `undelivered:${pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:4915100000020`)}`;
    let kept: unknown;
    for (let i = 0; i < 50 && !kept; i++) {
      await sleep(100);
      const [reply] = await stack.redis.eu.send([["LRANGE", key, "0", "-1"]]);
      kept = reply?.type === "array" && reply.value?.length ? reply.value : undefined;
    }
    expect(kept).toBeDefined();
    expect(stack.whatsapp.calls.filter((c) => c.body.type === "text")).toHaveLength(0);
  });

  it("treats Meta's 131047 answer the same way", async () => {
    stack.whatsapp.failNext({ kind: "error", status: 400, code: 131047 });
    await stack.sendWhatsApp(whatsappPayload("4915100000021", "hello"));
    const key = `undelivered:${pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:4915100000021`)}`;
    let length = 0;
    for (let i = 0; i < 50 && !length; i++) {
      await sleep(100);
      const [reply] = await stack.redis.eu.send([["LLEN", key]]);
      length = reply?.type === "integer" ? reply.value : 0;
    }
    expect(length).toBe(1);
    expect(stack.whatsapp.sent("4915100000021")).toHaveLength(0);
  });

  it("sends the configured template instead, once", async () => {
    const withTemplate = await startStack({
      settings: { WHATSAPP_TEMPLATE_NAME: "we_have_your_answer", WHATSAPP_TEMPLATE_LANGUAGE: "en_US" },
    });
    try {
      stack.emulator.enqueue({ content: "x ".repeat(3000).trim() }); // long: several chunks were it free text
      await withTemplate.sendWhatsApp(whatsappPayload("4915100000022", "late", { timestamp: dayAndAHourAgo() }));
      for (let i = 0; i < 50 && withTemplate.whatsapp.templates().length === 0; i++) await sleep(100);
      await sleep(SETTLE_MS);
      expect(withTemplate.whatsapp.templates()).toEqual([{ chatId: "4915100000022", text: "we_have_your_answer" }]);
      const call = withTemplate.whatsapp.calls.find((c) => c.body.type === "template");
      expect(call?.body.template).toEqual({ name: "we_have_your_answer", language: { code: "en_US" } });
      expect(withTemplate.whatsapp.sent()).toHaveLength(0);
    } finally {
      await withTemplate.close();
    }
  });
});
