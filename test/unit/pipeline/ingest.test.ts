import { describe, expect, it } from "vitest";
import type { InboundMessage, QueueJob } from "../../../edge/message.js";
import { ingest } from "../../../edge/pipeline/ingest.js";
import type { DedupStore } from "../../../edge/services/dedup.js";

const message = (id: string): InboundMessage => ({
  id,
  address: { channel: "telegram", account: "1", chat: "42" },
  userKey: "telegram:1:42",
  chatKey: "telegram:1:42",
  region: "eu",
  sentAt: 0,
  content: { kind: "text", text: "hi" },
});

function memoryDedup(): DedupStore & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    claim: async (id) => (keys.has(id) ? false : (keys.add(id), true)),
    release: async (id) => void keys.delete(id),
  };
}

describe("ingest", () => {
  it("queues new deliveries and refuses repeated ones", async () => {
    const dedup = memoryDedup();
    const sent: QueueJob[] = [];
    const deps = {
      dedup: () => dedup,
      answersAll: async () => false,
      queue: { sendBatch: async (b: Array<{ body: QueueJob }>) => void sent.push(...b.map((m) => m.body)) },
      dedupTtlSeconds: 60,
      queueTimeoutMs: 1000,
    };
    expect(await ingest([message("a")], deps)).toEqual({ accepted: ["a"], duplicates: [], ignored: [] });
    expect(await ingest([message("a"), message("b")], deps)).toEqual({
      accepted: ["b"],
      duplicates: ["a"],
      ignored: [],
    });
    expect(sent.map((j) => j.message.id)).toEqual(["a", "b"]);
  });

  it("releases its claims when the queue refuses, so the platform's retry is accepted", async () => {
    const dedup = memoryDedup();
    const failing = { sendBatch: async () => Promise.reject(new Error("queue unavailable")) };
    await expect(
      ingest([message("c")], {
        dedup: () => dedup,
        answersAll: async () => false,
        queue: failing,
        dedupTtlSeconds: 60,
        queueTimeoutMs: 1000,
      }),
    ).rejects.toThrow("queue unavailable");
    expect(dedup.keys.has("c")).toBe(false);
    const ok = { sendBatch: async () => undefined };
    expect(
      await ingest([message("c")], {
        dedup: () => dedup,
        answersAll: async () => false,
        queue: ok,
        dedupTtlSeconds: 60,
        queueTimeoutMs: 1000,
      }),
    ).toEqual({
      accepted: ["c"],
      duplicates: [],
      ignored: [],
    });
  });

  it("accepts nothing when one claim hangs, and releases the others so the platform's retry is no duplicate", async () => {
    const dedup = memoryDedup();
    const hung: DedupStore = {
      ...dedup,
      claim: (id) => (id === "e" ? Promise.reject(new Error("deadline")) : dedup.claim(id, 60)),
    };
    const deps = {
      dedup: () => hung,
      answersAll: async () => false,
      queue: { sendBatch: async () => undefined },
      dedupTtlSeconds: 60,
      queueTimeoutMs: 1000,
    };
    await expect(ingest([message("d"), message("e")], deps)).rejects.toThrow("deadline");
    expect(dedup.keys.has("d")).toBe(false);
    expect(await ingest([message("d")], { ...deps, dedup: () => dedup })).toMatchObject({ accepted: ["d"] });
  });

  it("refuses the delivery when the queue does not answer in time, releasing its claims", async () => {
    const dedup = memoryDedup();
    const deps = {
      dedup: () => dedup,
      answersAll: async () => false,
      queue: { sendBatch: () => new Promise<never>(() => {}) },
      dedupTtlSeconds: 60,
      queueTimeoutMs: 50,
    };
    await expect(ingest([message("f")], deps)).rejects.toThrow("queue did not answer within 50 ms");
    expect(dedup.keys.has("f")).toBe(false);
  });
});
