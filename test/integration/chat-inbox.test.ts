import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { QueueJob } from "../../edge/message.js";
import { pseudonym, sleep, startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";

/**
 * The ChatInbox Durable Object on its own, in workerd: called as the queue consumer calls it (RPC on
 * the binding), and evicted from memory while messages wait. Its decisions are
 * unit-tested in test/unit/pipeline/inbox.test.ts and test/unit/core/inbox-policy.test.ts; this is
 * the shell: the synchronous storage, the alarm, and state read back from storage.
 */
const WINDOW_MS = 800;

let stack: Stack;
beforeAll(async () => {
  // A minimum wait, so a message is still waiting when the test looks at (or evicts) its inbox.
  stack = await startStack({ settings: { BURST_WINDOW_MS: String(WINDOW_MS) } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

interface InboxStub {
  take(job: QueueJob): Promise<void>;
  erase(): Promise<number>;
}

let update = 777_000;
function jobFor(chat: number, text: string): QueueJob {
  const now = Date.now();
  update += 1;
  const userKey = `telegram:7000000001:${chat}`;
  return {
    v: 1,
    acceptedAt: now,
    ackMs: 1,
    message: {
      id: `telegram:7000000001:${update}`,
      address: { channel: "telegram", account: "7000000001", chat: String(chat), messageId: String(update) },
      userKey,
      chatKey: userKey,
      region: "eu",
      sentAt: now,
      content: { kind: "text", text },
    },
  };
}

/** The inbox of a chat, as the queue consumer reaches it (named by the chat key's pseudonym). */
async function inboxOf(chat: number): Promise<InboxStub> {
  // (Typed by what is used: Miniflare's own types of the binding are the runtime's.)
  const namespace = (await stack.mf.getDurableObjectNamespace("INBOX")) as unknown as {
    idFromName(name: string): unknown;
    get(id: unknown): InboxStub;
  };
  return namespace.get(namespace.idFromName(pseudonym(`telegram:7000000001:${chat}`)));
}

describe("the ChatInbox Durable Object", () => {
  it("takes in a message the queue delivers again (its acknowledgement was lost) once, and answers it once", async () => {
    const chat = 9120;
    const inbox = await inboxOf(chat);
    const job = jobFor(chat, "only once, please");
    await inbox.take(job);
    await inbox.take(job);
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    await sleep(WINDOW_MS + 300);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
    expect(stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content)).toEqual(["only once, please"]);
  });

  it("answers what waits after it was evicted from memory, from its storage", async () => {
    const chat = 9122;
    // Through the webhook and the queue: the test holds no reference that would keep the object in memory.
    for (const text of ["hi", "order A-100"]) await stack.sendUpdate(textUpdate(chat, text));
    // Taken in (the queue hands a message over in milliseconds), and waiting out the window.
    await sleep(WINDOW_MS / 2);
    await stack.mf.unsafeEvictDurableObject("", "ChatInbox", { name: pseudonym(`telegram:7000000001:${chat}`) });
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toContain("order A-100");
    expect(stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content)).toEqual(["hi\norder A-100"]);
  });

  it("drops on erasure what waits, says how much, and still refuses its redelivery", async () => {
    const chat = 9123;
    const inbox = await inboxOf(chat);
    const job = jobFor(chat, "please delete me before you answer");
    await inbox.take(job);
    expect(await inbox.erase()).toBe(1);
    await inbox.take(job);
    await sleep(WINDOW_MS + 500);
    expect(stack.telegram.sent(chat)).toHaveLength(0);
    expect(stack.emulator.requests).toHaveLength(0);
  });
});
