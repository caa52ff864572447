import http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { AdmissionGate } from "../../gpu-origin/agent/admission.js";
import { HeldAtEdge } from "../../gpu-origin/agent/capacity.js";
import { createProxyHandler } from "../../gpu-origin/agent/proxy.js";
import { startEmulator } from "../../gpu-origin/emulator/server.js";
import { HTTP_API_KEY, ORIGIN_KEY, startStack, type Stack } from "../../infra/local/edge-stack.js";
import { BENCH_REDIS_DB, ms, pct, type Row } from "../support.js";

/** A reply of the median length of the Azure conversation trace (129 tokens; the emulator repeats the text). */
const WORDS = Array.from({ length: 129 }, (_, i) => `word${i}`).join(" ");

/**
 * The origin's token stream with and without gzip at the GPU server's agent (AGENT_COMPRESS_STREAMS),
 * side by side: the bytes that leave the server for a reply (Google bills them as egress), and how
 * soon the edge, reading the stream in workerd, passes the first token on to an HTTP API client. Two
 * agents' proxies in front of one emulator (first token 20 ms, 100 tokens/s), an edge for each,
 * requests alternating between them. (Caddy's `encode`, the obvious place, leaves server-sent
 * events as they are: caddy 2.6 sent them uncompressed with or without `minimum_length 0`.)
 */
export async function originCompression(): Promise<Row[]> {
  const rows: Row[] = [];
  const stacks: Stack[] = [];
  const agents: http.Server[] = [];
  const emulator = await startEmulator({ apiKey: ORIGIN_KEY, firstTokenMs: 20, tokensPerSecond: 100 });
  try {
    const variants = [] as Array<{ name: string; url: string; stack: Stack; firstToken: number[]; bytes: number[] }>;
    for (const compress of [false, true]) {
      const gate = new AdmissionGate({ maxNumSeqs: 64, maxWaiting: 32, held: new HeldAtEdge(30_000) });
      const agent = http.createServer(
        createProxyHandler({
          upstream: new URL(emulator.url),
          gate,
          isReady: () => true,
          retryAfterSeconds: 3,
          compress,
        }),
      );
      await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
      agents.push(agent);
      const url = `http://127.0.0.1:${(agent.address() as net.AddressInfo).port}`;
      const stack = await startStack({
        port: 0,
        redisDb: BENCH_REDIS_DB,
        analyticsEngine: true,
        settings: { RATE_LIMIT_MESSAGES: "1000", FAQ_DIRECT: "off", ORIGIN_URL_EU: url },
      });
      stacks.push(stack);
      variants.push({ name: compress ? "gzip" : "plain", url, stack, firstToken: [], bytes: [] });
    }

    for (let round = 0; round < 24; round++) {
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
        v.bytes.push(await wireBytes(v.url));
        const t = await firstDeltaMs(v.stack, round);
        if (round >= 4) v.firstToken.push(t);
      }
    }
    const [plain, gzip] = variants as [(typeof variants)[0], (typeof variants)[0]];
    const median = (xs: number[]) => pct(xs, 50);
    rows.push([
      "origin stream bytes per reply (129 tokens)",
      "on the wire, from the GPU server's agent",
      `plain ${Math.round(median(plain.bytes)).toLocaleString("en")} B`,
      `gzip ${Math.round(median(gzip.bytes)).toLocaleString("en")} B (${((100 * median(gzip.bytes)) / median(plain.bytes)).toFixed(0)} %)`,
    ]);
    rows.push([
      "first token at an HTTP API client (SSE)",
      "20 replies each, alternating",
      `plain p50 ${ms(median(plain.firstToken))}, p99 ${ms(pct(plain.firstToken, 99))}`,
      `gzip p50 ${ms(median(gzip.firstToken))}, p99 ${ms(pct(gzip.firstToken, 99))}`,
    ]);
  } finally {
    for (const a of agents) a.close();
    for (const s of stacks) await s.close().catch(() => {});
    await emulator.close();
  }
  return rows;
}

/** The raw bytes (not decompressed) of one streamed completion through `url`. */
function wireBytes(url: string): Promise<number> {
  const body = JSON.stringify({
    model: "openai/gpt-oss-20b",
    stream: true,
    messages: [{ role: "user", content: WORDS }],
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${ORIGIN_KEY}`,
          "content-type": "application/json",
          "accept-encoding": "gzip",
        },
      },
      (res) => {
        let n = 0;
        res.on("data", (chunk: Buffer) => (n += chunk.length));
        res.on("end", () => resolve(n));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** From an HTTP API request to its first `delta` event, ms. */
async function firstDeltaMs(stack: Stack, i: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(new URL("/v1/messages", stack.url), {
    method: "POST",
    headers: {
      authorization: `Bearer ${HTTP_API_KEY}`,
      "content-type": "application/json",
      accept: "text/event-stream",
      "cf-ipcountry": "DE",
    },
    body: JSON.stringify({ user_id: `compression-${i % 10}`, text: WORDS }),
  });
  const reader = res.body!.getReader();
  let text = "";
  let first = Number.NaN;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    if (Number.isNaN(first) && text.includes("event: delta")) first = performance.now() - t0;
  }
  return first;
}
