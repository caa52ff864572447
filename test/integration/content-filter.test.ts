import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import filterFile from "../../infra/content-filter.json" with { type: "json" };

let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ emulator: { tokensPerSecond: 200 }, logs });
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

describe("content safety", () => {
  it("refuses abuse, politely, without asking the model, and counts it", async () => {
    await stack.sendUpdate(textUpdate(8201, "you are an idiot"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 8201 });
    expect(reply?.text).toBe(filterFile.replies.abuse.en);
    expect(stack.emulator.requests).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(stack.metrics.records.some((m) => m.outcome === "refused" && m.channel === "telegram")).toBe(true);
  });

  it("answers a self-harm signal with care and help lines, in the user's language, without asking the model", async () => {
    // Never a refusal: the caring reply (replies.care) names the help lines of the language's markets.
    await stack.sendUpdate(textUpdate(8203, "I want to end my life"));
    const [en] = await stack.telegram.waitForMessages(1, { chatId: 8203 });
    expect(en?.text).toBe(filterFile.replies.care.en);
    expect(en?.text).toContain("988");
    await stack.sendUpdate(textUpdate(8204, "Ich will nicht mehr leben"));
    const [de] = await stack.telegram.waitForMessages(1, { chatId: 8204 });
    expect(de?.text).toBe(filterFile.replies.care.de);
    expect(de?.text).toContain("0800 111 0 111");
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("lets a book title with an insult word and an everyday 'hurt' through to the model", async () => {
    stack.emulator.enqueue({ content: "Yes, it is in stock." }, { content: "Bend your knees and keep it close." });
    await stack.sendUpdate(textUpdate(8205, "Do you sell The Complete Idiot's Guide to Cooking?"));
    const [title] = await stack.telegram.waitForMessages(1, { chatId: 8205 });
    expect(title?.text).toBe("Yes, it is in stock.");
    await stack.sendUpdate(textUpdate(8206, "How do I lift a heavy box without getting hurt?"));
    const [lift] = await stack.telegram.waitForMessages(1, { chatId: 8206 });
    expect(lift?.text).toBe("Bend your knees and keep it close.");
    const asked = stack.emulator.requests.map((r) => r.body.messages!.at(-1)!.content);
    expect(asked).toEqual([
      "Do you sell The Complete Idiot's Guide to Cooking?",
      "How do I lift a heavy box without getting hurt?",
    ]);
  });

  it("answers a customer who sends a card number, with the number masked everywhere and a note", async () => {
    await stack.sendUpdate(textUpdate(8202, "I was charged twice on 4111 1111 1111 1111, order A-1001"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 8202 });
    expect(reply!.text.startsWith(filterFile.replies["card-masked"].en)).toBe(true);
    const asked = stack.emulator.requests.at(-1)!.body.messages!.at(-1)!.content;
    expect(asked).toBe("I was charged twice on •••• 1111, order A-1001");
    // Neither the conversation store nor a log line holds the number.
    const keys = Object.values(await stack.keys()).flat();
    for (const key of keys.filter((k) => k.startsWith("session:"))) {
      const [turns] = await stack.redis.eu.send([["LRANGE", key, "0", "-1"]]);
      expect(JSON.stringify(turns)).not.toContain("4111 1111");
    }
    expect(logs.filter((l) => l.includes("4111"))).toEqual([]);
  });

  it("masks a card number in a streamed answer before the client sees it", async () => {
    stack.emulator.enqueue({
      content: "Sure, I can help. Your card 4111 1111 1111 1111 is on file and more text follows here.",
    });
    const res = await stack.postMessage(
      { user_id: "filter-1", text: "what card do you have?" },
      { headers: { accept: "text/event-stream" } },
    );
    const body = await res.text();
    expect(body).not.toContain("4111 1111");
    expect(body).toContain("event: delta");
    const done = body.split("\n\n").find((b) => b.startsWith("event: done"))!;
    expect(JSON.parse(done.split("data: ")[1]!)).toMatchObject({
      message: { text: "Sure, I can help. Your card •••• 1111 is on file and more text follows here." },
    });
  });

  it("stops a streamed answer that insults the customer: the client never sees it, and gets the refusal", async () => {
    stack.emulator.enqueue({ content: "Honestly, you idiot, read the manual first. More text follows here." });
    const res = await stack.postMessage(
      { user_id: "filter-3", text: "how do I reset it?" },
      { headers: { accept: "text/event-stream" } },
    );
    const body = await res.text();
    expect(body).not.toContain("idiot");
    const done = body.split("\n\n").find((b) => b.startsWith("event: done"))!;
    expect(JSON.parse(done.split("data: ")[1]!)).toMatchObject({
      message: { text: filterFile.replies.abuse.en },
      metadata: { source: "filter" },
    });
  });

  it("does not save a refused answer into the conversation", async () => {
    stack.emulator.enqueue({ content: "You idiot, what a question." }, { content: "fine" });
    await stack.postMessage({ user_id: "filter-2", text: "hello" });
    await stack.postMessage({ user_id: "filter-2", text: "again" });
    const second = stack.emulator.requests[1]?.body.messages?.map((m) => m.content) ?? [];
    expect(second.join(" ")).not.toContain("idiot");
  });
});
