import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pseudonym, sleep, startStack, WHATSAPP, type Stack } from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";

/**
 * WhatsApp as Meta really sends it, from the corpus's payloads (test/fixtures/corpus/whatsapp): a
 * webhook whose items are each read on their own, users known only by their business-scoped id,
 * edits, deletions and reactions, captions. Each payload is addressed to this edge's number and
 * stamped now (inside the 24-hour window); a batch is built from several real items.
 */
const SETTLE_MS = 1200;

type Payload = {
  entry: Array<{
    changes: Array<{
      field: string;
      value: { metadata: { phone_number_id: string }; messages?: Message[]; statuses?: unknown[] };
    }>;
  }>;
};
type Message = Record<string, unknown> & { id: string; timestamp: string; from?: string; from_user_id?: string };

let unique = 0;
/** A corpus payload, sent to this edge's number, now, with fresh message ids (and the given sender). */
function corpus(name: string, sender?: { from?: string; from_user_id?: string }): Payload {
  const payload = JSON.parse(readFileSync(`test/fixtures/corpus/whatsapp/${name}.json`, "utf8")) as Payload;
  for (const change of payload.entry.flatMap((e) => e.changes)) {
    change.value.metadata.phone_number_id = WHATSAPP.phoneNumberId;
    for (const m of change.value.messages ?? []) {
      m.id = `${m.id}-${++unique}`;
      m.timestamp = String(Math.floor(Date.now() / 1000));
      if (sender) {
        delete m.from;
        delete m.from_user_id;
        Object.assign(m, sender);
      }
    }
  }
  return payload;
}

/** One webhook carrying the changes of several payloads, as Meta batches them. */
function batch(...payloads: Payload[]): Payload {
  return {
    ...payloads[0]!,
    entry: [{ ...payloads[0]!.entry[0]!, changes: payloads.flatMap((p) => p.entry.flatMap((e) => e.changes)) }],
  };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.whatsapp.reset();
});

describe("WhatsApp: one item never sinks the batch", () => {
  it("answers the readable message of a webhook that also holds a system notice without `from` and a status", async () => {
    const webhook = batch(
      corpus("vercel-chat-system-message-user-changed-user-id"),
      corpus("pywa-message-text", { from: "4915112340001" }),
      corpus("pywa-message-status-read"),
    );
    expect((await stack.sendWhatsApp(webhook)).status).toBe(200);
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "4915112340001" });
    expect(reply!.text).toContain("Body Text");
    await sleep(SETTLE_MS);
    expect(stack.whatsapp.sent()).toHaveLength(1);
  });

  it("still answers when an item of the batch is not a message at all", async () => {
    const webhook = batch(corpus("pywa-message-text", { from: "4915112340002" }));
    webhook.entry[0]!.changes[0]!.value.messages!.unshift({ nonsense: true } as unknown as Message);
    webhook.entry.push({ broken: 1 } as never);
    expect((await stack.sendWhatsApp(webhook)).status).toBe(200);
    await stack.whatsapp.waitForMessages(1, { chatId: "4915112340002" });
  });
});

describe("WhatsApp usernames", () => {
  it("answers a user known only by their business-scoped id, through `recipient`, in the region of that id's country", async () => {
    const payload = corpus("derived-username-user-text", { from_user_id: "DE.1502576394655843" });
    expect((await stack.sendWhatsApp(payload)).status).toBe(200);
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "DE.1502576394655843" });
    expect(reply!.text).toContain("Hello from a username user");
    const send = stack.whatsapp.calls.find((c) => c.body.type === "text")!;
    expect(send.body).toMatchObject({ recipient: "DE.1502576394655843" });
    expect(send.body.to).toBeUndefined();
    const keys = await stack.keys();
    const name = pseudonym(`whatsapp:${WHATSAPP.phoneNumberId}:DE.1502576394655843`);
    expect(keys.eu.some((k) => k.includes(name))).toBe(true);
    expect([...keys.us, ...keys.apac].some((k) => k.includes(name))).toBe(false);
  });
});

describe("WhatsApp: what is not a question", () => {
  it.each([
    ["an edit", "pywa-edited-message-image"],
    ["a deleted message (revoke)", "pywa-deleted-message-revoke"],
    ["a reaction", "pywa-message-reaction"],
    ["a removed reaction", "pywa-message-unreaction-empty"],
    ["a number change", "pywa-system-phone-number-change"],
  ])("answers nothing to %s", async (_name, file) => {
    expect((await stack.sendWhatsApp(corpus(file, { from: "4915112340003" }))).status).toBe(200);
    await sleep(SETTLE_MS);
    expect(stack.whatsapp.calls.filter((c) => c.body.type)).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("answers a photo's caption, saying once that the photo itself is not seen", async () => {
    expect((await stack.sendWhatsApp(corpus("vercel-chat-image-message", { from: "4915112340004" }))).status).toBe(200);
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "4915112340004" });
    expect(reply!.text.startsWith(say("attachmentNote"))).toBe(true);
    expect(reply!.text).toContain("Check this out");
    expect(reply!.text.split(say("attachmentNote"))).toHaveLength(2);
  });
});
