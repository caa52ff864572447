import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  pseudonym,
  sleep,
  startStack,
  textUpdate,
  whatsappPayload,
  WHATSAPP,
  type Stack,
} from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

const FAQ = {
  entries: [
    {
      lang: "en",
      questions: ["What are your opening hours?", "When are you open?"],
      answer: "We are open Monday to Saturday, 9:00 to 18:00.",
    },
    {
      lang: "en",
      questions: ["How do I return an item?"],
      answer: "Use the returns form in your account within 30 days.",
    },
    { lang: "de", questions: ["Wann habt ihr geöffnet?"], answer: "Montag bis Samstag, 9 bis 18 Uhr." },
  ],
};

/** Waits for `count` WhatsApp replies to `waId`. */
const repliesTo = (stack: Stack, waId: string, count = 1) =>
  stack.whatsapp.waitForMessages(count, { chatId: waId, timeoutMs: 10_000 }).then((m) => m.map((x) => x.text));
/**
 * Each region's Redis keys that hold something of this WhatsApp number or Telegram user (stored under
 * pseudonyms). An erasure's own mark (`erased:`, the pseudonym and a time, for an hour: it keeps a
 * reply written meanwhile from saving its turn) holds nothing of theirs.
 */
const keysOf = (all: Record<string, string[]>, user: string) => {
  const userKey = /^\d{6,}$/.test(user) ? `whatsapp:${WHATSAPP.phoneNumberId}:${user}` : `telegram:7000000001:${user}`;
  const name = pseudonym(userKey);
  return Object.fromEntries(
    Object.entries(all).map(([r, ks]) => [r, ks.filter((k) => k.includes(name) && !k.startsWith("erased:"))]),
  );
};

