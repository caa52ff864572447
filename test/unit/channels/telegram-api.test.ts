import { describe, expect, it } from "vitest";
import { botApi } from "../../../edge/channels/telegram/api.js";
import { NetworkError, PlatformError } from "../../../edge/errors.js";

function scripted(responses: Array<Response | Error>) {
  const calls: string[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const next = responses.shift();
    if (!next) throw new Error("unexpected call");
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("Telegram Bot API client", () => {
  it("returns the result of a successful call", async () => {
    const { fetch, calls } = scripted([json(200, { ok: true, result: { message_id: 5 } })]);
    const api = botApi({ apiBase: "https://tg.test", token: "1:abc", timeoutMs: 1000, fetch });
    expect(await api.call("sendMessage", { chat_id: 1, text: "x" })).toEqual({ message_id: 5 });
    expect(calls).toEqual(["https://tg.test/bot1:abc/sendMessage"]);
  });

  it("waits retry_after seconds on a 429, then repeats", async () => {
    const slept: number[] = [];
    const { fetch, calls } = scripted([
      json(429, {
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 3",
        parameters: { retry_after: 3 },
      }),
      json(200, { ok: true, result: true }),
    ]);
    const api = botApi({
      apiBase: "https://tg.test",
      token: "1:abc",
      timeoutMs: 1000,
      fetch,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(await api.call("sendMessage", {})).toBe(true);
    expect(slept).toEqual([3000]);
    expect(calls).toHaveLength(2);
  });

  it("hands a long retry_after back to the caller instead of holding the consumer", async () => {
    const { fetch } = scripted([
      json(429, { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 600 } }),
    ]);
    const api = botApi({
      apiBase: "https://tg.test",
      token: "1:abc",
      timeoutMs: 1000,
      fetch,
      sleep: async () => {},
    });
    await expect(api.call("sendMessage", {})).rejects.toMatchObject({
      name: "PlatformError",
      status: 429,
      retryAfterSeconds: 600,
    });
  });

  it("does not repeat a call that failed on the network", async () => {
    const { fetch, calls } = scripted([new TypeError("fetch failed")]);
    const api = botApi({ apiBase: "https://tg.test", token: "1:abc", timeoutMs: 1000, fetch });
    await expect(api.call("sendMessage", {})).rejects.toBeInstanceOf(NetworkError);
    expect(calls).toHaveLength(1);
  });

  it("reports the platform's refusal with its code and description", async () => {
    const { fetch } = scripted([json(400, { ok: false, error_code: 400, description: "Bad Request: chat not found" })]);
    const api = botApi({ apiBase: "https://tg.test", token: "1:abc", timeoutMs: 1000, fetch });
    const err = await api.call("sendMessage", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ method: "sendMessage", status: 400, description: "Bad Request: chat not found" });
  });

  it("gives up on a Bot API that does not answer within its deadline, as a timed-out network failure", async () => {
    // Takes the request and never answers: only the call's own signal ends it.
    const hung = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)),
      )) as typeof globalThis.fetch;
    const api = botApi({ apiBase: "https://tg.test", token: "1:abc", timeoutMs: 50, fetch: hung });
    const started = Date.now();
    const err = await api.call("sendMessage", { chat_id: 1, text: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
