import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORED_TURNS_MAX } from "../../../edge/limits.js";
import {
  createConversationStore,
  type ConversationStore,
  type TurnStart,
} from "../../../edge/services/conversation/index.js";
import { SCRIPTS } from "../../../edge/services/conversation/lua.js";
import { startStoreRedis, type StoreRedis } from "../../support/store-redis.js";

/** The conversation's history part (services/conversation/history.ts), on the real database. */
let db: StoreRedis;
let store: ConversationStore;
beforeAll(async () => {
  db = await startStoreRedis();
  store = createConversationStore(db.redis, { messages: 1000, window: "1 s" }, db.keys);
});
afterAll(() => db?.close());

let n = 0;
const user = () => `telegram:1:${++n}`;
const TTL = 3600;

async function exchange(chatKey: string, userKey: string, question: string, answer: string) {
  const messageId = `m${++n}`;
  const start = await store.begin(chatKey, userKey, messageId);
  await store.save(
    {
      chatKey,
      userKey,
      messageId,
      question: { content: question, sentAt: 1000 + n },
      answer,
      startedAt: start.startedAt,
      stored: start.stored,
    },
    TTL,
  );
  return messageId;
}

/**
 * Saves a private chat's question and answer as converse does, after `start` (begin's answer for
 * `messageId`); without `stored` in it, as for a conversation begin did not see.
 */
function saveTurn(
  chat: string,
  start: Pick<TurnStart, "startedAt"> & Partial<Pick<TurnStart, "stored">>,
  messageId: string,
  question: string,
  answer: string,
  content?: string,
) {
  return store.save(
    {
      chatKey: chat,
      userKey: chat,
      messageId,
      ...(content !== undefined ? { content } : {}),
      question: { content: question, sentAt: 1 },
      answer,
      startedAt: start.startedAt,
      ...(start.stored ? { stored: start.stored } : {}),
    },
    TTL,
  );
}