describe("residency and failover", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      originsPerRegion: { eu: 2, us: 1, apac: 1 },
      settings: { ORIGIN_BREAKER_FAILURES: "2", ORIGIN_BREAKER_COOLDOWN_SECONDS: "1", FAQ_DIRECT: "off" },
    });
    expect((await stack.admin("PUT", "/faq/eu", FAQ)).status).toBe(200);
  });
  afterAll(() => stack?.close());
  beforeEach(() => {
    for (const e of Object.values(stack.origins).flat()) e.reset();
    stack.whatsapp.reset();
  });
  const calls = (region: "eu" | "us" | "apac") => stack.origins[region].reduce((n, e) => n + e.requests.length, 0);

  it("retries once on the region's other origin when one fails", async () => {
    // eu1 has one recent failure (under the threshold), so eu2 is tried first; it fails, eu1 answers.
    await stack.redis.eu.send([["SET", "breaker:eu1:fails", "1", "EX", "60"]]);
    stack.origins.eu[1]!.enqueue({ status: 502 });
    stack.origins.eu[0]!.enqueue({ content: "the other origin answered" });
    await stack.sendWhatsApp(whatsappPayload("4915200000002", "hello"));
    expect(await repliesTo(stack, "4915200000002")).toEqual(["the other origin answered"]);
    expect([stack.origins.eu[1]!.requests.length, stack.origins.eu[0]!.requests.length]).toEqual([1, 1]);
  });

  it("asks only the EU origins for an EU user and writes only to the EU database", async () => {
    await stack.sendWhatsApp(whatsappPayload("4915200000001", "Hallo"));
    await repliesTo(stack, "4915200000001");
    expect([calls("eu"), calls("us"), calls("apac")]).toEqual([1, 0, 0]);
    const all = await stack.keys();
    const keys = keysOf(all, "4915200000001");
    expect(keys.eu!.length).toBeGreaterThan(0);
    expect(keys.us).toEqual([]);
    expect(keys.apac).toEqual([]);
    // Kept under a keyed pseudonym: no key names the number.
    expect(
      Object.values(all)
        .flat()
        .filter((k) => k.includes("4915200000001")),
    ).toEqual([]);
  });

  it("answers an EU user from the FAQ when every EU origin is down, and never asks another region", async () => {
    for (const e of stack.origins.eu) e.enqueue({ status: 503 }, { status: 503 });
    await stack.sendWhatsApp(whatsappPayload("4915200000003", "when are you open"));
    const [reply] = await repliesTo(stack, "4915200000003");
    expect(reply).toBe(`We are open Monday to Saturday, 9:00 to 18:00.\n\n${say("limitedMode")}`);
    expect([calls("us"), calls("apac")]).toEqual([0, 0]);
  });

  it("says honestly to try later when the FAQ holds nothing close", async () => {
    for (const e of stack.origins.eu) e.enqueue({ status: 503 }, { status: 503 });
    await stack.sendWhatsApp(whatsappPayload("4915200000004", "Can I pay with cryptocurrency?"));
    expect(await repliesTo(stack, "4915200000004")).toEqual([say("model.unavailable")]);
    expect([calls("us"), calls("apac")]).toEqual([0, 0]);
  });

  it("lets APAC answer a US user when the US origin is down, as regions.json allows", async () => {
    stack.origins.us[0]!.enqueue({ status: 503 });
    stack.origins.apac[0]!.enqueue({ content: "answered from APAC" });
    await stack.sendWhatsApp(whatsappPayload("14155550101", "hi"));
    expect(await repliesTo(stack, "14155550101")).toEqual(["answered from APAC"]);
    // The US user's data stays in the US database all the same.
    const keys = keysOf(await stack.keys(), "14155550101");
    expect(keys.apac).toEqual([]);
    expect(keys.us!.length).toBeGreaterThan(0);
  });

  it("opens an origin's breaker after repeated failures, skips it, and closes it again after a good probe", async () => {
    const health = async () =>
      (
        (await (await stack.mf.dispatchFetch(new URL("/healthz", stack.url))).json()) as {
          regions: Record<string, { origins: Array<{ origin: string; breaker: string }> }>;
        }
      ).regions.apac!.origins[0]!.breaker;
    // Two failures open APAC's only origin (threshold 2). Its users then get US answers (its fallback).
    stack.origins.apac[0]!.enqueue({ status: 500 }, { status: 500 });
    stack.origins.us[0]!.enqueue({ content: "us one" }, { content: "us two" }, { content: "us three" });
    await stack.sendWhatsApp(whatsappPayload("81300000001", "one"));
    await repliesTo(stack, "81300000001", 1);
    await stack.sendWhatsApp(whatsappPayload("81300000001", "two"));
    await repliesTo(stack, "81300000001", 2);
    expect(await health()).toBe("open");
    const before = stack.origins.apac[0]!.requests.length;
    await stack.sendWhatsApp(whatsappPayload("81300000001", "three"));
    const replies = await repliesTo(stack, "81300000001", 3);
    expect(stack.origins.apac[0]!.requests.length).toBe(before); // skipped while open
    expect(replies[2]).toBe("us three");
    // After the cool-down: half-open, one probe, which succeeds and closes it.
    await sleep(1200);
    expect(await health()).toBe("half_open");
    stack.origins.apac[0]!.enqueue({ content: "apac is back" });
    await stack.sendWhatsApp(whatsappPayload("81300000001", "four"));
    expect((await repliesTo(stack, "81300000001", 4))[3]).toBe("apac is back");
    expect(await health()).toBe("closed");
  });
});

