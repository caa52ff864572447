import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../edge/config.js";
import type { BreakerStore } from "../../../edge/services/breaker.js";
import { AFFINITY_HEADER } from "../../../edge/services/origin-client.js";
import { overflowClient } from "../../../edge/services/region.js";

/**
 * The region's hosted overflow endpoint: a third party, told nothing that links a chat's requests,
 * and skipped once it has failed rather than waited on by every saturated try.
 */
let server: http.Server;
let url = "";
const seen: Array<{ affinity: string | undefined }> = [];
let failing = false;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    seen.push({ affinity: req.headers[AFFINITY_HEADER] as string | undefined });
    if (failing) return void res.writeHead(500).end("{}");
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(
      'data: {"choices":[{"delta":{"content":"from the overflow"},"finish_reason":null}]}\n\n' +
        'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const config = {
  model: {
    name: "openai/gpt-oss-20b",
    reasoningEffort: "low",
    maxOutputTokens: 256,
    firstTokenTimeoutMs: 2000,
    timeoutMs: 5000,
  },
} as unknown as Config;
/** The breakers' shared state, in memory (the region's Redis in production). */
function memoryBreaker(threshold: number): BreakerStore {
  const failures = new Map<string, number>();
  return {
    read: async (ids) =>
      new Map(
        ids.map((id) => [
          id,
          { failures: failures.get(id) ?? 0, state: (failures.get(id) ?? 0) >= threshold ? "open" : "closed" },
        ]),
      ),
    failure: async (id) => {
      failures.set(id, (failures.get(id) ?? 0) + 1);
      return { failures: failures.get(id)!, state: failures.get(id)! >= threshold ? "open" : "closed" };
    },
    success: async (id) => void failures.delete(id),
    claimProbe: async () => false,
  };
}

describe("the overflow endpoint", () => {
  it("is never sent the chat's affinity key", async () => {
    const client = overflowClient(config, "us", { url, apiKey: "k".repeat(16), model: undefined }, memoryBreaker(2));
    const answer = await client.complete([{ role: "user", content: "hi" }], { affinity: "abcdef0123456789" });
    expect(answer.text).toBe("from the overflow");
    expect(seen.at(-1)).toEqual({ affinity: undefined });
  });

  it("once failing, is skipped at once rather than asked by every try", async () => {
    failing = true;
    const client = overflowClient(config, "us", { url, apiKey: "k".repeat(16), model: undefined }, memoryBreaker(2));
    const before = seen.length;
    for (let i = 0; i < 5; i++) await client.complete([{ role: "user", content: "hi" }]).catch(() => undefined);
    failing = false;
    // Two failures open its circuit (ORIGIN_BREAKER_FAILURES, here 2): the other three never reached it.
    expect(seen.length - before).toBe(2);
  });
});
