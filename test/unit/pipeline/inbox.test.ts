import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CapacityShort, ReplyAbandoned, RetryDelivery } from "../../../edge/errors.js";
import type { Edge } from "../../../edge/edge.js";
import type { ChannelSender, QueueJob, Responded, RespondOptions, InboundMessage } from "../../../edge/message.js";
import { InboxEngine, type InboxStorage } from "../../../edge/pipeline/inbox.js";
import type { RegionServices } from "../../../edge/services/region.js";
import { fakeEdge } from "../../support/fake-edge.js";

/** The inbox's storage as a Map, with the alarm it was last given. */
function memoryStorage() {
  const data = new Map<string, unknown>();
  const storage: InboxStorage & { data: Map<string, unknown>; alarm: number | undefined } = {
    data,
    alarm: undefined,
    get: <T>(key: string) => structuredClone(data.get(key)) as T | undefined,
    put: (key, value) => void data.set(key, structuredClone(value)),
    delete: (key) => void data.delete(key),
    list: <T>(prefix: string) =>
      [...data].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as Array<[string, T]>,
    setAlarm: async (at) => void (storage.alarm = at),
    deleteAlarm: async () => void (storage.alarm = undefined),
    deleteAll: async () => data.clear(),
  };
  return storage;
}

/** A reply the test decides the fate of: what it was asked, and its signal. */
interface Call {
  text: string;
  options: RespondOptions;
  sender: ChannelSender;
  resolve(outcome?: Responded["reply"]["outcome"]): void;
  reject(err: unknown): void;
}

const sent: string[] = [];
let typings = 0;
const platform: ChannelSender = {
  textLimit: 4096,
  typingRefreshMs: 4000,
  send: async (_to, chunk) => (sent.push(chunk.text), "sent"),
  typing: async () => void (typings += 1),
};

function setUp(settings: Record<string, string> = {}) {
  const calls: Call[] = [];
  const deadLetters: number[] = [];
  const overdue: string[] = [];
  const edge: Edge = fakeEdge(
    {
      sender: () => platform,
      respond: (message: InboundMessage, sender: ChannelSender, options: RespondOptions = {}) =>
        new Promise<Responded>((resolve, reject) => {
          const text = message.content.kind === "text" ? message.content.text : message.content.kind;
          const call: Call = {
            text,
            options,
            sender,
            resolve: (outcome = "answered") =>
              resolve({ reply: { text: `re: ${text}`, outcome }, delivery: undefined }),
            reject,
          };
          options.signal?.addEventListener("abort", () => reject(options.signal!.reason));
          calls.push(call);
        }),
      region: () =>
        ({
          redis: {
            incrby: async (_key: string, n: number) => (deadLetters.push(n), n),
            incr: async (key: string) => (overdue.push(key), 1),
          },
        }) as unknown as RegionServices,
    },
    settings,
  );
  const storage = memoryStorage();
  const inbox = new InboxEngine(
    () => edge,
    storage,
    () => {},
  );
  return { edge, storage, inbox, calls, deadLetters, overdue };
}

let seq = 0;
function job(text: string, sentAt = Date.now(), chat = "42"): QueueJob {
  seq += 1;
  return {
    v: 1,
    acceptedAt: Date.now(),
    message: {
      id: `telegram:7000000001:${seq}`,
      address: { channel: "telegram", account: "7000000001", chat },
      userKey: `telegram:7000000001:${chat}`,
      chatKey: `telegram:7000000001:${chat}`,
      region: "eu",
      sentAt,
      content: text.startsWith("/")
        ? { kind: "command", command: { name: text.slice(1), args: "" } }
        : { kind: "text", text },
    },
  };
}

