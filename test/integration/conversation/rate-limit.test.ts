import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATE_LIMIT_TIMEOUT_MS } from "../../../edge/limits.js";
import { createConversationStore, type ConversationStore } from "../../../edge/services/conversation/index.js";
import { startStoreRedis, type StoreRedis } from "../../support/store-redis.js";

/** The rate limit part (services/conversation/rate-limit.ts): a sliding window, in the history's round trip. */
let db: StoreRedis;
let store: ConversationStore;
beforeAll(async () => {
  db = await startStoreRedis();
  store = createConversationStore(db.redis, { messages: 3, window: "10 s" }, db.keys);
});
afterAll(() => db?.close());

let n = 0;
const user = () => `whatsapp:1:4915100000${++n}`;

describe("the rate limit", () => {
  it("lets a user's messages through up to the limit per window, then refuses them", async () => {
    const ada = user();
    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push((await store.begin(ada, ada, `m${i}`)).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    // Another user is not held back by Ada.
    const bob = user();
    expect((await store.begin(bob, bob, "m0")).allowed).toBe(true);
  });

  it("in a chat answered one reply at a time, counts the replies in its stored turns, with no command of its own", async () => {
    const ada = user();
    const allowed = [];
    for (let i = 0; i < 5; i++) {
      const start = await store.begin(ada, ada, `s${i}`, undefined, { serialized: true });
      allowed.push(start.allowed);
      if (start.allowed)
        await store.save(
          {
            chatKey: ada,
            userKey: ada,
            messageId: `s${i}`,
            question: { content: `q${i}`, sentAt: i },
            answer: `a${i}`,
            startedAt: start.startedAt,
            stored: start.stored,
          },
          3600,
        );
    }
    expect(allowed).toEqual([true, true, true, false, false]);
    expect(await db.allKeys()).not.toContainEqual(expect.stringMatching(new RegExp(`^ratelimit:${db.keys.of(ada)}`)));
    // A /reset forgets the conversation, not the replies it had in the window.
    await store.clear(ada);
    expect((await store.begin(ada, ada, "after-reset", undefined, { serialized: true })).allowed).toBe(false);
    // A group keeps the limiter's counters (its members' turns push each other's out of the list).
    const group = "telegram:1:-100777";
    const bob = user();
    const start = await store.begin(group, bob, "g1", undefined, { serialized: true });
    expect(start.allowed).toBe(true);
    expect(await db.allKeys()).toContainEqual(expect.stringMatching(new RegExp(`^ratelimit:${db.keys.of(bob)}:`)));
  });

  it("costs no round trip of its own: the check and the history are one request", async () => {
    const ada = user();
    await store.begin(ada, ada, "warm-up");
    db.shim.resetStats();
    await store.begin(ada, ada, "m1");
    expect(db.shim.stats().eu).toMatchObject({ requests: 1 });
  });

  it("lets the message through when the database is slower than RATE_LIMIT_TIMEOUT_MS", async () => {
    const ada = user();
    db.shim.stall(RATE_LIMIT_TIMEOUT_MS + 500);
    try {
      expect((await store.begin(ada, ada, "m1")).allowed).toBe(true);
    } finally {
      db.shim.stall(0);
    }
  });

  it("tells a user to slow down once per cooldown", async () => {
    const ada = user();
    expect(await store.claimSlowDownNotice(ada, 60)).toBe(true);
    expect(await store.claimSlowDownNotice(ada, 60)).toBe(false);
    expect(await store.claimSlowDownNotice(user(), 60)).toBe(true);
  });
});
