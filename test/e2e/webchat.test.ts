import { mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readConnectTicket, signConnectTicket } from "../../edge/channels/webchat/token.js";
import { startStack, type Stack } from "../../infra/local/edge-stack.js";
import { textsFor } from "../../edge/texts/index.js";

/** Debian's Chromium; the test never downloads a browser of its own. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = "test-results";
/** The local stack's WEBCHAT_TOKEN_SECRET. */
const SECRET = "test-chat-token-secret-0123456789abcdef";

let stack: Stack;
/** The Worker's log lines: the last test reads them for credentials. */
const logs: string[] = [];
let browser: Browser;
beforeAll(async () => {
  // Slow enough that the reply visibly streams in: about 25 words a second.
  stack = await startStack({
    port: 0,
    emulator: { tokensPerSecond: 25, firstTokenMs: 150 },
    redisDb: { eu: 7, us: 8, apac: 9 },
    logs,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it("a person types a message, watches the reply stream in, reloads and finds the conversation", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 780 }, deviceScaleFactor: 2 }); // a phone
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();

  const answer = "Our shop opens at nine in the morning and closes at six in the evening, Monday to Saturday.";
  stack.emulator.enqueue({ content: answer, reasoning: "They ask about hours; answer plainly." });
  await page.getByLabel("Message").fill("When are you open?");
  await page.keyboard.press("Enter");

  await page.locator(".msg.user", { hasText: "When are you open?" }).waitFor();
  // "typing…" from the moment the message is sent until the first words.
  await page.getByLabel("The assistant is typing").waitFor({ timeout: 2000 });
  const reply = page.locator(".msg.assistant .text").last();
  // Streaming: the bubble shows part of the answer before the whole of it.
  await expect.poll(async () => ((await reply.textContent()) ?? "").length, { timeout: 10_000 }).toBeGreaterThan(0);
  const partial = (await reply.textContent()) ?? "";
  expect(partial.length).toBeLessThan(answer.length);
  expect(answer.startsWith(partial)).toBe(true);
  await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toBe(answer);
  expect(await page.locator("main").textContent()).not.toContain("They ask about hours");

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/webchat.png`, fullPage: true });

  await page.reload();
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  await expect.poll(() => page.locator(".msg .text").allTextContents()).toEqual(["When are you open?", answer]);
  // Each message shows its time.
  expect(await page.locator(".msg time").count()).toBe(2);
  await page.close();
});

it("reconnects after the edge restarts and keeps the same conversation", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  await page.getByLabel("Message").fill("first");
  await page.keyboard.press("Enter");
  await expect.poll(() => page.locator(".msg.assistant").count(), { timeout: 10_000 }).toBe(1);
  await expect.poll(() => page.locator(".msg.assistant .text").textContent(), { timeout: 10_000 }).toContain("first");

  // The edge restarts (a deploy): every socket drops. The page must notice, retry and resume.
  await stack.restart();
  await page
    .getByRole("status")
    .filter({ hasText: /Offline|Reconnecting/ })
    .waitFor({ timeout: 10_000 });
  // "Offline, retrying in 2 s": the page fills in its texts' numbers.
  expect(await page.getByRole("status").textContent()).not.toContain("{");
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor({ timeout: 20_000 });
  await page.getByLabel("Message").fill("second");
  await page.keyboard.press("Enter");
  await expect
    .poll(() => page.locator(".msg.assistant .text").last().textContent(), { timeout: 10_000 })
    .toContain("I also remember 1 earlier message");
  await context.close();
});

it("renders the answer's Markdown, and nothing in an answer can become markup or script", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 780 } });
  const violations: string[] = [];
  page.on("console", (m) => m.type() === "error" && violations.push(m.text()));
  page.on("pageerror", (e) => violations.push(e.message));
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  const answer = [
    "**Order A-100** is *on its way*: [track it](https://track.example/A-100).",
    "",
    '- `RET-42` <img src=x onerror="window.injected=1"> [click](javascript:window.injected=2)',
    "",
    "<script>window.injected=3</script>",
    "",
    "```",
    "line one",
    "```",
  ].join("\n");
  stack.emulator.enqueue({ content: answer });
  await page.getByLabel("Message").fill("where is my order?");
  await page.keyboard.press("Enter");
  const reply = page.locator(".msg.assistant .text").last();
  // Complete (its thumbs show): a streaming answer may show "line" of "line one" yet.
  await page.locator(".msg.assistant").last().locator(".feedback").waitFor({ timeout: 10_000 });
  expect(await reply.locator("strong").textContent()).toBe("Order A-100");
  expect(await reply.locator("em").textContent()).toBe("on its way");
  const link = reply.locator("a");
  expect(await link.count()).toBe(1);
  expect(await link.getAttribute("href")).toBe("https://track.example/A-100");
  expect(await link.getAttribute("target")).toBe("_blank");
  expect(await link.getAttribute("rel")).toContain("noopener");
  expect(await reply.locator("code").first().textContent()).toBe("RET-42");
  expect(await reply.locator("pre").textContent()).toBe("line one");
  // The HTML in the answer is shown as text; nothing of it ran or became an element.
  expect(await reply.locator("img, script").count()).toBe(0);
  expect(await reply.textContent()).toContain('<img src=x onerror="window.injected=1">');
  expect(await reply.textContent()).not.toContain("**");
  expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
  // The page's CSP (hashed scripts, Trusted Types) never got in its own way.
  expect(violations).toEqual([]);
  await page.close();
});

