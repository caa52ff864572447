import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";
import { say } from "../../edge/texts/index.js";

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createConnection({ host: "127.0.0.1", port }, () => (s.end(), resolve(true)));
    s.once("error", () => resolve(false));
  });

/** A redis-server of the test's own, so stopping it disturbs nothing else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  await until(() => listening(port), `redis-server on ${port}`, 10_000);
  return proc;
}

describe("origin faults", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      originsPerRegion: { eu: 1, us: 1, apac: 1 },
      settings: {
        ORIGIN_BREAKER_FAILURES: "3",
        ORIGIN_BREAKER_COOLDOWN_SECONDS: "30",
        MODEL_FIRST_TOKEN_TIMEOUT_MS: "800",
        MODEL_TIMEOUT_MS: "2000",
      },
    });
  });
  afterAll(() => stack?.close());

  it("answers each failed message with one clear message, opens the breaker, and answers nothing twice", async () => {
    const eu = stack.origins.eu[0]!;
    eu.enqueue({ status: 500 }, { hang: true }, { content: "partial answer that never ends", cutAfterTokens: 2 });
    const users = [7001, 7002, 7003];
    for (const u of users) {
      await stack.sendUpdate(textUpdate(u, "hello"));
      await stack.telegram.waitForMessages(1, { chatId: u, timeoutMs: 15_000 });
    }
    const texts = users.map((u) => stack.telegram.sent(u).map((m) => m.text));
    expect(texts).toEqual([[say("model.unavailable")], [say("model.timeout")], [say("model.unavailable")]]);
    const health = (await (await stack.mf.dispatchFetch(new URL("/healthz", stack.url))).json()) as {
      regions: { eu: { origins: Array<{ breaker: string }> } };
    };
    expect(health.regions.eu.origins[0]!.breaker).toBe("open");
    // While open, the origin is not asked at all, and the user still gets one clear message.
    const asked = eu.requests.length;
    await stack.sendUpdate(textUpdate(7004, "anyone?"));
    await stack.telegram.waitForMessages(1, { chatId: 7004 });
    expect(eu.requests.length).toBe(asked);
    await sleep(1000);
    for (const u of [...users, 7004]) expect(stack.telegram.sent(u)).toHaveLength(1);
  });
});

/**
 * A stack whose Upstash shim stands on a redis-server of its own (on `port`), which the suite's tests
 * stop and start again; both are closed after the suite.
 */
function stackWithOwnRedis(port: number, settings: Record<string, string> = {}) {
  const own = {
    stack: undefined as unknown as Stack,
    logs: [] as string[],
    redis: undefined as ChildProcess | undefined,
    async stopRedis() {
      own.redis?.kill("SIGKILL");
      await until(async () => !(await listening(port)), "redis-server to stop");
    },
    async startRedis() {
      own.redis = await startRedis(port);
    },
  };
  beforeAll(async () => {
    await own.startRedis();
    own.stack = await startStack({ redisPort: port, redisDb: { eu: 1, us: 2, apac: 3 }, logs: own.logs, settings });
  });
  afterAll(async () => {
    await own.stack?.close();
    own.redis?.kill("SIGKILL");
  });
  return own;
}

describe("Redis faults", () => {
  const own = stackWithOwnRedis(6391);

  it("answers messages acked before redis-server stopped once it is back, each exactly once", async () => {
    const { stack } = own;
    const users = Array.from({ length: 8 }, (_, i) => 7100 + i);
    // Slow answers, so the messages are still in the queue when Redis goes away.
    for (const _ of users) stack.emulator.enqueue({ content: "answered after the outage", firstTokenMs: 300 });
    for (const u of users) expect((await stack.sendUpdate(textUpdate(u, "are you there?"))).status).toBe(200);
    await own.stopRedis();
    // A message arriving during the outage is acknowledged too: the webhook needs only the queue.
    const during = 7108;
    stack.emulator.enqueue({ content: "answered after the outage" });
    expect((await stack.sendUpdate(textUpdate(during, "and now?"))).status).toBe(200);
    users.push(during);
    await sleep(1500);
    await own.startRedis();
    await until(
      () => users.every((u) => stack.telegram.sent(u).length >= 1),
      "every acked message to be answered",
      40_000,
    );
    await sleep(1500);
    for (const u of users) expect(stack.telegram.sent(u), `user ${u}`).toHaveLength(1);
  });

  it("lets an API message through with a logged warning when the rate limiter cannot get an answer in time", async () => {
    const { stack, logs } = own;
    logs.length = 0;
    // (A Telegram or WhatsApp chat's limit is its stored turns; the HTTP API's is the limiter's script.)
    // Only requests carrying a script are slow, longer than RATE_LIMIT_TIMEOUT_MS (1 s).
    stack.shim.stall(1500, "evalsha");
    const res = await stack.postMessage(
      { user_id: "slow-limiter-1", text: "slow redis" },
      { headers: { "cf-ipcountry": "DE" } },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: { text: string } }).message.text).toContain("slow redis");
    expect(logs.join("\n")).toContain('"event":"ratelimit.fail_open"');
  });
});