describe("the conversation's history", () => {
  it("keeps the most recent turns, question then answer, and hands them back oldest first", async () => {
    const ada = user();
    for (let i = 1; i <= 30; i++) await exchange(ada, ada, `q${i}`, `a${i}`);
    const { history } = await store.begin(ada, ada, "next");
    expect(history).toHaveLength(STORED_TURNS_MAX);
    expect(history.slice(-2).map((t) => [t.role, t.content])).toEqual([
      ["user", "q30"],
      ["assistant", "a30"],
    ]);
    expect(history[0]!.content).toBe(`q${30 - STORED_TURNS_MAX / 2 + 1}`);
    // Trimmed once every few saves, so never much longer than what is kept.
    expect(await db.redis.llen(`session:${db.keys.of(ada)}`)).toBeLessThanOrEqual(STORED_TURNS_MAX + 10);
    expect(await db.redis.ttl(`session:${db.keys.of(ada)}`)).toBeGreaterThan(TTL - 5);
  });

  it("saves a turn of a private chat it has seen in one command, and sets its expiry again once a day", async () => {
    const ada = user();
    const session = `session:${db.keys.of(ada)}`;
    await exchange(ada, ada, "q1", "a1");
    await db.redis.expire(session, 100);
    // (A chat answered one reply at a time: a Telegram or WhatsApp chat's inbox.)
    const start = await store.begin(ada, ada, "m-next", undefined, { serialized: true });
    db.shim.resetStats();
    const turn = {
      chatKey: ada,
      userKey: ada,
      messageId: "m-next",
      question: { content: "q2", sentAt: 1 },
      answer: "a2",
      startedAt: start.startedAt,
    };
    await store.save({ ...turn, stored: start.stored }, TTL);
    expect(db.shim.stats().eu).toMatchObject({ requests: 1, commands: 1 });
    // Its expiry was set less than a day ago: it is not set again.
    expect(await db.redis.ttl(session)).toBeLessThanOrEqual(100);
    // A day later it is.
    await store.save(
      { ...turn, messageId: "m-day", stored: { turns: 4, serialized: true, expirySetAt: Date.now() - 86_400_000 } },
      TTL,
    );
    expect(await db.redis.ttl(session)).toBeGreaterThan(TTL - 5);
    expect((await store.history(ada)).map((t) => t.content)).toEqual(["q1", "a1", "q2", "a2", "q2", "a2"]);
  });

  it("saves nothing of a turn begun before the user's erasure or a /reset, in a conversation it had seen", async () => {
    const ada = user();
    await exchange(ada, ada, "q1", "a1");
    for (const forget of [() => store.erase(ada), () => store.clear(ada)]) {
      const start = await store.begin(ada, ada, `late-${n}`, undefined, { serialized: true });
      expect(start.stored.turns).toBeGreaterThan(0);
      await forget();
      await saveTurn(ada, start, `late-${n}`, "hi", "hello");
      expect(await store.history(ada)).toEqual([]);
      await exchange(ada, ada, "again", "yes");
    }
  });

  it("saves nothing of an API turn begun before an erasure, even into a conversation begun after it", async () => {
    const ada = user();
    await exchange(ada, ada, "q1", "a1");
    // Two calls of one API client overlap: the first began before the erasure, the second after.
    const early = await store.begin(ada, ada, "early");
    await store.erase(ada);
    await exchange(ada, ada, "after", "fresh");
    await saveTurn(ada, early, "early", "before the erasure", "old");
    expect((await store.history(ada)).map((t) => t.content)).toEqual(["after", "fresh"]);
  });

  it("keeps an Idempotency-Key's reply for the retention, past the turns kept", async () => {
    const ada = user();
    const start = await store.begin(ada, ada, "idem-long", "status?");
    await saveTurn(ada, start, "idem-long", "status?", "Shipped.", "status?");
    for (let i = 0; i < STORED_TURNS_MAX; i++) await exchange(ada, ada, `q${i}`, `a${i}`);
    expect((await store.begin(ada, ada, "idem-long", "status?")).savedReply).toBe("Shipped.");
    expect((await store.begin(ada, ada, "idem-long", "cancel it")).conflict).toBe(true);
  });

  it("hands a retried message the reply saved for it, and a reused id with other content a conflict", async () => {
    const ada = user();
    const start = await store.begin(ada, ada, "idem-1", "where is my order?");
    await saveTurn(
      ada,
      { startedAt: start.startedAt },
      "idem-1",
      "where is my order?",
      "On its way.",
      "where is my order?",
    );
    expect((await store.begin(ada, ada, "idem-1", "where is my order?")).savedReply).toBe("On its way.");
    const reused = await store.begin(ada, ada, "idem-1", "cancel it");
    expect(reused).toMatchObject({ conflict: true, savedReply: null });
  });

  it("saves nothing of a turn begun before the user's erasure", async () => {
    const ada = user();
    const start = await store.begin(ada, ada, "late");
    await store.erase(ada);
    await saveTurn(ada, { startedAt: start.startedAt }, "late", "hi", "hello");
    expect(await store.history(ada)).toEqual([]);
    // A summary being written then is not kept either.
    await store.saveSummary(ada, { text: "they said hi", coversUntil: 1 }, TTL, start.startedAt);
    expect((await store.begin(ada, ada, "next")).summary).toBeNull();
  });

  it("in a chat answered one reply at a time, does not ask again for a summary it knows is not there", async () => {
    const ada = user();
    await store.begin(ada, ada, "s1", undefined, { serialized: true });
    db.shim.resetStats();
    expect((await store.begin(ada, ada, "s2", undefined, { serialized: true })).summary).toBeNull();
    // (This store's limit, 1,000 a second, is more than the turns show: its limiter's script runs too.)
    expect(db.shim.stats().eu!.byCommand).toMatchObject({ LRANGE: 1 });
    expect(db.shim.stats().eu!.byCommand).not.toHaveProperty("GET");
    // Its inbox writes one: the next message asks, and gets it.
    await store.saveSummary(ada, { text: "Ada asked about A-100.", coversUntil: 5 }, TTL, Date.now());
    expect((await store.begin(ada, ada, "s3", undefined, { serialized: true })).summary).toEqual({
      text: "Ada asked about A-100.",
      coversUntil: 5,
    });
    // Elsewhere (the HTTP API, where calls may overlap) it always asks, in the rate limiter's script.
    const bob = user();
    await store.begin(bob, bob, "h1");
    await store.saveSummary(bob, { text: "Bob asked about B-7.", coversUntil: 5 }, TTL, Date.now());
    db.shim.resetStats();
    expect((await store.begin(bob, bob, "h2")).summary).toEqual({ text: "Bob asked about B-7.", coversUntil: 5 });
    expect(Object.keys(db.shim.stats().eu!.byCommand).sort()).toEqual([
      `EVALSHA ${SCRIPTS.rateLimit.sha1.slice(0, 8)}`,
      "LRANGE",
    ]);
  });

  it("asks nothing but the turns for a chat's first message, and still finds a summary turns show is there", async () => {
    // (A private chat whose limit its turns can count, as a Telegram or WhatsApp chat's: no limiter.)
    const private5 = createConversationStore(db.redis, { messages: 5, window: "1 m" }, db.keys);
    const ada = user();
    db.shim.resetStats();
    const first = await private5.begin(ada, ada, "f1", undefined, { serialized: true, firstInChat: true });
    expect(first.history).toEqual([]);
    expect(db.shim.stats().eu!.byCommand).toMatchObject({ LRANGE: 1 });
    expect(db.shim.stats().eu!.byCommand).not.toHaveProperty("MGET");
    // A group moved to its new id brings its conversation along: its new inbox knows nothing of it.
    const group = user();
    await exchange(group, group, "q1", "a1");
    await store.saveSummary(group, { text: "They planned the trip.", coversUntil: 5 }, TTL, Date.now());
    db.shim.resetStats();
    const moved = await private5.begin(group, group, "f2", undefined, { serialized: true, firstInChat: true });
    expect(moved.summary).toEqual({ text: "They planned the trip.", coversUntil: 5 });
    expect(moved.history.map((t) => t.content)).toEqual(["q1", "a1"]);
    expect(db.shim.stats().eu!.byCommand).toMatchObject({ LRANGE: 1, MGET: 1 });
    // A group's member goes through the limiter, whose script reads the summary along: no round trip more.
    db.shim.resetStats();
    const member = await private5.begin(group, user(), "f3", undefined, { serialized: true, firstInChat: true });
    expect(member.summary).toEqual({ text: "They planned the trip.", coversUntil: 5 });
    expect(db.shim.stats().eu).toMatchObject({ requests: 1 });
    expect(db.shim.stats().eu!.byCommand).not.toHaveProperty("MGET");
  });

  it("keeps the summary and hands it back with the next message", async () => {
    const ada = user();
    await store.saveSummary(ada, { text: "Ada ordered A-100.", coversUntil: 5 }, TTL, Date.now());
    expect((await store.begin(ada, ada, "next")).summary).toEqual({ text: "Ada ordered A-100.", coversUntil: 5 });
  });

  it("in a group, sets the conversation's expiry again once a day, not at every turn", async () => {
    const group = "telegram:1:-100501";
    const session = `session:${db.keys.of(group)}`;
    await exchange(group, user(), "Ada: hi all", "Hello Ada.");
    expect(await db.redis.ttl(session)).toBeGreaterThan(TTL - 5);
    await db.redis.expire(session, 100);
    await exchange(group, user(), "Bob: hello", "Hello Bob.");
    expect(await db.redis.ttl(session)).toBeLessThanOrEqual(100);
    // A day after it was last set, the next turn sets it again.
    const carol = user();
    const start = await store.begin(group, carol, "g-day");
    await store.save(
      {
        chatKey: group,
        userKey: carol,
        messageId: "g-day",
        question: { content: "Carol: any news?", sentAt: 1 },
        answer: "Not yet.",
        startedAt: start.startedAt,
        stored: { ...start.stored, expirySetAt: Date.now() - 86_400_000 },
      },
      TTL,
    );
    expect(await db.redis.ttl(session)).toBeGreaterThan(TTL - 5);
    expect((await store.history(group)).map((t) => t.content)).toHaveLength(6);
  });

  it("in a group, marks each member's turn with their pseudonym and lists the group under them", async () => {
    const group = "telegram:1:-100500";
    const bob = user();
    await exchange(group, bob, "Bob: hi all", "Hello Bob.");
    const [asked] = await db.redis.lrange<{ by?: string }>(`session:${db.keys.of(group)}`, 0, 0);
    expect(asked!.by).toBe(db.keys.of(bob));
    expect(await db.redis.smembers(`chats:${db.keys.of(bob)}`)).toEqual([db.keys.of(group)]);
    // The history handed to the prompt never carries who wrote what by key.
    expect((await store.history(group))[0]).not.toHaveProperty("by");
  });

  it("forgets a chat on /reset, moves it when a group becomes a supergroup, and knows the last question's time", async () => {
    const from = "telegram:1:-4001";
    const to = "telegram:1:-1004001";
    const eve = user();
    await exchange(from, eve, "q", "a");
    expect(await store.lastUserMessageAt(from)).toBe(1000 + n);
    await store.moveChat(from, to);
    expect(await store.history(from)).toEqual([]);
    expect((await store.history(to)).map((t) => t.content)).toEqual(["q", "a"]);
    await store.clear(to);
    expect(await store.history(to)).toEqual([]);
  });

  it("names every key by keyed pseudonyms, never by a user, chat or message id", async () => {
    const keys = await db.allKeys();
    expect(keys.length).toBeGreaterThan(5);
    // (The rate limiter adds its window's number to its keys.)
    for (const key of keys) expect(key).toMatch(/^[a-z:]+:[0-9a-f]{32}(:[0-9a-f]{32}|:\d+|:reset)?$/);
    expect(keys.join(" ")).not.toMatch(/telegram|idem|-100/);
  });
});
