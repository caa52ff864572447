import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../infra/local/edge-stack.js";
import { say, textsFor } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

/** Reads a server-sent event stream into its events. */
async function readEvents(res: Response): Promise<Array<{ event: string; data: unknown }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
      return { event, data: JSON.parse(data) as unknown };
    });
}

describe("POST /v1/messages: what is refused", () => {
  it.each([
    ["no key", null],
    ["a wrong key", "not-the-key-0123456789"],
  ])("refuses %s with 401 and a Bearer challenge", async (_name, key) => {
    const res = await stack.postMessage({ user_id: "u1", text: "hi" }, { key });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    ["malformed JSON", undefined, '{"user_id":', /not valid JSON/],
    ["a missing text", { user_id: "u1" }, undefined, /text/],
    ["an empty text", { user_id: "u1", text: "   " }, undefined, /text: must not be empty/],
    ["a user id with spaces", { user_id: "a b", text: "hi" }, undefined, /user_id/],
    ["a text over 16,000 characters", { user_id: "u1", text: "x ".repeat(8001) }, undefined, /at most 16000/],
  ])("refuses %s with 400 naming the problem", async (_name, body, raw, message) => {
    const res = await stack.postMessage(body, raw ? { raw } : {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it("refuses a body over 64 KiB with 413", async () => {
    const res = await stack.postMessage(undefined, {
      raw: JSON.stringify({ user_id: "u1", text: "x".repeat(70_000) }),
    });
    expect(res.status).toBe(413);
  });
});

describe("POST /v1/messages: JSON", () => {
  it("answers with the reply, the model and the user's region", async () => {
    const res = await stack.postMessage(
      { user_id: "crm-customer-1", text: "Where is my order?" },
      { headers: { "cf-ipcountry": "US" } },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      recipient_id: "crm-customer-1",
      message: { text: 'You said: "Where is my order?". How can I help further?' },
      metadata: { model: "openai/gpt-oss-20b", region: "us" },
    });
  });

  it("puts a client from a country outside every region in the default region", async () => {
    const res = await stack.postMessage(
      { user_id: "crm-customer-2", text: "hi" },
      { headers: { "cf-ipcountry": "ZA" } },
    );
    expect(((await res.json()) as { metadata: { region: string } }).metadata.region).toBe("eu");
  });

  it("keeps the conversation per user across requests", async () => {
    await stack.postMessage({ user_id: "crm-customer-3", text: "My order is 1234." });
    const res = await stack.postMessage({ user_id: "crm-customer-3", text: "Any news?" });
    expect(((await res.json()) as { message: { text: string } }).message.text).toContain(
      "I also remember 1 earlier message",
    );
  });

  it("answers a repeated Idempotency-Key with the same reply and asks the model once", async () => {
    stack.emulator.enqueue({ content: "first answer" }, { content: "second answer" });
    const send = () =>
      stack.postMessage({ user_id: "crm-customer-4", text: "hello" }, { headers: { "idempotency-key": "req-77" } });
    const a = (await (await send()).json()) as { message: { text: string } };
    const b = (await (await send()).json()) as { message: { text: string } };
    expect(a.message.text).toBe("first answer");
    expect(b.message.text).toBe("first answer");
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it("answers commands without the model", async () => {
    const res = await stack.postMessage({ user_id: "crm-customer-5", text: "/help" });
    expect(((await res.json()) as { message: { text: string } }).message.text).toBe(helpText(say, COMMANDS));
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("maps a hung origin to 504 and a failing one to 503", async () => {
    stack.emulator.enqueue({ hang: true });
    const slow = await stack.postMessage({ user_id: "crm-customer-6", text: "hi" });
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: { code: "model_timeout" } });
    stack.emulator.enqueue({ status: 500 });
    const broken = await stack.postMessage({ user_id: "crm-customer-6", text: "hi" });
    expect(broken.status).toBe(503);
    expect(await broken.json()).toMatchObject({ error: { code: "model_unavailable" } });
  });
});

describe("POST /v1/messages: server-sent events", () => {
  it("streams the answer as delta events, then a done event with the whole reply", async () => {
    stack.emulator.enqueue({
      content: "Your parcel left our warehouse this morning.",
      reasoning: "secret chain of thought",
    });
    const res = await stack.postMessage(
      { user_id: "sse-1", text: "parcel?" },
      { headers: { accept: "text/event-stream", "cf-ipcountry": "DE" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readEvents(res);
    const deltas = events.filter((e) => e.event === "delta").map((e) => (e.data as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe("Your parcel left our warehouse this morning.");
    expect(events.at(-1)).toEqual({
      event: "done",
      data: {
        recipient_id: "sse-1",
        message: { text: "Your parcel left our warehouse this morning." },
        metadata: { model: "openai/gpt-oss-20b", region: "eu" },
      },
    });
    expect(JSON.stringify(events)).not.toContain("chain of thought");
  });

  it("answers a failure before the first token as a plain HTTP error, not a stream", async () => {
    stack.emulator.enqueue({ status: 503 });
    const res = await stack.postMessage({ user_id: "sse-2", text: "hi" }, { headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  });

  it("ends a stream cut mid-answer with an error event", async () => {
    stack.emulator.enqueue({ content: "one two three four five six seven", cutAfterTokens: 3 });
    const res = await stack.postMessage(
      { user_id: "sse-3", text: "count" },
      { headers: { accept: "text/event-stream" } },
    );
    const events = await readEvents(res);
    expect(events.filter((e) => e.event === "delta").length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "model_unavailable" } });
  });

  it("ends the stream with an error event when the origin reports a failure mid-answer", async () => {
    stack.emulator.enqueue({ content: "one two three four five six seven", errorAfterTokens: 3 });
    const res = await stack.postMessage(
      { user_id: "sse-4", text: "count" },
      { headers: { accept: "text/event-stream" } },
    );
    const events = await readEvents(res);
    expect(
      events
        .filter((e) => e.event === "delta")
        .map((e) => (e.data as { text: string }).text)
        .join(""),
    ).toBe("one two three");
    expect(events.filter((e) => e.event === "done")).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "model_unavailable" } });
  });
});

describe("POST /v1/messages: the customer's language (lang)", () => {
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it("says the service's own texts in lang when the text is too short to tell: 'ok' with fr, the model down", async () => {
    stack.emulator.enqueue({ status: 500 });
    const res = await stack.postMessage({ user_id: "lang-1", text: "ok", lang: "fr" });
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toEqual({ code: "model_unavailable", message: textsFor("fr")("model.unavailable") });
    // The same request without it: English, the region's first language.
    stack.emulator.enqueue({ status: 500 });
    const plain = await stack.postMessage({ user_id: "lang-2", text: "ok" });
    expect(await errorOf(plain)).toEqual({ code: "model_unavailable", message: say("model.unavailable") });
  });

  it("answers a command in lang's language (a regional tag too), and tells the model the language", async () => {
    const reset = await stack.postMessage({ user_id: "lang-3", text: "/reset", lang: "de-AT" });
    expect(((await reset.json()) as { message: { text: string } }).message.text).toBe(textsFor("de")("reset.done"));
    await stack.postMessage({ user_id: "lang-4", text: "ok", lang: "es-ES" });
    expect(stack.emulator.requests.at(-1)?.body.messages?.[0]?.content).toContain("Spanish (es)");
  });

  it("keeps to the languages of the customer's region: ja from Germany is not one of them", async () => {
    stack.emulator.enqueue({ status: 500 });
    const res = await stack.postMessage({ user_id: "lang-5", text: "ok", lang: "ja-JP" });
    expect((await errorOf(res)).message).toBe(say("model.unavailable"));
  });

  it.each([["Deutsch (DE)"], ["de_DE"], ["x".repeat(36)], [""], [7]])(
    "refuses a lang that is not a language tag (%j) with 400 naming it",
    async (lang) => {
      const res = await stack.postMessage({ user_id: "lang-6", text: "ok", lang });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/lang/);
      expect(stack.emulator.requests).toHaveLength(0);
    },
  );
});
