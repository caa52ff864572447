import http from "node:http";
import zlib from "node:zlib";
import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  readConnectTicket,
  readWebChatToken,
  signConnectTicket,
  signWebChatToken,
} from "../../edge/channels/webchat/token.js";
import { sleep, startStack, type Stack } from "../../infra/local/edge-stack.js";
import { say, textsFor } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

const SECRET = "test-chat-token-secret-0123456789abcdef";
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ port: 0, logs, settings: { WEBCHAT_ALLOWED_ORIGINS: "https://shop.example.com" } });
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

/** Each test's sessions come from a network of their own unless a test says otherwise (the per-network limits). */
let nextNetwork = 1;
const network = () => `198.51.${Math.floor(nextNetwork / 250)}.${(nextNetwork++ % 250) + 1}`;

/** Every session token and ticket this suite was given: no log may hold one (the last test). */
const issued: string[] = [];

async function newSession(body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL("/chat/session", stack.url), {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": network(), ...headers },
    body: body === undefined ? "" : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const session = (await res.json()) as { token: string; expires_at: number; resumed: boolean };
  issued.push(session.token);
  return session;
}

/** `POST /chat/ticket` with `token` in the body, as the page sends it. */
const postTicket = (token: unknown, headers: Record<string, string> = {}) =>
  fetch(new URL("/chat/ticket", stack.url), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ token }),
  });

/** A connect ticket for the session `token`, from the network `headers` name (none: `local`). */
async function ticketFor(token: string, headers: Record<string, string> = {}) {
  const res = await postTicket(token, headers);
  expect(res.status).toBe(200);
  const { ticket } = (await res.json()) as { ticket: string };
  issued.push(ticket);
  return ticket;
}

const socketUrl = (query: string) => new URL(`/chat/ws${query}`, stack.url).toString().replace(/^http/, "ws");
const ticketQuery = (ticket: string) => `?ticket=${encodeURIComponent(ticket)}`;

/** A WebSocket client that collects frames and can wait for one; it opens with a fresh ticket for `token`. */
async function open(token: string, opts: { perMessageDeflate?: boolean; headers?: Record<string, string> } = {}) {
  const url = socketUrl(ticketQuery(await ticketFor(token, opts.headers)));
  const ws = new WebSocket(url, { perMessageDeflate: opts.perMessageDeflate ?? false, headers: opts.headers ?? {} });
  const frames: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = (predicate: (f: Record<string, unknown>) => boolean, timeoutMs = 8000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)), timeoutMs);
      const check = () => {
        const found = frames.find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return {
    ws,
    frames,
    next,
    send: (frame: unknown) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
  };
}

