import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import filterFile from "../../infra/content-filter.json" with { type: "json" };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ emulator: { tokensPerSecond: 200 } });
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

describe("content safety", () => {
  it("refuses a message that breaks the filter, politely, without asking the model, and counts it", async () => {
    await stack.sendUpdate(textUpdate(8201, "you are an idiot"));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 8201 });
    expect(reply?.text).toBe(filterFile.refusal.en);
    expect(stack.emulator.requests).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(stack.metrics.records.some((m) => m.outcome === "refused" && m.channel === "telegram")).toBe(true);
  });

  it("stops a streamed answer at the first violation: the client never sees it, and gets the refusal", async () => {
    stack.emulator.enqueue({
      content: "Sure, I can help. Your card 4111 1111 1111 1111 is on file and more text follows here.",
    });
    const res = await stack.postMessage(
      { user_id: "filter-1", text: "what card do you have?" },
      { headers: { accept: "text/event-stream" } },
    );
    const body = await res.text();
    expect(body).not.toContain("4111");
    expect(body).toContain("event: delta");
    const done = body.split("\n\n").find((b) => b.startsWith("event: done"))!;
    expect(JSON.parse(done.split("data: ")[1]!)).toMatchObject({
      message: { text: filterFile.refusal.en },
      metadata: { source: "filter" },
    });
  });

  it("does not save a refused answer into the conversation", async () => {
    stack.emulator.enqueue({ content: "What an idiot question." }, { content: "fine" });
    await stack.postMessage({ user_id: "filter-2", text: "hello" });
    await stack.postMessage({ user_id: "filter-2", text: "again" });
    const second = stack.emulator.requests[1]?.body.messages?.map((m) => m.content) ?? [];
    expect(second.join(" ")).not.toContain("idiot");
  });
});
