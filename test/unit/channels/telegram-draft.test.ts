import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BotApi } from "../../../edge/channels/telegram/api.js";
import { draftLag, draftPreview } from "../../../edge/channels/telegram/draft.js";

const INTERVAL_MS = 300;
const to = { channel: "telegram", chat: "4242" } as const;

/** A Bot API that answers each draft after `latencyMs` and keeps the texts it was sent. */
function botApi(latencyMs: () => number) {
  const drafts: string[] = [];
  const api: BotApi = {
    call: (method, params) => {
      if (method === "sendMessageDraft") drafts.push(String(params.text));
      return new Promise((resolve) => setTimeout(() => resolve(true), latencyMs()));
    },
  };
  return { api, drafts };
}

/** The model writing one word every 50 ms for `ms`. */
async function write(preview: ReturnType<typeof draftPreview>, ms: number): Promise<void> {
  let text = "";
  for (let t = 0; t < ms; t += 50) {
    text += `word${t / 50} `;
    preview.update(text);
    await vi.advanceTimersByTimeAsync(50);
  }
}

/** The answer is complete: the reply waits for a draft still in flight. */
async function finish(preview: ReturnType<typeof draftPreview>): Promise<void> {
  const done = preview.finish();
  await vi.advanceTimersByTimeAsync(1000);
  await done;
}

describe("Telegram drafts", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("shows the answer growing, one draft per interval, while Telegram answers promptly", async () => {
    const { api, drafts } = botApi(() => 20);
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    await write(preview, 1500);
    await finish(preview);
    expect(drafts.length).toBeGreaterThanOrEqual(4);
    expect(drafts.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < drafts.length; i++) expect(drafts[i]!.length).toBeGreaterThan(drafts[i - 1]!.length);
  });

  it("sends no more drafts once one took longer than the interval to be answered", async () => {
    const { api, drafts } = botApi(() => 400);
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    await write(preview, 2000);
    await finish(preview);
    expect(drafts).toEqual(["word0"]);
  });

  it("sends no more drafts once the next one falls behind its time (the isolate is overloaded)", async () => {
    const { api, drafts } = botApi(() => 10);
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    preview.update("Our opening");
    await vi.advanceTimersByTimeAsync(20); // the first draft, answered
    preview.update("Our opening hours are");
    // The isolate is busy for 250 ms: its clock moves on, its timers wait.
    vi.setSystemTime(Date.now() + 250);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    preview.update("Our opening hours are 9 to 5.");
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    await finish(preview);
    expect(drafts).toEqual(["Our opening"]);
  });

  it("keeps drafting after the model pauses (a quiet stream is not a late one)", async () => {
    const { api, drafts } = botApi(() => 10);
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    preview.update("Let me look that up");
    await vi.advanceTimersByTimeAsync(2000); // a tool call: nothing written for 2 s
    preview.update("Let me look that up. Your order shipped");
    await vi.advanceTimersByTimeAsync(50);
    await finish(preview);
    expect(drafts).toEqual(["Let me look that up", "Let me look that up. Your order shipped"]);
  });

  it("counts as showing the answer from its first draft until Telegram lets it fade, and not once taken back", async () => {
    const { api } = botApi(() => 10);
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    expect(preview.showing()).toBe(false); // nothing written yet: "typing…" has its place
    preview.update("Our opening hours");
    expect(preview.showing()).toBe(false); // on its way, not on screen
    await vi.advanceTimersByTimeAsync(20);
    expect(preview.showing()).toBe(true);
    // The model thinks for half a minute: the draft fades on Telegram's side, so it no longer counts.
    await vi.advanceTimersByTimeAsync(26_000);
    expect(preview.showing()).toBe(false);
    preview.update("Our opening hours are 9 to 5.");
    await vi.advanceTimersByTimeAsync(20);
    expect(preview.showing()).toBe(true);
    const discarded = preview.discard();
    await vi.advanceTimersByTimeAsync(20);
    await discarded;
    expect(preview.showing()).toBe(false);
  });

  it("does not count as showing when Telegram refused the draft", async () => {
    const api: BotApi = { call: () => Promise.reject(new Error("Bad Request: chat not found")) };
    const preview = draftPreview(api, to as never, 7, { intervalMs: INTERVAL_MS, textLimit: 4096 });
    preview.update("Our opening hours");
    await vi.advanceTimersByTimeAsync(20);
    expect(preview.showing()).toBe(false);
  });

  it("pauses every answer's drafts for a few seconds once one finds the isolate behind", async () => {
    const lag = draftLag(5000);
    const { api, drafts } = botApi(() => 10);
    const options = { intervalMs: INTERVAL_MS, textLimit: 4096, lag };
    const first = draftPreview(api, to as never, 1, options);
    first.update("First answer");
    await vi.advanceTimersByTimeAsync(20);
    first.update("First answer, longer");
    // The isolate is busy for 250 ms: the next draft's timer fires late.
    vi.setSystemTime(Date.now() + 250);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await finish(first);
    expect(drafts).toEqual(["First answer"]);
    // Another answer, two seconds later: no drafts, though Telegram answers promptly.
    await vi.advanceTimersByTimeAsync(2000);
    const next = draftPreview(api, to as never, 2, options);
    await write(next, 1000);
    await finish(next);
    expect(drafts).toEqual(["First answer"]);
    // Once the isolate has kept up for a while, answers are drafted again.
    await vi.advanceTimersByTimeAsync(5000);
    const later = draftPreview(api, to as never, 3, options);
    later.update("Third answer");
    await vi.advanceTimersByTimeAsync(20);
    await finish(later);
    expect(drafts).toEqual(["First answer", "Third answer"]);
  });

  it("pauses only its own answer's drafts when the Bot API is slow (far from Telegram, not behind)", async () => {
    const lag = draftLag(5000);
    let latency = 400;
    const { api, drafts } = botApi(() => latency);
    const options = { intervalMs: INTERVAL_MS, textLimit: 4096, lag };
    const slow = draftPreview(api, to as never, 1, options);
    slow.update("First answer");
    await vi.advanceTimersByTimeAsync(450);
    slow.update("First answer, longer");
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await finish(slow);
    expect(drafts).toEqual(["First answer"]);
    latency = 10;
    const next = draftPreview(api, to as never, 2, options);
    next.update("Second answer");
    await vi.advanceTimersByTimeAsync(20);
    await finish(next);
    expect(drafts).toEqual(["First answer", "Second answer"]);
  });
});