describe("the offline FAQ", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.emulator.reset());

  it("refuses an upload without the admin token", async () => {
    expect((await stack.admin("PUT", "/faq/eu", FAQ, "wrong-token-0123456789")).status).toBe(401);
  });

  it("rejects a bad upload whole, naming every problem, and keeps the FAQ it had", async () => {
    expect((await stack.admin("PUT", "/faq/eu", FAQ)).status).toBe(200);
    const bad = {
      entries: [
        ...FAQ.entries,
        { lang: "en", questions: [], answer: "x" },
        { lang: "ja", questions: ["営業時間"], answer: "9-18" },
      ],
    };
    const res = await stack.admin("PUT", "/faq/eu", bad);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; problems: string[] } };
    expect(body.error.message).toBe("the FAQ was not changed");
    expect(body.error.problems.join("\n")).toMatch(/entries\.3\.questions: each entry needs a question/);
    expect(
      (
        await stack.admin("PUT", "/faq/eu", {
          entries: [FAQ.entries[0], { lang: "ja", questions: ["営業時間"], answer: "9-18" }],
        })
      ).status,
    ).toBe(400);
    const stored = (await (await stack.admin("GET", "/faq/eu")).json()) as { entries: unknown[] };
    expect(stored.entries).toEqual(FAQ.entries);
  });

  it("rejects malformed JSON and unknown regions", async () => {
    expect((await stack.admin("PUT", "/faq/eu", "{ not json")).status).toBe(400);
    expect((await stack.admin("PUT", "/faq/mars", FAQ)).status).toBe(404);
  });

  it("answers a near-exact FAQ question without the model, but not one that depends on the conversation", async () => {
    expect((await stack.admin("PUT", "/faq/eu", FAQ)).status).toBe(200);
    await stack.sendUpdate(textUpdate(4101, "What are your opening hours?"));
    expect((await stack.telegram.waitForMessages(1, { chatId: 4101 }))[0]?.text).toBe(FAQ.entries[0]!.answer);
    expect(stack.emulator.requests).toHaveLength(0);
    // With history, "how do I return it?" points back: the model answers, with the conversation.
    await stack.sendUpdate(textUpdate(4101, "I bought shoes last week."));
    await stack.telegram.waitForMessages(2, { chatId: 4101 });
    await stack.sendUpdate(textUpdate(4101, "How do I return it?"));
    await stack.telegram.waitForMessages(3, { chatId: 4101 });
    expect(stack.emulator.requests).toHaveLength(2);
  });
});

