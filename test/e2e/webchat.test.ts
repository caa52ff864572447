import { mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../infra/local/edge-stack.js";

/** Debian's Chromium; the test never downloads a browser of its own. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = "test-results";

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  // Slow enough that the reply visibly streams in: about 25 words a second.
  stack = await startStack({
    port: 0,
    emulator: { tokensPerSecond: 25, firstTokenMs: 150 },
    redisDb: { eu: 7, us: 8, apac: 9 },
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
  const reply = page.locator(".msg.assistant").last();
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
  await expect.poll(() => page.locator(".msg").allTextContents()).toEqual(["When are you open?", answer]);
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
  await expect.poll(() => page.locator(".msg.assistant").textContent(), { timeout: 10_000 }).toContain("first");

  // The edge restarts (a deploy): every socket drops. The page must notice, retry and resume.
  await stack.restart();
  await page
    .getByRole("status")
    .filter({ hasText: /Offline|Reconnecting/ })
    .waitFor({ timeout: 10_000 });
  await page.getByRole("status").filter({ hasText: "Online" }).waitFor({ timeout: 20_000 });
  await page.getByLabel("Message").fill("second");
  await page.keyboard.press("Enter");
  await expect
    .poll(() => page.locator(".msg.assistant").last().textContent(), { timeout: 10_000 })
    .toContain("I also remember 1 earlier message");
  await context.close();
});
