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