/** Lets pending promise callbacks run (the alarm's loop, a rejected call). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_767_225_600_000 });
  sent.length = 0;
  typings = 0;
});
afterEach(() => vi.useRealTimers());

describe("the chat's inbox", () => {
  it("takes a message in once: a redelivery is dropped, before and after it was answered", async () => {
    const { inbox, storage, calls } = setUp();
    const hello = job("hello");
    await inbox.take(hello);
    await inbox.take(hello);
    expect(storage.alarm).toBe(Date.now());
    const alarm = inbox.alarm();
    await settle();
    expect(calls.map((c) => c.text)).toEqual(["hello"]);
    calls[0]!.resolve();
    await alarm;
    await inbox.take(hello);
    await inbox.alarm();
    expect(calls).toHaveLength(1);
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("tells the reply to the chat's first message that no conversation is stored yet, and no later one", async () => {
    const { inbox, calls } = setUp();
    await inbox.take(job("hello"));
    const first = inbox.alarm();
    await settle();
    calls[0]!.resolve();
    await first;
    await inbox.take(job("and now?"));
    const second = inbox.alarm();
    await settle();
    calls[1]!.resolve();
    await second;
    expect(calls.map((c) => c.options.firstInChat ?? false)).toEqual([true, false]);
  });

  it("remembers what it took in by the id's keyed pseudonym, never by the id", async () => {
    const { inbox, storage, edge } = setUp();
    const hello = job("hello");
    await inbox.take(hello);
    const day = `seen@${Math.floor(Date.now() / 86_400_000)}.0`;
    expect([...storage.data.keys()]).toEqual([day]);
    const { waiting, ...remembered } = storage.data.get(day) as { waiting: QueueJob[] };
    expect(remembered).toEqual({ seq: 1, ids: [edge.keys.of(hello.message.id)] });
    // (The waiting message itself holds its id until it is answered; what is remembered after, not.)
    expect(waiting).toHaveLength(1);
    expect(JSON.stringify(remembered)).not.toContain("7000000001");
  });

  it("writes one row for a message (its day's ids, with it), an alarm once, and the row again when answered", async () => {
    const { inbox, storage, calls } = setUp();
    const writes: string[] = [];
    const { put, delete: del, setAlarm } = storage;
    storage.put = (key, value) => (writes.push(`put ${key.split(/[:@.]/)[0]}`), put(key, value));
    storage.delete = (key) => (writes.push(`delete ${key.split(/[:@.]/)[0]}`), del(key));
    storage.setAlarm = (at) => (writes.push("alarm"), setAlarm(at));
    await inbox.take(job("hi"));
    await inbox.take(job("and another thing"));
    expect(writes).toEqual(["put seen", "alarm", "put seen"]);
    writes.length = 0;
    const alarm = inbox.alarm();
    await settle();
    // More of the burst while the answer is written: its loop takes it, no alarm is set.
    await inbox.take(job("third"));
    expect(writes).toEqual(["put seen"]);
    calls[0]!.resolve();
    await settle();
    calls[1]!.resolve();
    await alarm;
    // The burst, answered once, leaves its row in one write.
    expect(writes).toEqual(["put seen", "put seen"]);
    expect(Object.keys(storage.data.get([...storage.data.keys()][0]!) as object)).toEqual(["seq", "ids"]);
    expect(calls.map((c) => c.text)).toEqual(["hi\nand another thing", "hi\nand another thing\nthird"]);
  });

  it("answers messages kept in rows of their own before the head row, in order, and deletes those rows", async () => {
    const { inbox, storage, calls } = setUp();
    const old = job("kept from before");
    storage.data.set("m:000000000007", { seq: 7, job: old });
    await inbox.take(job("new one"));
    const alarm = inbox.alarm();
    await settle();
    expect(calls.map((c) => c.text)).toEqual(["kept from before\nnew one"]);
    calls[0]!.resolve();
    await alarm;
    expect([...storage.data.keys()].filter((k) => !k.startsWith("seen@"))).toEqual([]);
    expect([...storage.data.values()].some((v) => (v as { waiting?: unknown }).waiting)).toBe(false);
  });

  it("keeps a burst's worth in the head row and more in rows of their own, answered in order once each", async () => {
    const { inbox, storage, calls } = setUp({ CAPACITY_HOLD_MS: "60000" });
    // Every server saturated: the first message is held while its chat (a group) keeps talking.
    await inbox.take(job("first", Date.now(), "-100500"));
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.reject(new CapacityShort("eu", 3));
    await alarm;
    for (let i = 0; i < 14; i++) await inbox.take(job(`/help ${i}`, Date.now(), "-100500"));
    const own = [...storage.data.keys()].filter((k) => k.startsWith("m:"));
    expect(own).toHaveLength(5);
    // Once there is room, one alarm's loop answers them all, one after another.
    vi.setSystemTime(storage.alarm!);
    const loop = inbox.alarm();
    for (let answered = 1; answered < 16; answered++) {
      await settle();
      calls[answered]!.resolve();
    }
    await loop;
    expect(calls.slice(1).map((c) => c.text)).toEqual(["first", ...Array.from({ length: 14 }, (_, i) => "command")]);
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("moves what waits to the new day's row, and writes the old one again without it", async () => {
    const { inbox, storage, calls } = setUp();
    await inbox.take(job("late at night"));
    const yesterday = [...storage.data.keys()][0]!;
    vi.setSystemTime(Date.now() + 86_400_000);
    await inbox.take(job("next morning"));
    const rows = [...storage.data.entries()].filter(([k]) => k.startsWith("seen@"));
    expect(rows).toHaveLength(2);
    expect(storage.data.get(yesterday)).not.toHaveProperty("waiting");
    expect(rows.flatMap(([, v]) => (v as { waiting?: unknown[] }).waiting ?? [])).toHaveLength(2);
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.resolve();
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["late at night\nnext morning"]);
  });

  it("answers a burst once: more of it, while the model writes, cancels that answer and asks again with all", async () => {
    const { inbox, calls, storage } = setUp();
    await inbox.take(job("hi"));
    const alarm = inbox.alarm();
    await settle();
    vi.advanceTimersByTime(300);
    await inbox.take(job("my parcel has not arrived"));
    await settle();
    expect(calls[0]!.options.signal!.aborted).toBe(true);
    expect(calls.map((c) => c.text)).toEqual(["hi", "hi\nmy parcel has not arrived"]);
    // Asked again, the burst's preview is the same one (its first message names it).
    expect(calls[1]!.options.previewId).toBe(calls[0]!.options.previewId);
    calls[1]!.resolve();
    await alarm;
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("never cancels a reply that has started going out: what arrives gets the next reply", async () => {
    const { inbox, calls } = setUp();
    await inbox.take(job("first question"));
    const alarm = inbox.alarm();
    await settle();
    await calls[0]!.sender.send({ channel: "telegram", account: "1", chat: "42" }, { text: "First answer." });
    await inbox.take(job("second question"));
    await settle();
    expect(calls[0]!.options.signal!.aborted).toBe(false);
    calls[0]!.resolve();
    await settle();
    expect(calls.map((c) => c.text)).toEqual(["first question", "second question"]);
    calls[1]!.resolve();
    await alarm;
  });

  it("stops cancelling after BURST_MAX_RESTARTS, so a user who keeps typing is answered", async () => {
    const { inbox, calls } = setUp();
    await inbox.take(job("a"));
    const alarm = inbox.alarm();
    await settle();
    for (const more of ["b", "c", "d", "e"]) {
      vi.advanceTimersByTime(200);
      await inbox.take(job(more));
      await settle();
    }
    // Three restarts (a+b, a+b+c, a+b+c+d); "e" waits for the next reply.
    expect(calls.map((c) => c.text)).toEqual(["a", "a\nb", "a\nb\nc", "a\nb\nc\nd"]);
    expect(calls[3]!.options.signal!.aborted).toBe(false);
    calls[3]!.resolve();
    await settle();
    expect(calls.at(-1)!.text).toBe("e");
    calls.at(-1)!.resolve();
    await alarm;
  });

  it("answers a command in its place, on its own", async () => {
    const { inbox, calls } = setUp();
    await inbox.take(job("hi"));
    await inbox.take(job("/help"));
    await inbox.take(job("and another thing"));
    const alarm = inbox.alarm();
    for (let i = 0; i < 3; i++) {
      await settle();
      calls.at(-1)!.resolve();
    }
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["hi", "command", "and another thing"]);
  });

  it("tries a failed reply again with backoff, and dead-letters it after the last try", async () => {
    const { inbox, storage, calls, deadLetters } = setUp({ REPLY_MAX_ATTEMPTS: "3" });
    await inbox.take(job("hello"));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = Date.now();
      const alarm = inbox.alarm();
      await settle();
      calls.at(-1)!.reject(new Error("origin down"));
      await alarm;
      if (attempt < 3) {
        delays.push(storage.alarm! - before);
        vi.setSystemTime(storage.alarm!);
      }
    }
    expect(delays).toEqual([1000, 2000]);
    expect(calls).toHaveLength(3);
    expect(deadLetters).toEqual([1]);
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("waits as long as the platform asked before trying again", async () => {
    const { inbox, storage, calls } = setUp();
    await inbox.take(job("hello"));
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.reject(new RetryDelivery(7.5));
    await alarm;
    expect(storage.alarm! - Date.now()).toBe(8000);
  });

  it("retries a failed burst as it was: a message that arrived meanwhile gets the next reply", async () => {
    const { inbox, storage, calls } = setUp();
    await inbox.take(job("hi"));
    await inbox.take(job("order A-100"));
    let alarm = inbox.alarm();
    await settle();
    calls[0]!.reject(new Error("origin down"));
    await alarm;
    vi.advanceTimersByTime(100);
    await inbox.take(job("hello?"));
    // The new message does not hurry the retry.
    expect(storage.alarm! - Date.now()).toBe(900);
    vi.setSystemTime(storage.alarm!);
    alarm = inbox.alarm();
    await settle();
    calls.at(-1)!.resolve();
    await settle();
    calls.at(-1)!.resolve();
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["hi\norder A-100", "hi\norder A-100", "hello?"]);
  });

  it("abandons a reply past TIMEOUT_REPLY_MS: it can send nothing more, and the next try answers", async () => {
    const { inbox, edge, storage, calls } = setUp();
    await inbox.take(job("hello"));
    const alarm = inbox.alarm();
    await settle();
    await vi.advanceTimersByTimeAsync(edge.config.timeouts.replyMs);
    await alarm;
    expect(storage.alarm).toBeGreaterThan(Date.now());
    const late = calls[0]!.sender;
    expect(() => late.send({ channel: "telegram", account: "1", chat: "42" }, { text: "late" })).toThrow(
      ReplyAbandoned,
    );
    expect(sent).toEqual([]);
    // What still ran of it was cancelled: it saves no turn after the next try's.
    expect(calls[0]!.options.signal!.aborted).toBe(true);
  });

  it("sets the alarm for a message after an alarm's loop that never ended (a runtime may end a handler)", async () => {
    const { inbox, edge, storage } = setUp();
    await inbox.take(job("hello"));
    void inbox.alarm(); // its reply never finishes, and the loop never ends
    await settle();
    storage.alarm = undefined;
    await inbox.take(job("meanwhile"));
    expect(storage.alarm).toBeUndefined(); // the running loop takes it
    vi.advanceTimersByTime(2 * edge.config.timeouts.replyMs);
    await inbox.take(job("much later"));
    expect(storage.alarm).toBe(Date.now());
  });

  it("counts a message still waiting past OVERDUE_AFTER_MS once", async () => {
    const { inbox, storage, calls, overdue } = setUp({ OVERDUE_AFTER_MS: "5000" });
    await inbox.take(job("hello"));
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(3000);
      const alarm = inbox.alarm();
      await settle();
      calls.at(-1)!.reject(new Error("origin down"));
      await alarm;
      vi.setSystemTime(storage.alarm!);
    }
    expect(overdue).toEqual(["metrics:overdue:telegram"]);
  });

  it("an erasure while an overdue message is being counted keeps nothing of what waited", async () => {
    const { inbox, storage, calls, edge } = setUp({ OVERDUE_AFTER_MS: "5000" });
    await inbox.take(job("first"));
    await inbox.take(job("/help"));
    vi.advanceTimersByTime(6000);
    // The region's Redis answers the count only once the erasure has run.
    let answer!: () => void;
    edge.region = () =>
      ({ redis: { incr: () => new Promise((r) => (answer = () => r(1))) } }) as unknown as RegionServices;
    const alarm = inbox.alarm();
    await settle();
    const erased = inbox.erase();
    await settle();
    answer();
    await settle();
    answer();
    await erased;
    await alarm;
    expect(calls).toHaveLength(0);
    expect([...storage.data.values()].some((v) => (v as { waiting?: unknown[] }).waiting)).toBe(false);
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("answers once what a fault left waiting in two rows, and leaves it in neither", async () => {
    const { storage, calls, edge } = setUp();
    const first = new InboxEngine(
      () => edge,
      storage,
      () => {},
    );
    await first.take(job("one"));
    await first.take(job("/help"));
    const [key, row] = [...storage.data.entries()][0]! as [string, { seq: number; ids: string[]; waiting: unknown[] }];
    // Each of two rows of the day (its first part and its tenth) holds one of the two.
    storage.data.set(key, { ...row, waiting: row.waiting.slice(0, 1) });
    storage.data.set(`${key.split(".")[0]}.10`, { seq: row.seq, ids: [], waiting: row.waiting.slice(1) });
    // The object as it is read again from storage (after an eviction).
    const reloaded = new InboxEngine(
      () => edge,
      storage,
      () => {},
    );
    const alarm = reloaded.alarm();
    for (let answered = 0; answered < 2; answered++) {
      await settle();
      calls[answered]!.resolve();
    }
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["one", "command"]);
    expect([...storage.data.values()].some((v) => (v as { waiting?: unknown[] }).waiting)).toBe(false);
    await new InboxEngine(
      () => edge,
      storage,
      () => {},
    ).alarm();
    expect(calls).toHaveLength(2);
  });

  it("an erasure drops what waits and still recognises what was taken in", async () => {
    const { inbox, storage, calls } = setUp();
    const hello = job("please delete me before you answer");
    await inbox.take(hello);
    expect(await inbox.erase()).toBe(1);
    expect(storage.alarm).toBeUndefined();
    // Its redelivery (the queue's, or the platform's) does not start the conversation again.
    await inbox.take(hello);
    expect(storage.alarm).toBeUndefined();
    await inbox.alarm();
    expect(calls).toHaveLength(0);
  });

  it("with BURST_WINDOW_MS, answers a window after the last message", async () => {
    const { inbox, storage, calls } = setUp({ BURST_WINDOW_MS: "1000" });
    const start = Date.now();
    await inbox.take(job("hi"));
    vi.advanceTimersByTime(600);
    await inbox.take(job("order A-100"));
    // The alarm already due sooner is not set again (each setting is a row written): fired then (or
    // early, as a runtime may), it finds the window not over and sets itself a window after the last.
    expect(storage.alarm).toBe(start + 1000);
    vi.setSystemTime(storage.alarm!);
    await inbox.alarm();
    expect(calls).toHaveLength(0);
    expect(storage.alarm).toBe(start + 1600);
    await inbox.alarm();
    expect(calls).toHaveLength(0);
    vi.setSystemTime(storage.alarm!);
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.resolve();
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["hi\norder A-100"]);
  });

  it("forgets remembered ids after INBOX_REMEMBER_MS", async () => {
    const { inbox, storage, calls } = setUp();
    const hello = job("hello");
    await inbox.take(hello);
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.resolve();
    await alarm;
    // (A day's row goes once its last id is forgotten: the day's end, plus INBOX_REMEMBER_MS.)
    vi.advanceTimersByTime(9 * 24 * 3600_000 + 1);
    await inbox.alarm();
    expect([...storage.data.keys()].filter((k) => k.startsWith("seen"))).toEqual([]);
  });

  it("still knows the ids an inbox took in one row each, before the days' rows, and forgets them too", async () => {
    const { inbox, storage, calls, edge } = setUp();
    const hello = job("hello");
    storage.data.set(`seen:${edge.keys.of(hello.message.id)}`, Date.now());
    storage.data.set("seq", 41);
    await inbox.take(hello);
    expect(calls).toHaveLength(0);
    await inbox.take(job("news"));
    const days = [...storage.data.values()].filter((v) => (v as { waiting?: unknown[] }).waiting);
    expect(days).toEqual([expect.objectContaining({ seq: 42 })]);
    const alarm = inbox.alarm();
    await settle();
    calls[0]!.resolve();
    await alarm;
    vi.advanceTimersByTime(9 * 24 * 3600_000 + 1);
    await inbox.alarm();
    // The hourly sweep after the last of the old rows went takes what only they needed.
    vi.advanceTimersByTime(3600_001);
    await inbox.alarm();
    expect([...storage.data.keys()]).toEqual([]);
  });
});

describe("the chat's inbox while capacity is short", () => {
  /** One try of the held messages: the alarm fires at its time, and the reply is asked for. */
  async function nextTry(inbox: InboxEngine, storage: ReturnType<typeof memoryStorage>) {
    vi.setSystemTime(storage.alarm!);
    const alarm = inbox.alarm();
    await settle();
    // (In a box: an async function's returned promise would wait for the alarm's.)
    return { done: alarm };
  }

  it("holds without using up tries, tells the user once past the hold budget, then answers once", async () => {
    const { inbox, storage, calls } = setUp({
      REPLY_MAX_ATTEMPTS: "2",
      CAPACITY_HOLD_MS: "20000",
      CAPACITY_MAX_WAIT_MS: "600000",
    });
    const acceptedAt = Date.now();
    const messageWrites: string[] = [];
    const { put } = storage;
    storage.put = (key, value) => (key.startsWith("seen@") && messageWrites.push(key), put(key, value));
    /** The messages waiting in the inbox's rows. */
    const waitingRows = () => [...storage.data.values()].flatMap((v) => (v as { waiting?: unknown[] }).waiting ?? []);
    await inbox.take(job("where is my order?"));
    let alarm = (await nextTry(inbox, storage)).done;
    // Held: many more tries than REPLY_MAX_ATTEMPTS, each asked again a few seconds later, typing shown.
    while (Date.now() - acceptedAt < 20_000) {
      const call = calls.at(-1)!;
      expect(call.options.capacity).toBe("hold");
      call.reject(new CapacityShort("eu", 3));
      await alarm;
      expect(storage.alarm! - Date.now()).toBe(3000);
      alarm = (await nextTry(inbox, storage)).done;
    }
    expect(calls.length).toBeGreaterThan(5);
    expect(typings).toBeGreaterThan(5);
    // Its row was written when it came and when it was first held, not at each try (each is a write).
    expect(messageWrites).toHaveLength(2);
    expect(calls.slice(1).every((c) => c.options.admitted === true)).toBe(true);
    // Past the hold budget: this try may send the note (and does), and the message waits on.
    expect(calls.at(-1)!.options.capacity).toBe("interim");
    calls.at(-1)!.resolve("busy_note");
    await alarm;
    expect(storage.alarm! - Date.now()).toBe(10_000);
    expect(waitingRows()).toHaveLength(1);
    // Later tries hold again, without another note.
    alarm = (await nextTry(inbox, storage)).done;
    expect(calls.at(-1)!.options.capacity).toBe("hold");
    calls.at(-1)!.reject(new CapacityShort("eu", 25));
    await alarm;
    expect(storage.alarm! - Date.now()).toBe(25_000);
    alarm = (await nextTry(inbox, storage)).done;
    calls.at(-1)!.resolve();
    await alarm;
    expect(waitingRows()).toEqual([]);
    expect(calls.filter((c) => c.options.capacity === "interim")).toHaveLength(1);
  });

  it("past CAPACITY_MAX_WAIT_MS, the last try answers as for a model that is down, and the message leaves", async () => {
    const { inbox, storage, calls } = setUp({ CAPACITY_HOLD_MS: "1000", CAPACITY_MAX_WAIT_MS: "60000" });
    const acceptedAt = Date.now();
    await inbox.take(job("hello?"));
    let alarm = (await nextTry(inbox, storage)).done;
    while (calls.at(-1)!.options.capacity !== "final") {
      const call = calls.at(-1)!;
      if (call.options.capacity === "interim") call.resolve("busy_note");
      else call.reject(new CapacityShort("eu", 3));
      await alarm;
      alarm = (await nextTry(inbox, storage)).done;
    }
    expect(Date.now() - acceptedAt).toBeGreaterThanOrEqual(60_000);
    expect(calls.filter((c) => c.options.capacity === "interim")).toHaveLength(1);
    calls.at(-1)!.resolve("model_failed");
    await alarm;
    expect([...storage.data.keys()].filter((k) => k.startsWith("m:"))).toEqual([]);
  });

  it("keeps the chat's order: a message that arrives while one is held waits behind it", async () => {
    const { inbox, storage, calls } = setUp();
    await inbox.take(job("first"));
    let alarm = (await nextTry(inbox, storage)).done;
    calls[0]!.reject(new CapacityShort("eu", 3));
    await alarm;
    vi.advanceTimersByTime(5000);
    await inbox.take(job("second"));
    alarm = (await nextTry(inbox, storage)).done;
    // Held messages may be joined by what came after them: one answer, in the order sent.
    expect(calls.at(-1)!.text).toBe("first\nsecond");
    calls.at(-1)!.resolve();
    await alarm;
    expect(calls.map((c) => c.text)).toEqual(["first", "first\nsecond"]);
  });
  it("keeps a message's hold through a failure of another kind: no second rate limit, no second note", async () => {
    const { inbox, storage, calls } = setUp({ CAPACITY_HOLD_MS: "1000" });
    await inbox.take(job("hello?"));
    let alarm = (await nextTry(inbox, storage)).done;
    calls.at(-1)!.reject(new CapacityShort("eu", 3));
    await alarm;
    alarm = (await nextTry(inbox, storage)).done;
    expect(calls.at(-1)!.options.capacity).toBe("interim");
    calls.at(-1)!.resolve("busy_note");
    await alarm;
    // The next try fails for another reason (the platform asked to wait), and the one after it is
    // still a held message's: admitted, and past its note.
    alarm = (await nextTry(inbox, storage)).done;
    calls.at(-1)!.reject(new RetryDelivery(2));
    await alarm;
    alarm = (await nextTry(inbox, storage)).done;
    expect(calls.at(-1)!.options).toMatchObject({ capacity: "hold", admitted: true });
    calls.at(-1)!.resolve();
    await alarm;
    expect(calls.filter((c) => c.options.capacity === "interim")).toHaveLength(1);
  });
});
