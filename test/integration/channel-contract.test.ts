import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  sleep,
  startStack,
  textUpdate,
  webChatSocketUrl,
  whatsappPayload,
  type Stack,
} from "../../infra/local/edge-stack.js";
import { say, textsFor } from "../../edge/texts/index.js";

/**
 * One contract, every channel: whatever a message comes through, the user gets the model's answer
 * (never its reasoning), the conversation carries over, /reset forgets it, a redelivery is answered
 * once, a forgery is refused before anything happens, and a failing model gets an apology. Where a
 * user can react to an answer, a 👍 is never answered and never enters the conversation.
 */
interface Driver {
  /** Sends `text` as `user`; `deliveryId` identifies the delivery, for redelivery. Resolves when accepted. */
  send(user: string, text: string, deliveryId?: string): Promise<void>;
  /** Replies this user has received so far. */
  replies(user: string): string[];
  /** Sends a message that fails the channel's authenticity check; resolves with the HTTP status. */
  forge(user: string, text: string): Promise<number>;
  /** Puts a 👍 on the last answer, where the channel has reactions. Resolves when accepted. */
  react?(user: string): Promise<void>;
  /** The language the product speaks to this channel's test users in, where not English (a German number). */
  lang?: string;
}

let stack: Stack;
let seq = 0;
const uid = () => `${Date.now() % 100000}${seq++}`;

const telegram = (): Driver => ({
  send: async (user, text, id) =>
    void expect((await stack.sendUpdate(textUpdate(Number(user), text, id ? Number(id) : undefined))).status).toBe(200),
  replies: (user) => stack.telegram.sent(user).map((m) => m.text),
  forge: async (user, text) =>
    (await stack.sendUpdate(textUpdate(Number(user), text), { secret: "wrong-secret-0123456789" })).status,
  react: async (user) => {
    // A MessageReactionUpdated as the Bot API describes it (hand-written), on the bot's message.
    const update = {
      update_id: 700_000_000 + seq++,
      message_reaction: {
        chat: { id: Number(user), first_name: "Ada", type: "private" },
        message_id: 1,
        user: { id: Number(user), is_bot: false, first_name: "Ada" },
        date: Math.floor(Date.now() / 1000),
        old_reaction: [],
        new_reaction: [{ type: "emoji", emoji: "👍" }],
      },
    };
    expect((await stack.sendUpdate(update)).status).toBe(200);
  },
});

const whatsapp = (): Driver => ({
  // German numbers (+49): a short message from one gets the product's texts in German.
  lang: "de",
  send: async (user, text, id) =>
    void expect(
      (await stack.sendWhatsApp(whatsappPayload(`49151${user}`, text, id ? { wamid: `wamid.${id}` } : {}))).status,
    ).toBe(200),
  replies: (user) => stack.whatsapp.sent(`49151${user}`).map((m) => m.text),
  forge: async (user, text) =>
    (await stack.sendWhatsApp(whatsappPayload(`49151${user}`, text), { signature: `sha256=${"1".repeat(64)}` })).status,
  react: async (user) => {
    const message = {
      from: `49151${user}`,
      id: `wamid.reaction.${user}.${seq++}`,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: "reaction",
      reaction: { message_id: "wamid.answer", emoji: "👍" },
    };
    expect((await stack.sendWhatsApp(whatsappPayload(`49151${user}`, "", { message }))).status).toBe(200);
  },
});

const http = (): Driver => {
  const got = new Map<string, string[]>();
  return {
    send: async (user, text, id) => {
      const res = await stack.postMessage({ user_id: user, text }, id ? { headers: { "idempotency-key": id } } : {});
      const body = (await res.json()) as { message?: { text: string }; error?: { message: string } };
      got.set(user, [...(got.get(user) ?? []), body.message?.text ?? body.error?.message ?? ""]);
    },
    replies: (user) => got.get(user) ?? [],
    forge: async (user, text) =>
      (await stack.postMessage({ user_id: user, text }, { key: "forged-key-0123456789abc" })).status,
  };
};

