import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pseudonym, sleep, startStack, whatsappPayload, WHATSAPP, type Stack } from "../../infra/local/edge-stack.js";

/**
 * What a red team tried against the edge's storage and admin API (docs/SECURITY.md lists each
 * finding with its test): keys that give numbers back, erasures that reach other users, and turns
 * written back after an erasure.
 */
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ logs });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.whatsapp.reset();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const everyKey = async () => Object.values(await stack.keys()).flat();
const erase = (channel: string, userId: string) =>
  stack.admin("POST", "/erasures", { channel, user_id: userId }).then(async (res) => {
    expect(res.status).toBe(200);
    return res.json();
  });

describe("no key gives a person's number back", () => {
  it("keeps a WhatsApp user's pin, conversation and delivery records under keyed pseudonyms", async () => {
    const number = "4915200000777";
    const userKey = `whatsapp:${WHATSAPP.phoneNumberId}:${number}`;
    await stack.sendWhatsApp(whatsappPayload(number, "hello"));
    await stack.whatsapp.waitForMessages(1, { chatId: number });
    await sleep(300);
    // (Typed here by what is used: Miniflare's own types of the binding need @cloudflare/workers-types.)
    const kv = (await stack.mf.getKVNamespace("REGION_PINS")) as unknown as {
      list(): Promise<{ keys: Array<{ name: string }> }>;
    };
    const pinNames = (await kv.list()).keys.map((k) => k.name);
    // The pin is there, named by the keyed pseudonym, not by a hash anyone can recompute from numbers.
    expect(pinNames).toContain(`pin:${pseudonym(userKey)}`);
    expect(pinNames).not.toContain(`pin:${sha256(userKey)}`);
    const keys = await everyKey();
    expect(keys.filter((k) => k.includes(number))).toEqual([]);
    expect(keys.filter((k) => k.includes(sha256(userKey).slice(0, 32)))).toEqual([]);
    expect(keys.some((k) => k.includes(pseudonym(userKey)))).toBe(true);
    // Nor does any log line carry it.
    expect(logs.filter((l) => l.includes(number))).toEqual([]);
  });
});

describe("an erasure reaches only its user", () => {
  it("erasing API user `a` leaves users `a:b`, `a:b:c` and `ab` whole", async () => {
    const users = ["a", "a:b", "a:b:c", "ab"];
    for (const user of users) {
      const res = await stack.postMessage({ user_id: user, text: `hello from ${user}` });
      expect(res.status, user).toBe(200);
    }
    const before = await everyKey();
    const of = (user: string) => before.filter((k) => k.includes(pseudonym(`http:crm:${user}`)));
    for (const user of users) expect(of(user).length, user).toBeGreaterThan(0);
    await erase("http", "a");
    // An operator names the API key too when the id has a colon in it.
    await erase("http", "crm:a:b");
    const after = await everyKey();
    expect(of("a").filter((k) => after.includes(k))).toEqual([]);
    expect(of("a:b").filter((k) => after.includes(k))).toEqual([]);
    // The others kept every key they had.
    for (const user of ["a:b:c", "ab"])
      expect(
        of(user).filter((k) => !after.includes(k)),
        user,
      ).toEqual([]);
  });
});

describe("an erasure is complete", () => {
  it("a reply still being written when the user is erased does not write the conversation back", async () => {
    const user = "crm-erased-mid-reply";
    const userKey = `http:crm:${user}`;
    stack.emulator.enqueue({ content: "one two three four five six seven eight", tokenGapMs: 150 });
    const reply = stack.postMessage({ user_id: user, text: "tell me something slowly" });
    await sleep(500); // the model is writing
    await erase("http", user);
    expect((await reply).status).toBe(200);
    await sleep(300);
    expect((await everyKey()).filter((k) => k.includes(pseudonym(userKey)) && !k.startsWith("erased:"))).toEqual([]);
    // The user's next message starts afresh, and is kept as usual.
    expect((await stack.postMessage({ user_id: user, text: "hello again" })).status).toBe(200);
    const requests = stack.emulator.requests;
    expect(requests.at(-1)!.body.messages!.map((m) => m.role)).toEqual(["system", "user"]);
    expect((await everyKey()).some((k) => k.startsWith(`session:${pseudonym(userKey)}`))).toBe(true);
  });
});

describe("Idempotency-Key", () => {
  it("refuses the same key with a different request (422), and still replays the same request", async () => {
    const send = (text: string) =>
      stack.postMessage({ user_id: "crm-idem", text }, { headers: { "idempotency-key": "order-5521" } });
    const first = await send("cancel order 5521");
    expect(first.status).toBe(200);
    const replayed = await send("cancel order 5521");
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual(await first.json());
    const reused = await send("refund order 9999");
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe("idempotency_key_reused");
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