describe("the page and sessions", () => {
  it("serves the chat page with a strict content security policy", async () => {
    const res = await fetch(new URL("/chat", stack.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain("/chat/ws?ticket=");
    expect(html).not.toContain("/chat/ws?token=");
  });

  it("serves the page in the browser's language: German for a German browser, English for others", async () => {
    const de = textsFor("de");
    const german = await fetch(new URL("/chat", stack.url), {
      headers: { "accept-language": "de-DE,de;q=0.9,en;q=0.8" },
    });
    expect(german.headers.get("content-language")).toBe("de");
    const html = await german.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain(`placeholder="${de("webchat.page.placeholder")}"`);
    expect(html).toContain(`>${de("webchat.page.send")}</button>`);
    expect(html).toContain(`"online":"${de("webchat.page.online")}"`);
    const other = await fetch(new URL("/chat", stack.url), { headers: { "accept-language": "ru-RU,ru;q=0.9" } });
    expect(await other.text()).toContain('<html lang="en">');
  });

  it("issues a signed, expiring token and resumes its conversation when sent back", async () => {
    const first = await newSession(undefined, { "cf-ipcountry": "FR" });
    expect(first.expires_at).toBeGreaterThan(Date.now() / 1000 + 3600);
    const claims = await readWebChatToken(SECRET, first.token);
    expect(claims).toMatchObject({ r: "eu", exp: first.expires_at });
    const again = await newSession({ token: first.token }, { "cf-ipcountry": "US" });
    expect(again.resumed).toBe(true);
    // Same conversation, same region, even from another country.
    expect(await readWebChatToken(SECRET, again.token)).toMatchObject({ c: claims!.c, r: "eu" });
  });

  it("starts a new conversation for a forged token", async () => {
    const genuine = await readWebChatToken(SECRET, (await newSession()).token);
    const forged = await signWebChatToken("another-secret-another-secret-0123", {
      c: genuine!.c,
      r: "eu",
      exp: 9_999_999_999,
    });
    const res = await newSession({ token: forged });
    expect(res.resumed).toBe(false);
    expect((await readWebChatToken(SECRET, res.token))!.c).not.toBe(genuine!.c);
  });
});

describe("POST /chat/ticket", () => {
  it("trades a genuine, unexpired token for a ticket of its conversation that lives seconds", async () => {
    const { token } = await newSession(undefined, { "cf-ipcountry": "FR" });
    const session = await readWebChatToken(SECRET, token);
    const res = await postTicket(token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { ticket: string; expires_at: number };
    issued.push(body.ticket);
    const claims = await readConnectTicket(SECRET, body.ticket);
    expect(claims).toMatchObject({ c: session!.c, r: "eu", exp: body.expires_at });
    expect(body.expires_at - Date.now() / 1000).toBeGreaterThan(20);
    expect(body.expires_at - Date.now() / 1000).toBeLessThanOrEqual(30);
    // Not a session token: it resumes nothing.
    expect((await newSession({ token: body.ticket })).resumed).toBe(false);
    expect((await postTicket(body.ticket)).status).toBe(401);
  });

  it("refuses a forged or expired token (401: the page renews its session) and a body without one (400)", async () => {
    const expired = await signWebChatToken(SECRET, { c: "abc", r: "eu", exp: Math.floor(Date.now() / 1000) - 10 });
    const forged = await signWebChatToken("not-the-secret-not-the-secret-0000", {
      c: "abc",
      r: "eu",
      exp: 9_999_999_999,
    });
    for (const token of [expired, forged, ""]) expect((await postTicket(token)).status).toBe(401);
    const empty = await fetch(new URL("/chat/ticket", stack.url), { method: "POST", body: "" });
    expect(empty.status).toBe(400);
  });
});

describe("GET /chat/ws", () => {
  /** How a WebSocket handshake ends: its HTTP status if refused, else the close code and reason, and the frames before it. */
  const upgrade = (query: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; code?: number; reason?: string; frames: Array<Record<string, unknown>> }>(
      (resolve, reject) => {
        const ws = new WebSocket(socketUrl(query), { headers });
        const frames: Array<Record<string, unknown>> = [];
        ws.on("message", (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
        ws.once("unexpected-response", (_req, res) => {
          resolve({ status: res.statusCode ?? 0, frames });
          ws.terminate();
        });
        // Opened: the room sends the history at once, unless the socket is closed first.
        ws.once("open", () => setTimeout(() => ws.close(), 300));
        ws.once("close", (code, reason) => resolve({ status: 101, code, reason: String(reason), frames }));
        ws.once("error", (err) => (err.message.includes("Unexpected server response") ? undefined : reject(err)));
      },
    );
  /** A handshake the browser can read the refusal of: accepted, then closed with the ticket refused. */
  const refused = (reason: RegExp) => ({ status: 101, code: 4401, reason: expect.stringMatching(reason), frames: [] });
  const opened = { status: 101, code: 1000, frames: [expect.objectContaining({ type: "history" })] };

  it("opens with a fresh ticket, and refuses a missing or forged one, or a session token, with 4401", async () => {
    const { token } = await newSession();
    const genuine = (await readConnectTicket(SECRET, await ticketFor(token)))!;
    const forged = await signConnectTicket("not-the-secret-not-the-secret-0000", { ...genuine, n: "other" });
    for (const query of ["", "?ticket=", ticketQuery(forged), ticketQuery(token), "?ticket=t1.e30.AAAA"]) {
      expect(await upgrade(query), query).toMatchObject(refused(/not a ticket: fetch a new one/));
    }
    expect(await upgrade(ticketQuery(await ticketFor(token)))).toMatchObject(opened);
  });

  it("refuses a ticket used twice with 4401, also while its first socket is open", async () => {
    const { token } = await newSession();
    const ticket = await ticketFor(token);
    const first = new WebSocket(socketUrl(ticketQuery(ticket)));
    await new Promise((r) => first.once("message", r)); // the history: the room took it
    expect(await upgrade(ticketQuery(ticket))).toMatchObject(refused(/ticket already used/));
    first.close();
    await sleep(100);
    expect(await upgrade(ticketQuery(ticket))).toMatchObject(refused(/ticket already used/));
    // Two at once: one opens, the other is refused.
    const twice = await ticketFor(token);
    const both = await Promise.all([upgrade(ticketQuery(twice)), upgrade(ticketQuery(twice))]);
    expect(both.map((b) => b.code).sort()).toEqual([1000, 4401]);
  });

  it("refuses a ticket used late (past its 30 s) with 4401", async () => {
    const { token } = await newSession();
    const claims = (await readConnectTicket(SECRET, await ticketFor(token)))!;
    const late = await signConnectTicket(SECRET, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    expect(await upgrade(ticketQuery(late))).toMatchObject(refused(/ticket expired/));
  });

  it("refuses a ticket for another conversation: its claims are under the signature", async () => {
    const mine = await ticketFor((await newSession()).token);
    const theirs = await ticketFor((await newSession()).token);
    // Another conversation's claims with this ticket's signature, and the other way round.
    const [, mineClaims, mineSignature] = mine.split(".");
    const [, theirClaims, theirSignature] = theirs.split(".");
    for (const spliced of [`t1.${theirClaims}.${mineSignature}`, `t1.${mineClaims}.${theirSignature}`]) {
      expect(await upgrade(ticketQuery(spliced))).toMatchObject(refused(/not a ticket/));
    }
    // Each genuine ticket opens its own conversation: what one says is not in the other's history.
    const a = await open((await newSession()).token);
    await a.next((f) => f.type === "history");
    a.send({ type: "message", text: "only in conversation A" });
    await a.next((f) => f.type === "done");
    const b = await upgrade(ticketQuery(theirs));
    expect(b).toMatchObject({ status: 101, frames: [{ type: "history", messages: [] }] });
    a.ws.close();
  });

  it("refuses a ticket from another network than it was issued to with 4401", async () => {
    const { token } = await newSession();
    const ticket = await ticketFor(token, { "cf-connecting-ip": "192.0.2.1" });
    expect(await upgrade(ticketQuery(ticket), { "cf-connecting-ip": "198.51.100.2" })).toMatchObject(
      refused(/another network/),
    );
    const v6 = await ticketFor(token, { "cf-connecting-ip": "2001:db8:7::1" });
    expect(await upgrade(ticketQuery(v6), { "cf-connecting-ip": "2001:db8:8::1" })).toMatchObject(
      refused(/another network/),
    );
    // A carrier's NAT may give the socket another address of its pool: the same /24 (or IPv6 /48) is
    // the same network.
    expect(await upgrade(ticketQuery(ticket), { "cf-connecting-ip": "192.0.2.77" })).toMatchObject(opened);
    expect(await upgrade(ticketQuery(v6), { "cf-connecting-ip": "2001:db8:7:0:abcd::2" })).toMatchObject(opened);
  });

  it("tells a page from before tickets (/chat/ws?token=…) to reload, and closes with 4410", async () => {
    const { token } = await newSession();
    expect(await upgrade(`?token=${encodeURIComponent(token)}`)).toEqual({
      status: 101,
      code: 4410,
      reason: "the token no longer opens the socket: reload the page",
      frames: [{ type: "error", code: "reload", message: say("webchat.reload") }],
    });
  });

  it("tells a German page from before tickets to reload in German", async () => {
    const { token } = await newSession();
    const { frames } = await upgrade(`?token=${encodeURIComponent(token)}`, { "accept-language": "de-DE,de;q=0.9" });
    expect(frames).toEqual([{ type: "error", code: "reload", message: textsFor("de")("webchat.reload") }]);
  });

  it("opens for the edge's own page and WEBCHAT_ALLOWED_ORIGINS, and refuses any other page with 403", async () => {
    const { token } = await newSession();
    const query = async () => ticketQuery(await ticketFor(token));
    expect(await upgrade(await query(), { origin: "https://evil.example" })).toMatchObject({ status: 403 });
    expect(await upgrade(await query(), { origin: "https://shop.example.com" })).toMatchObject(opened);
    expect(await upgrade(await query(), { origin: stack.url.origin })).toMatchObject(opened);
    // Not a browser (no Origin): nothing to check.
    expect(await upgrade(await query())).toMatchObject(opened);
  });

  it("lets one conversation have at most 8 tabs open", async () => {
    const { token } = await newSession();
    const tabs = [];
    for (let i = 0; i < 8; i++) tabs.push(await open(token));
    expect(await upgrade(ticketQuery(await ticketFor(token)))).toMatchObject({ status: 429 });
    tabs.pop()!.ws.close();
    await sleep(200);
    expect(await upgrade(ticketQuery(await ticketFor(token)))).toMatchObject(opened);
    for (const t of tabs) t.ws.close();
  });

  it("answers 426 to a plain request", async () => {
    const { token } = await newSession();
    const res = await fetch(new URL(`/chat/ws${ticketQuery(await ticketFor(token))}`, stack.url));
    expect(res.status).toBe(426);
  });
});

describe("the conversation over WebSocket", () => {
  it("streams the reply as delta frames and ends it with done", async () => {
    const { token } = await newSession();
    const client = await open(token);
    expect(await client.next((f) => f.type === "history")).toEqual({ type: "history", messages: [] });
    stack.emulator.enqueue({ content: "We open at nine and close at five.", reasoning: "private reasoning here" });
    client.send({ type: "message", text: "When do you open?", id: "m1" });
    const done = await client.next((f) => f.type === "done");
    const deltas = client.frames.filter((f) => f.type === "delta").map((f) => f.text as string);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe("We open at nine and close at five.");
    expect(done).toEqual({ type: "done", text: "We open at nine and close at five." });
    expect(JSON.stringify(client.frames)).not.toContain("private reasoning");
    client.ws.close();
  });

  it("answers bad frames with an error frame and keeps the socket open", async () => {
    const { token } = await newSession();
    const client = await open(token);
    await client.next((f) => f.type === "history");
    const cases: Array<[string, string]> = [
      ["not json at all", "bad_json"],
      [JSON.stringify({ type: "shout", text: "hi" }), "unknown_type"],
      [JSON.stringify({ type: "message", text: "" }), "bad_frame"],
      [JSON.stringify({ type: "message", text: "x".repeat(16_001) }), "bad_frame"],
    ];
    for (const [frame, code] of cases) {
      client.frames.length = 0;
      client.send(frame);
      expect(await client.next((f) => f.type === "error"), frame.slice(0, 40)).toMatchObject({ type: "error", code });
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.send({ type: "message", text: "/help" });
    expect(await client.next((f) => f.type === "done")).toEqual({ type: "done", text: helpText(say, COMMANDS) });
    client.ws.close();
  });

  it("closes a socket that sends a frame over 64 KiB with 1009, says why, and logs no uncaught exception", async () => {
    const client = await open((await newSession()).token);
    await client.next((f) => f.type === "history");
    const before = logs.length;
    const closed = new Promise<[number, string]>((r) => client.ws.once("close", (code, why) => r([code, String(why)])));
    client.send(JSON.stringify({ type: "message", text: "y".repeat(70_000) }));
    expect(await closed).toEqual([1009, "message too big"]);
    expect(client.frames.at(-1)).toEqual({
      type: "error",
      code: "too_large",
      message: say("webchat.tooLarge", { bytes: 65536 }),
    });
    await sleep(300);
    expect(logs.slice(before).filter((l) => /error|uncaught/i.test(l))).toEqual([]);
  });

  it(
    "leaves a frame past the runtime's own limit (32 MiB) to the runtime's 1009; the room handles the error",
    { timeout: 60_000 },
    async () => {
      const client = await open((await newSession()).token);
      await client.next((f) => f.type === "history");
      const before = logs.length;
      const closed = new Promise<number>((r) => client.ws.once("close", (code) => r(code)));
      client.send("z".repeat(32 * 1024 * 1024 + 1));
      expect(await closed).toBe(1009);
      await sleep(500);
      // The runtime reads a frame whole before the room sees it, so past its limit it decides, and
      // workerd prints its own line (kj's, naming no URL). The room's webSocketError takes the error.
      const lines = logs.slice(before);
      expect(lines).toContain(JSON.stringify({ level: "info", event: "webchat.socket_error", error: "Error" }));
      expect(lines.filter((l) => !l.includes("webchat.socket_error"))).toEqual([
        expect.stringMatching(
          /^Uncaught exception: kj\/compat\/http\.c\+\+:\d+: .*statusCode = 1009; .*Message is too large/,
        ),
      ]);
    },
  );

  it("answers a message longer than the model's input budget with the same request to shorten it as every channel", async () => {
    const { token } = await newSession();
    const client = await open(token);
    await client.next((f) => f.type === "history");
    // 4,500 characters of Chinese: about 3,600 tokens, over the default 2,048 input budget.
    client.send({ type: "message", text: "订单".repeat(2250) });
    expect(await client.next((f) => f.type === "done")).toEqual({ type: "done", text: say("tooLong") });
    expect(stack.emulator.requests).toHaveLength(0);
    client.ws.close();
  });

  it("answers heartbeats with pong", async () => {
    const { token } = await newSession();
    const client = await open(token);
    client.send({ type: "ping" });
    expect(await client.next((f) => f.type === "pong")).toEqual({ type: "pong" });
    client.ws.close();
  });

  it("answers two quick messages in order", async () => {
    const { token } = await newSession();
    const client = await open(token);
    await client.next((f) => f.type === "history");
    stack.emulator.enqueue({ content: "first reply", firstTokenMs: 200 }, { content: "second reply" });
    client.send({ type: "message", text: "one" });
    client.send({ type: "message", text: "two" });
    await client.next((f) => f.type === "done" && f.text === "second reply");
    expect(client.frames.filter((f) => f.type === "done").map((f) => f.text)).toEqual(["first reply", "second reply"]);
    client.ws.close();
  });

  it("resumes the conversation after a reconnect, with its history", async () => {
    const { token } = await newSession();
    const first = await open(token);
    await first.next((f) => f.type === "history");
    const sentAt = Date.now();
    first.send({ type: "message", text: "Remember: blue.", id: "r1" });
    const done = await first.next((f) => f.type === "done");
    first.ws.close();
    const fresh = await newSession({ token });
    const second = await open(fresh.token);
    expect(await second.next((f) => f.type === "history")).toEqual({
      type: "history",
      messages: [
        // With their times, which the page shows.
        { role: "user", text: "Remember: blue.", at: expect.toSatisfy((at: number) => Math.abs(at - sentAt) < 5000) },
        { role: "assistant", text: done.text, at: expect.toSatisfy((at: number) => Math.abs(at - sentAt) < 5000) },
      ],
    });
    // A message resent after the reconnect with the same id is answered from the saved reply, once.
    second.send({ type: "message", text: "Remember: blue.", id: "r1" });
    expect(await second.next((f) => f.type === "done")).toEqual(done);
    expect(stack.emulator.requests).toHaveLength(1);
    second.ws.close();
  });

  it("takes a thumb on each answer once, answers none, and leaves the conversation as it was", async () => {
    const { token } = await newSession();
    const client = await open(token);
    await client.next((f) => f.type === "history");
    /** The thumbs the room counted (its webchat.reaction lines) since `from`. */
    const counted = (from: number) =>
      logs
        .slice(from)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.event === "webchat.reaction")
        .map((l) => l.value);
    const from = logs.length;

    // Before any answer there is nothing to rate.
    client.send({ type: "feedback", value: "up" });
    client.send({ type: "message", text: "When do you open?", id: "f1" });
    const first = await client.next((f) => f.type === "done");
    // One thumb an answer: the second and third are dropped, without a word.
    for (const value of ["down", "up", "up"]) client.send({ type: "feedback", value });
    await sleep(500);
    expect(counted(from)).toEqual(["down"]);

    client.send({ type: "message", text: "And on Sundays?", id: "f2" });
    await client.next((f) => f.type === "done" && f !== first);
    client.send({ type: "feedback", value: "up" });
    client.send({ type: "feedback", value: "down" });
    await sleep(500);
    expect(counted(from)).toEqual(["down", "up"]);

    // Nothing came back for any thumb: two answers, two model calls, no error.
    expect(client.frames.filter((f) => f.type === "done")).toHaveLength(2);
    expect(client.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(stack.emulator.requests).toHaveLength(2);
    client.ws.close();
    // The conversation holds the two exchanges and nothing of the thumbs.
    const again = await open(token);
    const history = (await again.next((f) => f.type === "history")) as { messages: Array<{ role: string }> };
    expect(history.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    again.ws.close();
  });

  it("refuses a thumb that is neither up nor down as a bad frame", async () => {
    const client = await open((await newSession()).token);
    await client.next((f) => f.type === "history");
    client.send({ type: "feedback", value: "meh" });
    expect(await client.next((f) => f.type === "error")).toMatchObject({ type: "error", code: "bad_frame" });
    client.ws.close();
  });

  it("negotiates permessage-deflate for its frames", async () => {
    const { token } = await newSession();
    const client = await open(token, { perMessageDeflate: true });
    expect(client.ws.extensions).toContain("permessage-deflate");
    expect(await client.next((f) => f.type === "history")).toMatchObject({ type: "history" });
    client.ws.close();
  });
});

describe("the room's own texts, in the user's language", () => {
  const de = textsFor("de");

  it("refuses a German browser's oversize frame in German (its socket's Accept-Language), the code unchanged", async () => {
    const client = await open((await newSession(undefined, { "cf-ipcountry": "DE" })).token, {
      headers: { "accept-language": "de-DE,de;q=0.9,en;q=0.8" },
    });
    await client.next((f) => f.type === "history");
    const closed = new Promise<number>((r) => client.ws.once("close", (code) => r(code)));
    client.send(JSON.stringify({ type: "message", text: "y".repeat(70_000) }));
    expect(await closed).toBe(1009);
    expect(client.frames.at(-1)).toEqual({
      type: "error",
      code: "too_large",
      message: de("webchat.tooLarge", { bytes: 65536 }),
    });
  });

  it("says busy in the language of the browser's frames (navigator.language), and the answer's texts too", async () => {
    const client = await open((await newSession(undefined, { "cf-ipcountry": "DE" })).token);
    await client.next((f) => f.type === "history");
    // The first answer takes a while: the next three wait, and the fourth is refused at once.
    stack.emulator.enqueue({ content: "Gern.", firstTokenMs: 500 });
    for (let i = 0; i < 5; i++) client.send({ type: "message", text: "ok", id: `b${i}`, lang: "de-DE" });
    expect(await client.next((f) => f.type === "error")).toEqual({
      type: "error",
      code: "busy",
      message: de("webchat.busy"),
    });
    // Three answered, two refused.
    await client.next(() => client.frames.filter((f) => f.type === "done").length === 3, 10_000);
    expect(client.frames.filter((f) => f.type === "error").map((f) => f.message)).toEqual([
      de("webchat.busy"),
      de("webchat.busy"),
    ]);
    // The product's texts for the messages themselves are German too (a command's reply).
    client.send({ type: "message", text: "/reset", lang: "de-DE" });
    await client.next((f) => f.type === "done" && f.text === de("reset.done"), 10_000);
    client.ws.close();
  });

  it("after every tab closed, speaks the language the conversation is answered in, as its answers do", async () => {
    const { token } = await newSession(undefined, { "cf-ipcountry": "FR" });
    const first = await open(token, { headers: { "accept-language": "de-DE" } });
    await first.next((f) => f.type === "history");
    first.send({ type: "message", text: "Bonjour, où en est ma commande, s'il vous plaît ?", lang: "de-DE" });
    await first.next((f) => f.type === "done");
    first.ws.close();
    // A new tab: the room's sockets remember nothing now; the conversation's turns do (French).
    const again = await open(token, { headers: { "accept-language": "de-DE" } });
    await again.next((f) => f.type === "history");
    again.send({ type: "message", text: "ok", id: "g0", lang: "de-DE" });
    await again.next((f) => f.type === "done");
    stack.emulator.enqueue({ content: "D'accord.", firstTokenMs: 500 });
    const before = again.frames.length;
    for (let i = 1; i < 6; i++) again.send({ type: "message", text: "ok", id: `g${i}`, lang: "de-DE" });
    expect(await again.next((f) => again.frames.indexOf(f) >= before && f.type === "error")).toMatchObject({
      code: "busy",
      message: textsFor("fr")("webchat.busy"),
    });
    again.ws.close();
  });

  it("speaks the language it last answered in, over the browser's, and only ever a language of the region", async () => {
    // A French speaker with a German browser: answered in French, so French it stays for an "ok".
    const client = await open((await newSession(undefined, { "cf-ipcountry": "FR" })).token, {
      headers: { "accept-language": "de-DE" },
    });
    await client.next((f) => f.type === "history");
    client.send({ type: "message", text: "Bonjour, où en est ma commande, s'il vous plaît ?", lang: "de-DE" });
    await client.next((f) => f.type === "done");
    stack.emulator.enqueue({ content: "D'accord.", firstTokenMs: 500 });
    const before = client.frames.length;
    for (let i = 0; i < 5; i++) client.send({ type: "message", text: "ok", id: `f${i}`, lang: "de-DE" });
    expect(await client.next((f) => client.frames.indexOf(f) >= before && f.type === "error")).toMatchObject({
      code: "busy",
      message: textsFor("fr")("webchat.busy"),
    });
    client.ws.close();

    // Japanese is not a language of the EU region: its texts are the region's default (English).
    const tokyo = await open((await newSession(undefined, { "cf-ipcountry": "DE" })).token, {
      headers: { "accept-language": "ja-JP" },
    });
    await tokyo.next((f) => f.type === "history");
    tokyo.send(JSON.stringify({ type: "message", text: "y".repeat(70_000), lang: "ja-JP" }));
    await new Promise((r) => tokyo.ws.once("close", r));
    expect(tokyo.frames.at(-1)).toMatchObject({
      code: "too_large",
      message: say("webchat.tooLarge", { bytes: 65536 }),
    });
  });
});

describe("response compression", () => {
  /** The raw bytes on the wire, as a client that sends Accept-Encoding gets them. */
  const raw = (path: string, acceptEncoding: string) =>
    new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      http
        .get(new URL(path, stack.url), { headers: { "accept-encoding": acceptEncoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
        })
        .on("error", reject);
    });

  it.each(["/chat", "/healthz"])(
    "sends %s Brotli-compressed to a client that accepts br, and the bytes decode to the same body",
    async (path) => {
      const plain = await raw(path, "identity");
      expect(plain.encoding).toBeUndefined();
      // Miniflare, like Cloudflare's front line, re-encodes to the first of gzip/br the client lists.
      const br = await raw(path, "br, gzip");
      expect(br.encoding).toBe("br");
      expect(br.body.length).toBeLessThan(plain.body.length);
      const decoded = zlib.brotliDecompressSync(br.body).toString("utf8");
      if (path === "/chat") expect(decoded).toBe(plain.body.toString("utf8"));
      else expect(JSON.parse(decoded)).toMatchObject({ regions: expect.any(Object) });
    },
  );

  it("falls back to gzip for clients without br", async () => {
    const gz = await raw("/chat", "gzip");
    expect(gz.encoding).toBe("gzip");
    expect(zlib.gunzipSync(gz.body).toString("utf8")).toContain("<title>Assistant</title>");
  });
});

describe("what one visitor can take", () => {
  /** The per-network limits count in windows of the wall clock's minutes: a test must not straddle two. */
  const withinOneMinute = async (seconds: number) => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < seconds * 1000) await sleep(left + 50);
  };

  it("refuses a network's 11th new chat within a minute (429), and not another network's", async () => {
    await withinOneMinute(10);
    const from = { "cf-connecting-ip": "203.0.113.9" };
    const post = (headers: Record<string, string>) =>
      fetch(new URL("/chat/session", stack.url), { method: "POST", headers });
    for (let i = 0; i < 10; i++) expect((await post(from)).status, `session ${i + 1}`).toBe(200);
    const refused = await post(from);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await post({ "cf-connecting-ip": "203.0.113.10" })).status).toBe(200);
  });

  it("cuts off a socket that floods 1,000 frames, asks the model only a few times, and keeps serving others", async () => {
    const { token } = await newSession();
    const flooder = await open(token);
    await flooder.next((f) => f.type === "history");
    const closed = new Promise<number>((resolve) => flooder.ws.once("close", (code) => resolve(code)));
    for (let i = 0; i < 1000; i++) flooder.send({ type: "message", text: `flood ${i}` });
    expect(await closed).toBe(1008);
    expect(stack.emulator.requests.length).toBeLessThanOrEqual(5);
    expect(flooder.frames.some((f) => f.code === "too_many_frames" || f.code === "busy")).toBe(true);
    // Another visitor is answered as usual.
    const other = await open((await newSession()).token);
    other.send({ type: "message", text: "are you still there?" });
    expect((await other.next((f) => f.type === "done")).text).toBeTruthy();
    other.ws.close();
  });

  it("refuses a network's messages past 60 a minute over all its chats", async () => {
    await withinOneMinute(25);
    const ip = "203.0.113.77";
    const clients = [];
    for (let i = 0; i < 7; i++)
      clients.push(
        await open((await newSession(undefined, { "cf-connecting-ip": ip })).token, {
          headers: { "cf-connecting-ip": ip },
        }),
      );
    let answered = 0;
    let refused = 0;
    for (let round = 0; round < 9; round++) {
      await Promise.all(
        clients.map(async (c, i) => {
          const before = c.frames.length;
          c.send({ type: "message", text: `round ${round} from ${i}` });
          const frame = await c.next((f) => c.frames.indexOf(f) >= before && (f.type === "done" || f.type === "error"));
          if (frame.type === "done") answered += 1;
          else if (frame.code === "rate_limited") refused += 1;
        }),
      );
      await sleep(250); // under each conversation's own limit (5 a second)
    }
    expect(answered).toBe(60);
    expect(refused).toBe(3);
    for (const c of clients) c.ws.close();
  });

  it("logs no error when a client's connection drops without a close frame", async () => {
    const client = await open((await newSession()).token);
    await client.next((f) => f.type === "history");
    const errorsBefore = logs.filter((l) => /error|uncaught/i.test(l)).length;
    client.ws.terminate();
    await sleep(500);
    expect(logs.filter((l) => /error|uncaught/i.test(l)).slice(errorsBefore)).toEqual([]);
  });
});

describe("the logs", () => {
  it("hold no session token or ticket this suite was given, and no socket URL's query", () => {
    expect(issued.length).toBeGreaterThan(50);
    const text = logs.join("\n");
    expect(issued.filter((credential) => text.includes(credential))).toEqual([]);
    // Nor a piece of one: the signature is what makes a credential.
    expect(issued.filter((credential) => text.includes(credential.slice(-43)))).toEqual([]);
    expect(text).not.toMatch(/[?&](token|ticket)=/);
  });
});