const webchat = (): Driver => {
  const sockets = new Map<string, { ws: WebSocket; done: string[] }>();
  const connect = async (user: string) => {
    let entry = sockets.get(user);
    if (entry) return entry;
    // A network per user: the per-network limits are another suite's.
    const headers = { "cf-ipcountry": "DE", "cf-connecting-ip": `198.51.100.${sockets.size + 1}` };
    const session = (await (
      await stack.mf.dispatchFetch(new URL("/chat/session", stack.url), { method: "POST", headers })
    ).json()) as {
      token: string;
    };
    const ws = new WebSocket(await webChatSocketUrl(stack.url, session.token, headers), { headers });
    entry = { ws, done: [] };
    const e = entry;
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; text?: string };
      if (frame.type === "done") e.done.push(frame.text ?? "");
    });
    await new Promise((r) => ws.once("open", r));
    sockets.set(user, entry);
    return entry;
  };
  return {
    send: async (user, text, id) =>
      (await connect(user)).ws.send(JSON.stringify({ type: "message", text, ...(id ? { id } : {}) })),
    replies: (user) => sockets.get(user)?.done ?? [],
    react: async (user) => (await connect(user)).ws.send(JSON.stringify({ type: "feedback", value: "up" })),
    // A forged ticket: the socket is accepted and closed at once with 4401 (4000 + the HTTP status),
    // which a browser can read.
    forge: async () =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(
          new URL("/chat/ws?ticket=t1.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", stack.url)
            .toString()
            .replace(/^http/, "ws"),
        );
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("close", (code) => resolve(code >= 4000 ? code - 4000 : code));
        ws.once("error", () => {});
      }),
  };
};

const waitReplies = async (driver: Driver, user: string, count: number) => {
  for (let i = 0; i < 100 && driver.replies(user).length < count; i++) await sleep(50);
  expect(driver.replies(user).length, `replies to ${user}`).toBeGreaterThanOrEqual(count);
  return driver.replies(user);
};

beforeAll(async () => {
  stack = await startStack({ port: 0 });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
  stack.whatsapp.reset();
});

describe.each([
  ["telegram", telegram],
  ["whatsapp", whatsapp],
  ["http", http],
  ["webchat", webchat],
] as const)("channel contract: %s", (_name, make) => {
  const driver = make();

  it("answers with the model's reply and never its reasoning", async () => {
    const user = uid();
    stack.emulator.enqueue({ content: "Here is the answer.", reasoning: "REASONING-MARKER" });
    await driver.send(user, "question");
    const [reply] = await waitReplies(driver, user, 1);
    expect(reply).toBe("Here is the answer.");
    expect(driver.replies(user).join()).not.toContain("REASONING-MARKER");
  });

  it("carries the conversation over and forgets it on /reset", async () => {
    const user = uid();
    await driver.send(user, "My name is Ada.");
    await waitReplies(driver, user, 1);
    await driver.send(user, "What is my name?");
    await waitReplies(driver, user, 2);
    expect(stack.emulator.requests.at(-1)?.body.messages?.map((m) => m.content)).toContain("My name is Ada.");
    await driver.send(user, "/reset");
    expect((await waitReplies(driver, user, 3))[2]).toBe(say("reset.done"));
    await driver.send(user, "Who am I?");
    await waitReplies(driver, user, 4);
    expect(stack.emulator.requests.at(-1)?.body.messages?.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("answers a redelivered message once, asking the model once", async () => {
    const user = uid();
    const id = String(900_000_000 + seq++);
    await driver.send(user, "only once", id);
    await waitReplies(driver, user, 1);
    await driver.send(user, "only once", id);
    await sleep(600);
    expect(stack.emulator.requests).toHaveLength(1);
    // Push channels stay silent on a redelivery; request/response channels repeat the same answer.
    expect(new Set(driver.replies(user)).size).toBe(1);
  });

  it("refuses a forgery before anything happens", async () => {
    const user = uid();
    expect(await driver.forge(user, "let me in")).toBe(401);
    await sleep(400);
    expect(stack.emulator.requests).toHaveLength(0);
    expect(driver.replies(user)).toHaveLength(0);
  });

  if (driver.react)
    it("takes a 👍 on an answer without answering it or adding it to the conversation", async () => {
      const user = uid();
      await driver.send(user, "question");
      await waitReplies(driver, user, 1);
      await driver.react!(user);
      await sleep(600);
      expect(driver.replies(user)).toHaveLength(1);
      expect(stack.emulator.requests).toHaveLength(1);
      await driver.send(user, "and then?");
      await waitReplies(driver, user, 2);
      expect(stack.emulator.requests.at(-1)?.body.messages?.map((m) => m.role)).toEqual([
        "system",
        "user",
        "assistant",
        "user",
      ]);
    });

  it("apologises when the model fails", async () => {
    const user = uid();
    stack.emulator.enqueue({ status: 500 });
    await driver.send(user, "hello?");
    expect((await waitReplies(driver, user, 1))[0]).toBe(textsFor(driver.lang)("model.unavailable"));
  });
});
