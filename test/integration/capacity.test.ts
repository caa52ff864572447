import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AFFINITY_HEADER } from "../../edge/services/origin-client.js";
import { say } from "../../edge/texts/index.js";
import {
  sleep,
  startStack,
  textUpdate,
  webChatSocketUrl,
  whatsappPayload,
  type Stack,
} from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";

/**
 * The edge while capacity is short, end to end: each region's origins are emulators run as servers of
 * a pool (a concurrency cap, a queue, an admission that answers 429 with Retry-After, a drain), as
 * gpu-origin/agent puts them in front of vLLM. eu has two servers, us and apac one each.
 */
const HOLD_MS = 2500;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    port: 0,
    originsPerRegion: { eu: 2, us: 1, apac: 1 },
    emulator: { capacity: { maxNumSeqs: 4, maxWaiting: 0, retryAfterSeconds: 1 }, firstTokenMs: 50 },
    settings: {
      CAPACITY_HOLD_MS: String(HOLD_MS),
      CAPACITY_MAX_WAIT_MS: "60000",
      // As deployed (the local stack raises it for the suites that fail origins on purpose): a full
      // server's refusals counted as failures would open its breaker here.
      ORIGIN_BREAKER_FAILURES: "3",
    },
  });
});
afterAll(() => stack?.close());

const all = () => [...stack.origins.eu, ...stack.origins.us, ...stack.origins.apac];
/** Every server of a region saturated (no sequence free, no room to wait), or free again. */
const saturate = (region: "eu" | "us" | "apac", on = true) =>
  stack.origins[region].forEach((e) => e.capacity!.set(on ? { maxNumSeqs: 0, maxWaiting: 0 } : { maxNumSeqs: 4 }));

beforeEach(() => {
  for (const e of all()) {
    e.reset();
    e.capacity!.set({ maxNumSeqs: 4, maxWaiting: 0 });
  }
  stack.telegram.reset();
});

