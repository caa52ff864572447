import http from "node:http";
import zlib from "node:zlib";
import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readWebChatToken, signWebChatToken } from "../../edge/channels/webchat/token.js";
import { sleep, startStack, type Stack } from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";
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

async function newSession(body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL("/chat/session", stack.url), {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": network(), ...headers },
    body: body === undefined ? "" : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { token: string; expires_at: number; resumed: boolean };
}

/** A WebSocket client that collects frames and can wait for one. */
async function open(token: string, opts: { perMessageDeflate?: boolean; headers?: Record<string, string> } = {}) {
  const url = new URL(`/chat/ws?token=${encodeURIComponent(token)}`, stack.url).toString().replace(/^http/, "ws");
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
    expect(html).toContain("/chat/ws?token=");
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

describe("GET /chat/ws", () => {
  /** The HTTP status a WebSocket handshake gets. */
  const upgrade = (query: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(new URL(`/chat/ws${query}`, stack.url).toString().replace(/^http/, "ws"), { headers });
      ws.once("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once("open", () => {
        resolve(101);
        ws.close();
      });
      ws.once("error", (err) => (err.message.includes("Unexpected server response") ? undefined : reject(err)));
    });

  it("refuses a missing, forged or expired token with 401 before the upgrade", async () => {
    const expired = await signWebChatToken(SECRET, { c: "abc", r: "eu", exp: Math.floor(Date.now() / 1000) - 10 });
    const forged = await signWebChatToken("not-the-secret-not-the-secret-0000", {
      c: "abc",
      r: "eu",
      exp: 9_999_999_999,
    });
    for (const query of [
      "",
      "?token=",
      `?token=${encodeURIComponent(forged)}`,
      `?token=${encodeURIComponent(expired)}`,
    ]) {
      expect(await upgrade(query), query).toBe(401);
    }
  });

  it("opens for the edge's own page and WEBCHAT_ALLOWED_ORIGINS, and refuses any other page with 403", async () => {
    const { token } = await newSession();
    const query = `?token=${encodeURIComponent(token)}`;
    expect(await upgrade(query, { origin: "https://evil.example" })).toBe(403);
    expect(await upgrade(query, { origin: "https://shop.example.com" })).toBe(101);
    expect(await upgrade(query, { origin: stack.url.origin })).toBe(101);
    // Not a browser (no Origin): nothing to check.
    expect(await upgrade(query)).toBe(101);
  });

  it("lets one conversation have at most 8 tabs open", async () => {
    const { token } = await newSession();
    const tabs = [];
    for (let i = 0; i < 8; i++) tabs.push(await open(token));
    expect(await upgrade(`?token=${encodeURIComponent(token)}`)).toBe(429);
    tabs.pop()!.ws.close();
    await sleep(200);
    expect(await upgrade(`?token=${encodeURIComponent(token)}`)).toBe(101);
    for (const t of tabs) t.ws.close();
  });

  it("answers 426 to a plain request with a good token", async () => {
    const { token } = await newSession();
    const res = await fetch(new URL(`/chat/ws?token=${encodeURIComponent(token)}`, stack.url));
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
      [JSON.stringify({ type: "message", text: "y".repeat(70_000) }), "too_large"],
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

  it("negotiates permessage-deflate for its frames", async () => {
    const { token } = await newSession();
    const client = await open(token, { perMessageDeflate: true });
    expect(client.ws.extensions).toContain("permessage-deflate");
    expect(await client.next((f) => f.type === "history")).toMatchObject({ type: "history" });
    client.ws.close();
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