describe("Redis down when a reply fails for the last time", () => {
  // One try per reply: the first failure is the last, and its dead letter must be counted in Redis.
  const own = stackWithOwnRedis(6392, { REPLY_MAX_ATTEMPTS: "1", BURST_WINDOW_MS: "1500" });

  it("keeps the message when even its dead letter cannot be counted, and answers it once Redis is back (the inbox retries every minute)", async () => {
    const { stack, logs } = own;
    expect((await stack.sendUpdate(textUpdate(7601, "kept through the outage"))).status).toBe(200);
    // Taken into the inbox, waiting out its burst window, when Redis goes away.
    await own.stopRedis();
    await until(
      () => logs.some((l) => l.includes('"event":"inbox.alarm_failed"')),
      "the inbox to fail to count the dead letter",
      15_000,
    );
    await own.startRedis();
    await until(() => stack.telegram.sent(7601).length >= 1, "the reply after Redis is back", 80_000);
    await sleep(1500);
    expect(stack.telegram.sent(7601).map((m) => m.text)).toEqual([expect.stringContaining("kept through the outage")]);
  });
});

describe("platform API faults", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ consumers: { "gateway-messages": { retryDelay: 0 } } });
  });
  afterAll(() => stack?.close());

  it("sends nothing twice through 429s, 5xx and a send whose answer was lost", async () => {
    stack.whatsapp.failNext(
      { kind: "error", status: 429, code: 4 },
      { kind: "error", status: 503, code: 2 },
      { kind: "drop-after-delivery" },
    );
    stack.telegram.failNext(
      "sendMessage",
      { kind: "error", status: 429, retryAfter: 1 },
      { kind: "error", status: 502, retryAfter: 0 },
      { kind: "drop-after-delivery" },
    );
    await stack.sendWhatsApp(whatsappPayload("4915300000001", "one"));
    await stack.sendUpdate(textUpdate(7401, "one"));
    await until(
      () => stack.whatsapp.sent("4915300000001").length >= 1 && stack.telegram.sent(7401).length >= 1,
      "both replies",
      30_000,
    );
    await sleep(2000);
    expect(stack.whatsapp.sent("4915300000001")).toHaveLength(1);
    expect(stack.telegram.sent(7401)).toHaveLength(1);
  });
});

describe("edge restart", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ settings: { BURST_WINDOW_MS: "2000" } });
  });
  afterAll(() => stack?.close());

  it("answers every message acked before the edge restarted, each once, after it is back", async () => {
    const users = [7501, 7502, 7503, 7504, 7505];
    for (const u of users) {
      expect((await stack.sendUpdate(textUpdate(u, `first from ${u}`))).status).toBe(200);
      expect((await stack.sendUpdate(textUpdate(u, `second from ${u}`))).status).toBe(200);
    }
    // Acked and handed to the users' inboxes, waiting out their burst window: workerd stops and starts
    // again (a deploy, a crash) with the state it had written.
    await sleep(500);
    expect(stack.telegram.sent()).toHaveLength(0);
    await stack.restart();
    await until(
      () => users.every((u) => stack.telegram.sent(u).length >= 1),
      "a reply to every user after the restart",
    );
    await sleep(2500);
    for (const u of users) {
      const texts = stack.telegram.sent(u).map((m) => m.text);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain(`second from ${u}`);
    }
    const asked = stack.emulator.requests.map((r) => r.body.messages?.at(-1)?.content).sort();
    expect(asked).toEqual(users.map((u) => `first from ${u}\nsecond from ${u}`).sort());
  });
});