describe("capacity", () => {
  it("sends a saturated server's chats to a free one, and opens no breaker for it", async () => {
    const [full, free] = stack.origins.eu as [
      NonNullable<(typeof stack.origins.eu)[0]>,
      NonNullable<(typeof stack.origins.eu)[1]>,
    ];
    full.capacity!.set({ maxNumSeqs: 0, maxWaiting: 0 });
    // The free server has room for every chat at once, so none is held (a held chat's first message
    // would be the busy note, not its answer).
    free.capacity!.set({ maxNumSeqs: 16, maxWaiting: 0 });
    const chats = Array.from({ length: 12 }, (_, i) => 8801 + i);
    for (const chat of chats) await stack.sendUpdate(textUpdate(chat, `hello from ${chat}`));
    const busy = say("capacity.busyNote");
    for (const chat of chats) {
      const messages = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
      expect(messages.map((m) => m.text)).not.toContain(busy);
    }
    expect(full.requests).toHaveLength(0);
    expect(free.requests).toHaveLength(chats.length);
    // Each chat's calls carry its own affinity key (what the pool's load balancer hashes on), which
    // names no one: a keyed digest, not the chat's id.
    // (Salted, `<key>.<n>`, where a full server sent the call back to the pool for another.)
    const keys = free.requests.map((r) => r.headers[AFFINITY_HEADER]!);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{16}(\.[0-9a-f]{4})?$/);
    expect(new Set(keys.map((k) => k.slice(0, 16))).size).toBe(chats.length);
    for (const chat of chats) expect(keys.join(" ")).not.toContain(String(chat));
    // Several of those chats were the saturated server's, asked first and refused (the chats hash apart):
    // more refusals than the failures that open a breaker (ORIGIN_BREAKER_FAILURES, 3).
    expect(full.capacity!.refused).toBeGreaterThanOrEqual(3);
    const health = (await (await fetch(new URL("/healthz", stack.url))).json()) as {
      regions: Record<string, { origins: Array<{ origin: string; breaker: string; failures?: number }> }>;
    };
    expect(health.regions.eu!.origins.map((o) => o.breaker)).toEqual(["closed", "closed"]);
    expect(health.regions.eu!.origins.every((o) => !o.failures)).toBe(true);
  });

  it("lets a draining server finish its answer, and sends it nothing new", async () => {
    const chat = 8811;
    for (const e of stack.origins.eu)
      e.enqueue({ content: "one two three four five six seven eight", tokenGapMs: 120 });
    await stack.sendUpdate(textUpdate(chat, "tell me slowly"));
    await until(() => stack.origins.eu.some((e) => e.requests.length === 1), "the answer to start");
    const server = stack.origins.eu.find((e) => e.requests.length === 1)!;
    const other = stack.origins.eu.find((e) => e !== server)!;
    const drained = server.capacity!.drain();
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toBe("one two three four five six seven eight");
    await drained;
    await stack.sendUpdate(textUpdate(chat, "and now?"));
    await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(1);
    // A server that is leaving says so (503 with Retry-After): capacity, not a failure of the region.
    const health = (await (await fetch(new URL("/healthz", stack.url))).json()) as {
      regions: Record<string, { origins: Array<{ breaker: string; failures?: number }> }>;
    };
    expect(health.regions.eu!.origins.map((o) => o.breaker)).toEqual(["closed", "closed"]);
    expect(health.regions.eu!.origins.every((o) => !o.failures)).toBe(true);
  });

  it("holds a Telegram message while every server is busy, with typing, and answers it once one frees", async () => {
    const chat = 8821;
    saturate("eu");
    await stack.sendUpdate(textUpdate(chat, "are you there?"));
    await until(
      () =>
        stack.telegram.calls.some((c) => c.method === "sendchataction" && String(c.params.chat_id) === String(chat)),
      "typing while held",
    );
    await sleep(1000);
    expect(stack.telegram.sent(chat)).toHaveLength(0);
    saturate("eu", false);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(reply!.text).toContain("are you there?");
    await sleep(1500);
    expect(stack.telegram.sent(chat)).toHaveLength(1);
  });

  it("past the hold budget, tells the user the answer is coming, then sends it, once", async () => {
    const chat = 8831;
    saturate("eu");
    const sentAt = Date.now();
    await stack.sendUpdate(textUpdate(chat, "what are your opening hours on holidays?"));
    const [note] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 12_000 });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(HOLD_MS);
    expect(note!.text).toBe(say("capacity.busyNote"));
    saturate("eu", false);
    const [, answer] = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 20_000 });
    expect(answer!.text).toContain("opening hours on holidays");
    await sleep(1500);
    expect(stack.telegram.sent(chat)).toHaveLength(2);
    // The model was asked once: the held tries were refused before it.
    expect(stack.origins.eu.flatMap((e) => e.requests)).toHaveLength(1);
  });

  it("never takes an EU user's message to another jurisdiction while the EU is saturated", async () => {
    saturate("eu");
    const user = "4915100000881";
    await stack.sendWhatsApp(whatsappPayload(user, "Hallo, ist jemand da?"));
    await sleep(HOLD_MS + 1500);
    expect([...stack.origins.us, ...stack.origins.apac].flatMap((e) => e.requests)).toHaveLength(0);
    saturate("eu", false);
    await stack.whatsapp.waitForMessages(2, { chatId: user, timeoutMs: 20_000 });
    expect([...stack.origins.us, ...stack.origins.apac].flatMap((e) => e.requests)).toHaveLength(0);
  });

  it("overflows a saturated region to a fallback of the same jurisdiction (us to apac)", async () => {
    saturate("us");
    const res = await stack.postMessage(
      { user_id: "cap-1", text: "hi from Boston" },
      { headers: { "cf-ipcountry": "US" } },
    );
    expect(res.status).toBe(200);
    expect(stack.origins.us[0]!.requests).toHaveLength(0);
    expect(stack.origins.apac[0]!.requests).toHaveLength(1);
  });

  it("answers the HTTP API 503 with Retry-After while every server is busy", async () => {
    saturate("eu");
    const res = await stack.postMessage({ user_id: "cap-2", text: "hello" }, { headers: { "cf-ipcountry": "DE" } });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("capacity");
  });

  it("shows the web chat's message queued, then answers it", async () => {
    saturate("eu");
    const headers = { "cf-ipcountry": "DE", "cf-connecting-ip": "198.51.100.77" };
    const session = (await (await fetch(new URL("/chat/session", stack.url), { method: "POST", headers })).json()) as {
      token: string;
    };
    const ws = new WebSocket(await webChatSocketUrl(stack.url, session.token, headers), { headers });
    const frames: Array<{ type: string; text?: string }> = [];
    ws.on("message", (data) => frames.push(JSON.parse(String(data)) as { type: string }));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "message", text: "is anyone free?" }));
    await until(() => frames.some((f) => f.type === "queued"), "the queued frame");
    saturate("eu", false);
    await until(() => frames.some((f) => f.type === "done"), "the answer", 15_000);
    expect(frames.find((f) => f.type === "done")!.text).toContain("is anyone free?");
    ws.close();
  });
});
