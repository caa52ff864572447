import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPseudonyms } from "../../../edge/crypto.js";
import { createConversationStore, type ConversationStore } from "../../../edge/services/conversation/index.js";
import { startStoreRedis, type StoreRedis } from "../../support/store-redis.js";

/** The erasure part (services/conversation/erasure.ts and remove-author.lua), on the real database. */
let db: StoreRedis;
let store: ConversationStore;
const limit = { messages: 100, window: "10 s" } as const;
beforeAll(async () => {
  db = await startStoreRedis();
  store = createConversationStore(db.redis, limit, db.keys);
});
afterAll(() => db?.close());

let n = 0;
async function exchange(s: ConversationStore, chatKey: string, userKey: string, question: string, answer = "ok") {
  const messageId = `m${++n}`;
  const start = await s.begin(chatKey, userKey, messageId);
  await s.save(
    { chatKey, userKey, messageId, question: { content: question, sentAt: n }, answer, startedAt: start.startedAt },
    3600,
  );
}

describe("an erasure", () => {
  it("deletes everything of the user in the database and counts it", async () => {
    const ada = "telegram:1:71";
    await exchange(store, ada, ada, "hi");
    await exchange(store, ada, ada, "my order?");
    await store.saveSummary(ada, { text: "Ada asked about an order.", coversUntil: 1 }, 3600, Date.now());
    await store.recordUndelivered(ada, "m-x", "Your order shipped.", 3600, Date.now());
    await store.claimSlowDownNotice(ada, 60);
    const counts = await store.erase(ada);
    // (A reply kept for a retried message is its answer's turn, one of the messages.)
    expect(counts).toEqual({ messages: 4, savedReplies: 0, undeliveredReplies: 1, rateLimitKeys: 2, summaries: 1 });
    // Only the erasure's own mark is left of Ada (it keeps a reply being written from saving back).
    expect(await db.allKeys()).toEqual([`erased:${db.keys.of(ada)}`]);
  });

  it("takes a person's turns, and the answers to them, out of a group; the others' stay", async () => {
    const group = "telegram:1:-100900";
    const [bob, eve] = ["telegram:1:72", "telegram:1:73"];
    await exchange(store, group, bob, "Bob: hello", "Hi Bob.");
    await exchange(store, group, eve, "Eve: when do you open?", "At nine.");
    await exchange(store, group, bob, "Bob: my address is Main St 1", "Noted.");
    await store.saveSummary(group, { text: "Bob shared his address.", coversUntil: 1 }, 3600, Date.now());
    const counts = await store.erase(bob);
    expect(counts).toMatchObject({ messages: 4, summaries: 1 });
    expect((await store.history(group)).map((t) => t.content)).toEqual(["Eve: when do you open?", "At nine."]);
    expect((await store.begin(group, eve, "next")).summary).toBeNull();
  });

  it("while a key rotation is under way, also deletes what was written under the previous key", async () => {
    const ada = "whatsapp:1:491510000074";
    const oldKeys = createPseudonyms("the-previous-key-secret-0123456789abcdef");
    const before = createConversationStore(db.redis, limit, oldKeys);
    await exchange(before, ada, ada, "written before the rotation");
    const during = createConversationStore(db.redis, limit, {
      of: db.keys.of,
      previous: oldKeys.of,
    });
    await exchange(during, ada, ada, "written after");
    expect((await during.erase(ada)).messages).toBe(4);
    expect(await before.history(ada)).toEqual([]);
    expect(await during.history(ada)).toEqual([]);
  });
});
