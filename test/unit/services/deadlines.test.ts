import { afterEach, describe, expect, it, vi } from "vitest";
import { botApi } from "../../../edge/channels/telegram/api.js";
import { graphApi } from "../../../edge/channels/whatsapp/api.js";
import { redisFor } from "../../../edge/services/redis.js";
import type { RegionSettings } from "../../../edge/config.js";

/**
 * Every outbound call on a reply's path has a deadline, and none is left running once its call has
 * answered: a pending timer keeps a chat's inbox (a Durable Object) in memory, and billed, until it
 * fires (ten seconds after each platform call, two after each Upstash request, before this was so).
 * Each test keeps the signals its calls were given and looks at them after the deadline has passed.
 */
const DEADLINE_MS = 60;
const signals: AbortSignal[] = [];
const answering =
  (body: unknown) =>
  async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    signals.push(init!.signal!);
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  };
const hanging = (_input: RequestInfo | URL, init?: RequestInit) =>
  new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
const afterTheDeadline = () => new Promise((r) => setTimeout(r, DEADLINE_MS * 2));

afterEach(() => {
  vi.unstubAllGlobals();
  signals.length = 0;
});

const region = { redisUrl: "https://eu.upstash.test", redisToken: "token" } as RegionSettings;

describe("deadlines that stop once their call has answered", () => {
  it("an Upstash command, a pipeline and a transaction", async () => {
    const redis = redisFor(region, DEADLINE_MS);
    vi.stubGlobal("fetch", answering({ result: "v" }));
    expect(await redis.get("k")).toBe("v");
    vi.stubGlobal("fetch", answering([{ result: 1 }, { result: "v" }]));
    const p = redis.pipeline();
    p.incr("n");
    p.get("k");
    expect(await p.exec()).toEqual([1, "v"]);
    const tx = redis.multi();
    tx.incr("n");
    tx.get("k");
    await tx.exec();
    await afterTheDeadline();
    expect(signals).toHaveLength(3);
    expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
  });

  it("an Upstash request that never answers fails at its deadline", async () => {
    vi.stubGlobal("fetch", hanging);
    await expect(redisFor(region, DEADLINE_MS).get("k")).rejects.toThrow(/within|timeout|abort/i);
  });

  it("a Telegram and a WhatsApp call; one that hangs fails at its deadline", async () => {
    const telegram = botApi({
      apiBase: "https://tg.test",
      token: "1:abc",
      timeoutMs: DEADLINE_MS,
      fetch: answering({ ok: true, result: { message_id: 5 } }) as typeof fetch,
    });
    await telegram.call("sendMessage", { chat_id: 1, text: "hi" });
    const whatsapp = graphApi({
      apiBase: "https://graph.test",
      phoneNumberId: "1",
      accessToken: "t",
      timeoutMs: DEADLINE_MS,
      fetch: answering({ messages: [{ id: "wamid.1" }] }) as typeof fetch,
    });
    await whatsapp.messages({ to: "4915100000000", type: "text", text: { body: "hi" } });
    await afterTheDeadline();
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    const stuck = botApi({ apiBase: "https://tg.test", token: "1:abc", timeoutMs: DEADLINE_MS, fetch: hanging });
    await expect(stuck.call("sendMessage", { chat_id: 1, text: "hi" })).rejects.toMatchObject({ name: "NetworkError" });
  });
});