describe("data rights and logs", () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ logs });
  });
  afterAll(() => stack?.close());

  it("/forget erases the user's conversation, saved replies, rate-limit state and pinned region, and says so", async () => {
    // Two turns (sent together they would be one burst, answered once).
    await stack.sendWhatsApp(whatsappPayload("447700900010", "first"));
    await repliesTo(stack, "447700900010", 1);
    await stack.sendWhatsApp(whatsappPayload("447700900010", "second"));
    await repliesTo(stack, "447700900010", 2);
    expect(keysOf(await stack.keys(), "447700900010").eu!.length).toBeGreaterThan(0);
    await stack.sendWhatsApp(whatsappPayload("447700900010", "/forget"));
    const [, , reply] = await repliesTo(stack, "447700900010", 3);
    expect(reply).toMatch(/4 messages of our conversation/);
    // The replies kept for retries are the answers' turns, and the chat's rate limit is its turns:
    // nothing else was kept, and nothing else is listed.
    expect(reply).not.toMatch(/saved repl|rate-limit/);
    expect(reply).toMatch(/your region setting/);
    expect(keysOf(await stack.keys(), "447700900010")).toEqual({ eu: [], us: [], apac: [] });
  });

  it("does not answer again a redelivery, after an erasure, of a message answered before it", async () => {
    const update = textUpdate(4391, "answered once");
    await stack.sendUpdate(update);
    await stack.telegram.waitForMessages(1, { chatId: 4391 });
    expect((await stack.admin("POST", "/erasures", { channel: "telegram", user_id: "4391" })).status).toBe(200);
    // Telegram redelivers the update (it did not see the 200 in time).
    expect((await stack.sendUpdate(update)).status).toBe(200);
    await sleep(1500);
    expect(stack.telegram.sent(4391)).toHaveLength(1);
    expect(logs.some((l) => l.includes('"reason":"duplicate_delivery"'))).toBe(true);
  });

  it("POST /admin/erasures erases a user and reports what there was", async () => {
    await stack.sendUpdate(textUpdate(4201, "remember me"));
    await stack.telegram.waitForMessages(1, { chatId: 4201 });
    const erase = (body: unknown, token?: string) => stack.admin("POST", "/erasures", body, token);
    const res = await erase({ channel: "telegram", user_id: "4201" });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      erased: {
        regions: Record<string, { messages: number; savedReplies: number; rateLimitKeys: number }>;
        pinnedRegion: boolean;
      };
    };
    // (The reply kept for a retry is in the answer's turn, and a Telegram chat's rate limit is its turns.)
    expect(report.erased.regions.eu).toMatchObject({ messages: 2, savedReplies: 0, rateLimitKeys: 0 });
    expect(report.erased.pinnedRegion).toBe(true);
    expect(keysOf(await stack.keys(), "4201")).toEqual({ eu: [], us: [], apac: [] });
    const again = (await (await erase({ channel: "telegram", user_id: "4201" })).json()) as typeof report;
    expect(again.erased.pinnedRegion).toBe(false);
    expect((await erase({ channel: "fax", user_id: "4201" })).status).toBe(404);
    expect((await erase({ channel: "telegram" })).status).toBe(400);
    expect((await erase({ channel: "telegram", user_id: "4201" }, "nope-nope-nope-nope")).status).toBe(401);
    // The id never goes in a URL (request logs keep paths): the former route erases nothing.
    expect((await stack.admin("DELETE", "/users/telegram/4201")).status).toBe(410);
  });

  it("/region moves a Telegram user where the policy allows, erasing the old region's copy", async () => {
    await stack.sendUpdate(textUpdate(4301, "hello from the default region"));
    await stack.telegram.waitForMessages(1, { chatId: 4301 });
    await stack.sendUpdate(textUpdate(4301, "/region"));
    expect((await stack.telegram.waitForMessages(2, { chatId: 4301 }))[1]?.text).toMatch(
      /kept, and answered, in European Union and EEA \(eu\)[\s\S]*us, apac/,
    );
    await stack.sendUpdate(textUpdate(4301, "/region us"));
    expect((await stack.telegram.waitForMessages(3, { chatId: 4301 }))[2]?.text).toMatch(
      /now on .* Americas \(us\)\. The 2 messages kept in European Union and EEA \(eu\) were deleted/,
    );
    await sleep(300);
    await stack.sendUpdate(textUpdate(4301, "am I in the US now?"));
    await stack.telegram.waitForMessages(4, { chatId: 4301 });
    const keys = keysOf(await stack.keys(), "4301");
    expect(keys.eu).toEqual([]);
    expect(keys.us!.some((k) => k.startsWith("session:"))).toBe(true);
    await stack.sendUpdate(textUpdate(4301, "/region mars"));
    expect((await stack.telegram.waitForMessages(5, { chatId: 4301 }))[4]?.text).toMatch(/not a region you can choose/);
  });

  it("logs ids, regions, timings and outcomes of a whole conversation, never its text or the user's number", async () => {
    logs.length = 0;
    const secretText = "my card is 4111 1111 1111 1111 and I live at Hauptstrasse 5";
    await stack.sendWhatsApp(whatsappPayload("4915211122233", secretText));
    await repliesTo(stack, "4915211122233");
    await stack.sendUpdate(textUpdate(4401, secretText));
    await stack.telegram.waitForMessages(1, { chatId: 4401 });
    await stack.postMessage({ user_id: "crm-secret-user", text: secretText });
    await sleep(300);
    const all = logs.join("\n");
    expect(all).toContain('"event":"message.handled"');
    expect(all).toContain('"region":"eu"');
    for (const forbidden of [
      secretText,
      "4111",
      "Hauptstrasse",
      "4915211122233",
      "15211122233",
      "crm-secret-user",
      "test-webhook-secret",
      WHATSAPP.appSecret,
    ]) {
      expect(all, forbidden).not.toContain(forbidden);
    }
  });
});

it("tells a WhatsApp user the region follows their number", async () => {
  const stack = await startStack();
  try {
    await stack.sendWhatsApp(whatsappPayload("447700900099", "/region us"));
    expect((await repliesTo(stack, "447700900099"))[0]).toMatch(
      /follows your phone number's country and cannot be changed/,
    );
    expect(helpText(say, COMMANDS)).toContain("/forget");
  } finally {
    await stack.close();
  }
});