it("/reset empties the screen, and a message too long to send stays in the box", async () => {
  const page = await browser.newPage();
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  await page.getByLabel("Message").fill("hello there");
  await page.keyboard.press("Enter");
  await expect.poll(() => page.locator(".msg.assistant").count(), { timeout: 10_000 }).toBe(1);
  await page.getByLabel("Message").fill("/reset");
  await page.keyboard.press("Enter");
  await expect
    .poll(() => page.locator(".msg .text").allTextContents(), { timeout: 10_000 })
    .toEqual(["Done: I have forgotten this conversation. What would you like to talk about?"]);

  const long = "a".repeat(16_001);
  await page.getByLabel("Message").fill(long);
  await page.keyboard.press("Enter");
  await page.locator(".note.error", { hasText: "too long" }).waitFor();
  expect(await page.getByLabel("Message").inputValue()).toBe(long);
  await page.close();
});

it("offers 👍 and 👎 under a finished answer: one click sends one thumb, then both show the choice", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 780 } });
  const frames: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (f) => frames.push(String(f.payload))));
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  stack.emulator.enqueue({ content: "We deliver within two days." });
  await page.getByLabel("Message").fill("how fast do you deliver?");
  await page.keyboard.press("Enter");
  const reply = page.locator(".msg.assistant").last();
  const up = reply.getByRole("button", { name: "Good answer" });
  const down = reply.getByRole("button", { name: "Bad answer" });
  await up.waitFor({ timeout: 10_000 });
  expect(await reply.locator(".text").textContent()).toBe("We deliver within two days.");
  expect([await up.textContent(), await down.textContent()]).toEqual(["👍", "👎"]);

  const before = logs.length;
  await down.click();
  expect(await up.isDisabled()).toBe(true);
  expect(await down.isDisabled()).toBe(true);
  expect(await down.getAttribute("aria-pressed")).toBe("true");
  expect(await up.getAttribute("aria-pressed")).toBe("false");
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/webchat-thumbs.png` });
  await down.click({ force: true }); // disabled: nothing more is sent
  await expect.poll(() => logs.slice(before).filter((l) => l.includes('"event":"webchat.reaction"')).length).toBe(1);
  expect(frames.filter((f) => f.includes('"feedback"'))).toEqual(['{"type":"feedback","value":"down"}']);
  // Never answered: still one answer on the screen.
  await new Promise((r) => setTimeout(r, 500));
  expect(await page.locator(".msg.assistant").count()).toBe(1);
  expect(await page.locator(".note").count()).toBe(0);

  // Answers shown from the history offer no thumbs (the room counts only answers it just delivered).
  await page.reload();
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  await expect.poll(() => page.locator(".msg.assistant").count()).toBe(1);
  expect(await page.locator(".feedback").count()).toBe(0);
  await page.close();
});

it("never puts its session token in a URL, and fetches a new ticket when one is refused", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Every request the page makes, the socket's handshake included.
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  page.on("websocket", (socket) => urls.push(socket.url()));
  // The first ticket reaches the page too late (a slow network): the edge closes its socket with
  // 4401, and the page asks for another one at once.
  let tickets = 0;
  await page.route("**/chat/ticket", async (route) => {
    tickets += 1;
    const response = await route.fetch();
    const body = (await response.json()) as { ticket: string };
    if (tickets === 1) {
      const claims = (await readConnectTicket(SECRET, body.ticket))!;
      body.ticket = await signConnectTicket(SECRET, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    }
    await route.fulfill({ response, json: body });
  });
  await page.goto(new URL("/chat", stack.url).toString());
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor({ timeout: 10_000 });
  expect(tickets).toBe(2);

  await page.getByLabel("Message").fill("is my token safe?");
  await page.keyboard.press("Enter");
  await expect.poll(() => page.locator(".msg.assistant").count(), { timeout: 10_000 }).toBe(1);
  await page.reload();
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor();
  expect(tickets).toBe(3);

  const token = (await page.evaluate(() => localStorage.getItem("chat.token")))!;
  expect(token).toMatch(/^v1\./);
  const sockets = urls.filter((u) => u.includes("/chat/ws"));
  expect(sockets).toHaveLength(3);
  for (const url of sockets) expect(url).toMatch(/\/chat\/ws\?ticket=t1\.[\w-]+\.[\w-]{43}$/);
  expect(new Set(sockets).size).toBe(3);
  // No URL holds the token, nor its signature, nor a token parameter.
  expect(urls.filter((u) => u.includes(token) || u.includes(token.slice(-43)) || /[?&]token=/.test(u))).toEqual([]);
  // Nor does any line the Worker logged in this suite.
  expect(logs.filter((l) => l.includes(token.slice(-43)) || /[?&](token|ticket)=/.test(l))).toEqual([]);
  await context.close();
});

it("speaks German in a German browser: the page's labels, its notes and the room's own texts", async () => {
  const de = textsFor("de");
  // A browser in German (navigator.language and Accept-Language de-DE), in Germany.
  const context = await browser.newContext({
    locale: "de-DE",
    extraHTTPHeaders: { "cf-ipcountry": "DE" },
    viewport: { width: 390, height: 780 },
  });
  const page = await context.newPage();
  const frames: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (f) => frames.push(String(f.payload))));
  await page.goto(new URL("/chat", stack.url).toString());
  expect(await page.evaluate(() => [navigator.language, document.documentElement.lang])).toEqual(["de-DE", "de"]);
  await page
    .getByRole("status")
    .filter({ hasText: de("webchat.page.online") })
    .waitFor();
  expect(await page.title()).toBe(de("webchat.page.title"));
  const input = page.getByLabel(de("webchat.page.message"));
  expect(await input.getAttribute("placeholder")).toBe(de("webchat.page.placeholder"));
  expect(await page.getByRole("button", { name: de("webchat.page.send") }).isVisible()).toBe(true);
  expect(await page.locator("#empty").textContent()).toBe(de("webchat.page.empty"));

  // Each message says the browser's language; the typing dots and the thumbs are labelled in German.
  stack.emulator.enqueue({ content: "Wir liefern innerhalb von zwei Tagen.", firstTokenMs: 400 });
  await input.fill("Wie schnell liefern Sie?");
  await page.keyboard.press("Enter");
  await page.getByLabel(de("webchat.page.typing")).waitFor({ timeout: 2000 });
  const reply = page.locator(".msg.assistant").last();
  await reply.getByRole("button", { name: de("webchat.page.good") }).waitFor({ timeout: 10_000 });
  await reply.getByRole("button", { name: de("webchat.page.bad") }).waitFor();
  expect(await reply.getByRole("group").getAttribute("aria-label")).toBe(de("webchat.page.rate"));
  expect(JSON.parse(frames.find((f) => f.includes('"message"'))!)).toMatchObject({
    type: "message",
    text: "Wie schnell liefern Sie?",
    lang: "de-DE",
  });

  // A message too long to send: the page's own note, in German.
  await input.fill("a".repeat(16_001));
  await page.keyboard.press("Enter");
  await page.locator(".note.error", { hasText: "zu lang" }).waitFor();
  expect(await page.locator(".note.error").last().textContent()).toBe(
    de("webchat.page.tooLong", { count: 16_001, max: 16_000 }),
  );
  await input.fill("");

  // More messages than the room lets wait: its refusal, shown as the page shows it, is German.
  stack.emulator.enqueue({ content: "Einen Moment bitte.", firstTokenMs: 800 });
  for (let i = 0; i < 5; i++) {
    await input.fill(`ok ${i}`);
    await page.keyboard.press("Enter");
  }
  await page
    .locator(".note.error", { hasText: de("webchat.busy") })
    .first()
    .waitFor({ timeout: 5000 });
  expect(await page.locator(".note.error").allTextContents()).not.toContain(textsFor("en")("webchat.busy"));
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/webchat-de.png` });
  await context.close();
});
