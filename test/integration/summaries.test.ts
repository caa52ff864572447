import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";

/** A window of two earlier messages: the third exchange pushes the first out of the prompt. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ settings: { CONTEXT_MAX_MESSAGES: "2" } });
});
afterAll(() => stack?.close());

/** What a request's prompt carried before the turns: the instructions and the summary note, if any. */
const contextOf = (request: number) =>
  JSON.stringify(stack.emulator.requests[request]?.body.messages?.slice(0, 2) ?? []);

async function waitForRequests(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (stack.emulator.requests.length < count) {
    if (Date.now() > deadline)
      throw new Error(`the model got ${stack.emulator.requests.length} requests, expected ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("conversation summaries", () => {
  it("keeps what fell out of the prompt's window as a summary, used in later prompts and erased by /forget", async () => {
    const chat = 8300;
    stack.emulator.reset();
    stack.emulator.enqueue(
      { content: "Nice to meet you, Ana." },
      { content: "Noted." },
      { content: "Sure." },
      { content: "The user is Ana; her order is A-100." },
    );
    await stack.sendUpdate(textUpdate(chat, "Hi, I am Ana and my order is A-100"));
    await stack.telegram.waitForMessages(1, { chatId: chat });
    await stack.sendUpdate(textUpdate(chat, "I may travel next week"));
    await stack.telegram.waitForMessages(2, { chatId: chat });
    expect(stack.emulator.requests).toHaveLength(2); // everything still fits the window: nothing to summarize

    await stack.sendUpdate(textUpdate(chat, "Can you help me later?"));
    await stack.telegram.waitForMessages(3, { chatId: chat });
    // After the reply, the first exchange (now outside the window) is summarized in the background.
    await waitForRequests(4);
    const summarize = JSON.stringify(stack.emulator.requests[3]!.body.messages);
    expect(summarize).toContain("Hi, I am Ana and my order is A-100");
    expect(summarize).toContain("Nice to meet you, Ana.");
    expect(summarize).not.toContain("Can you help me later?");
    expect(stack.telegram.sent(chat)).toHaveLength(3); // the summary is never sent to the user

    await stack.sendUpdate(textUpdate(chat, "What was my order again?"));
    await stack.telegram.waitForMessages(4, { chatId: chat });
    expect(contextOf(4)).toContain("The user is Ana; her order is A-100.");
    // The summary follows the instructions, which stay exactly as configured (the cacheable prefix).
    expect(stack.emulator.requests[4]!.body.messages?.[0]?.content).toBe(
      stack.emulator.requests[0]!.body.messages?.[0]?.content,
    );
    expect(JSON.stringify(stack.emulator.requests[4]!.body.messages)).not.toContain("Hi, I am Ana");

    await stack.sendUpdate(textUpdate(chat, "/forget"));
    const replies = await stack.telegram.waitForMessages(5, { chatId: chat });
    expect(replies.at(-1)?.text).toContain("the summary of our earlier conversation");
    await stack.sendUpdate(textUpdate(chat, "Hello again"));
    await stack.telegram.waitForMessages(6, { chatId: chat });
    expect(contextOf(stack.emulator.requests.length - 1)).not.toContain("A-100");
  });
});
