import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { SUMMARIZE_INSTRUCTIONS } from "../../edge/core/prompt.js";
import { startStack, webChatSocketUrl } from "../../infra/local/edge-stack.js";
import { BENCH_REDIS_DB, ms, pct, type Row } from "../support.js";

/** From the origin writing its first answer token to the web chat client receiving it. */
export async function streamingDelay(): Promise<Row[]> {
  const rows: Row[] = [];
  const stack = await startStack({
    port: 0,
    emulator: { firstTokenMs: 20, tokensPerSecond: 50 },
    redisDb: BENCH_REDIS_DB,
    settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off" },
  });
  try {
    // A visitor per 10 messages, each from a network of its own: the per-socket and per-network
    // limits (a person's pace) are not what is measured.
    const connect = async (visitor: number) => {
      const headers = { "cf-ipcountry": "DE", "cf-connecting-ip": `192.0.2.${visitor + 1}` };
      const session = (await (
        await fetch(new URL("/chat/session", stack.url), { method: "POST", headers })
      ).json()) as { token: string };
      const socket = new WebSocket(await webChatSocketUrl(stack.url, session.token, headers), { headers });
      await new Promise((r) => socket.once("open", r));
      return socket;
    };
    let ws = await connect(0);
    const delays: number[] = [];
    for (let i = 0; i < 120; i++) {
      if (i > 0 && i % 10 === 0) {
        ws.close();
        ws = await connect(i / 10);
      }
      const firstDelta = new Promise<number>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const frame = JSON.parse(String(data)) as { type: string };
          if (frame.type === "delta") {
            ws.off("message", onMessage);
            resolve(performance.timeOrigin + performance.now());
          }
        };
        ws.on("message", onMessage);
      });
      const done = new Promise((resolve) => {
        const onDone = (data: WebSocket.RawData) => {
          if ((JSON.parse(String(data)) as { type: string }).type === "done") {
            ws.off("message", onDone);
            resolve(undefined);
          }
        };
        ws.on("message", onDone);
      });
      ws.send(JSON.stringify({ type: "message", text: `question ${i}` }));
      const received = await firstDelta;
      await done;
      // The reply's own request: a conversation summary may have been asked for after it.
      const written = stack.emulator.requests.findLast(
        (r) => r.body.messages?.[0]?.content !== SUMMARIZE_INSTRUCTIONS,
      )?.firstContentAt;
      if (i >= 20 && written) delays.push(received - written);
    }
    ws.close();
    rows.push([
      "streaming: origin token → web chat client",
      "100 replies",
      `p50 ${ms(pct(delays, 50))}`,
      `p99 ${ms(pct(delays, 99))}`,
    ]);
  } finally {
    await stack.close();
  }
  return rows;
}
