import { performance } from "node:perf_hooks";
import type { RecordedRequest } from "../../gpu-origin/emulator/server.js";
import { sleep, startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import { BENCH_REDIS_DB, ms, pct, type Row } from "../support.js";

const now = () => performance.timeOrigin + performance.now();
/** The origin: first token after 100 ms, then 50 tokens a second (reasoning, then the answer). */
const ORIGIN = { firstTokenMs: 100, tokenGapMs: 20 };

/**
 * Telegram, as a user sees it, minus what the origin itself takes: webhook → reply delivered minus
 * the origin's request-to-last-token time, and webhook → first draft minus its time to first token;
 * then bursts of three messages 300 ms apart (one reply; how long after the last; tokens the GPU
 * generated for answers that were cancelled). Side by side with the former fixed 1.5 s burst window.
 */
export async function replyLatency(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const window of ["0", "1500"]) {
    const stack = await startStack({
      port: 0,
      redisDb: BENCH_REDIS_DB,
      settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off", BURST_WINDOW_MS: window },
    });
    try {
      const lone = await loneMessages(stack, window === "0" ? 100 : 20);
      const label = window === "0" ? "default settings" : "BURST_WINDOW_MS=1500 (the former default)";
      rows.push([
        "Telegram: webhook → reply delivered − origin's time",
        `1 in flight, ${label}, ${lone.reply.length} msgs`,
        `p50 ${ms(pct(lone.reply, 50))}`,
        `p90 ${ms(pct(lone.reply, 90))}`,
      ]);
      if (window === "0") {
        rows.push([
          "Telegram: webhook → first draft − origin's first token",
          `1 in flight, private chats, ${lone.draft.length} msgs`,
          `p50 ${ms(pct(lone.draft, 50))}`,
          `p90 ${ms(pct(lone.draft, 90))}`,
        ]);
        const bursts = await burstsOfThree(stack, 20);
        rows.push([
          "Telegram: 3 messages 300 ms apart → reply − origin's time",
          `20 bursts, ${bursts.replies} replies, after the last message`,
          `p50 ${ms(pct(bursts.after, 50))}`,
          `max ${ms(Math.max(...bursts.after))}`,
        ]);
        rows.push([
          "GPU tokens generated and thrown away per burst",
          `${bursts.cancelled} calls cancelled in 20 bursts`,
          `mean ${(bursts.wasted.reduce((a, b) => a + b, 0) / bursts.wasted.length).toFixed(1)} tokens`,
          `max ${Math.max(...bursts.wasted)} tokens`,
        ]);
      }
    } finally {
      await stack.close();
    }
  }
  return rows;
}

/** The origin's own time for one request: arrival to last token. */
const originTime = (r: RecordedRequest) => (r.finishedAt ?? r.receivedAt) - r.receivedAt;

async function loneMessages(stack: Stack, count: number): Promise<{ reply: number[]; draft: number[] }> {
  const reply: number[] = [];
  const draft: number[] = [];
  for (let i = -10; i < count; i++) {
    const chat = 700_000 + (i % 25) + 25;
    stack.emulator.reset();
    stack.telegram.reset();
    stack.emulator.enqueue({ ...ORIGIN, content: "Your order A-100 left our warehouse this morning." });
    const sentAt = now();
    await stack.sendUpdate(textUpdate(chat, `where is my order? (${i})`));
    const [delivered] = await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 10_000 });
    const sendAt = stack.telegram.calls.find((c) => c.method === "sendmessage")!.at;
    const request = stack.emulator.requests[0]!;
    const firstDraft = stack.telegram.drafts(chat)[0];
    if (i < 0 || !delivered) continue; // warm-up
    reply.push(sendAt - sentAt - originTime(request));
    if (firstDraft && request.firstContentAt)
      draft.push(firstDraft.at - sentAt - (request.firstContentAt - request.receivedAt));
  }
  return { reply, draft };
}

async function burstsOfThree(
  stack: Stack,
  count: number,
): Promise<{ after: number[]; replies: number; cancelled: number; wasted: number[] }> {
  const after: number[] = [];
  const wasted: number[] = [];
  let replies = 0;
  let cancelled = 0;
  for (let i = 0; i < count; i++) {
    const chat = 800_000 + i;
    stack.emulator.reset();
    stack.telegram.reset();
    stack.emulator.enqueue(ORIGIN, ORIGIN, ORIGIN, ORIGIN);
    let lastAt = 0;
    for (const text of ["hi", "my parcel has not arrived", "order A-100"]) {
      if (lastAt) await sleep(300);
      lastAt = now();
      await stack.sendUpdate(textUpdate(chat, text));
    }
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 10_000 });
    await sleep(1000); // a second reply, if there were one, would come within this
    replies += stack.telegram.sent(chat).length;
    const answered = stack.emulator.requests.find((r) => !r.cancelled)!;
    const sendAt = stack.telegram.calls.find((c) => c.method === "sendmessage")!.at;
    after.push(sendAt - lastAt - originTime(answered));
    const thrown = stack.emulator.requests.filter((r) => r.cancelled);
    cancelled += thrown.length;
    wasted.push(thrown.reduce((sum, r) => sum + r.tokens, 0));
  }
  return { after, replies, cancelled, wasted };
}
