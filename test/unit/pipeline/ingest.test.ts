import { describe, expect, it } from "vitest";
import type { InboundMessage, QueueJob } from "../../../edge/message.js";
import { ingest } from "../../../edge/pipeline/ingest.js";

const message = (id: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  id,
  address: { channel: "telegram", account: "1", chat: "42" },
  userKey: "telegram:1:42",
  chatKey: "telegram:1:42",
  region: "eu",
  sentAt: 0,
  content: { kind: "text", text: "hi" },
  ...extra,
});

function queue() {
  const sent: QueueJob[] = [];
  return { sent, sendBatch: async (b: Array<{ body: QueueJob }>) => void sent.push(...b.map((m) => m.body)) };
}

describe("ingest", () => {
  it("queues every message of a delivery in one batch, with when it was accepted", async () => {
    const q = queue();
    const deps = { answersAll: async () => false, queue: q, queueTimeoutMs: 1000 };
    expect(await ingest([message("a"), message("b")], deps, Date.now() - 5)).toEqual({
      accepted: ["a", "b"],
      ignored: [],
    });
    expect(q.sent.map((j) => j.message.id)).toEqual(["a", "b"]);
    expect(q.sent.every((j) => j.v === 1 && (j.ackMs ?? 0) >= 5 && j.acceptedAt > 0)).toBe(true);
  });

  it("drops group chatter where the group asked for mentions only, and queues it where it asked for all", async () => {
    const q = queue();
    const chatter = message("c", { chatter: true, chatKey: "telegram:1:-100" });
    const mentionsOnly = { answersAll: async () => false, queue: q, queueTimeoutMs: 1000 };
    expect(await ingest([chatter, message("d")], mentionsOnly)).toEqual({
      accepted: ["d"],
      ignored: ["group_chatter"],
    });
    expect(await ingest([chatter], { ...mentionsOnly, answersAll: async () => true })).toEqual({
      accepted: ["c"],
      ignored: [],
    });
    expect(q.sent.map((j) => j.message.id)).toEqual(["d", "c"]);
  });

  it("masks card numbers before anything is queued", async () => {
    const q = queue();
    await ingest([message("e", { content: { kind: "text", text: "card 4111 1111 1111 1111" } })], {
      answersAll: async () => false,
      queue: q,
      queueTimeoutMs: 1000,
      mask: (text) => ({ text: text.replace(/\d[\d ]{12,}\d/, "[card]"), cards: 1 }),
    });
    expect(q.sent[0]!.message.content).toEqual({ kind: "text", text: "card [card]", cardsMasked: 1 });
  });

  it("refuses the delivery (the platform retries) when the queue refuses", async () => {
    const failing = { sendBatch: async () => Promise.reject(new Error("queue unavailable")) };
    await expect(
      ingest([message("f")], { answersAll: async () => false, queue: failing, queueTimeoutMs: 1000 }),
    ).rejects.toThrow("queue unavailable");
  });

  it("refuses the delivery when the queue does not answer in time", async () => {
    const deps = {
      answersAll: async () => false,
      queue: { sendBatch: () => new Promise<never>(() => {}) },
      queueTimeoutMs: 50,
    };
    await expect(ingest([message("g")], deps)).rejects.toThrow("queue did not answer within 50 ms");
  });
});
