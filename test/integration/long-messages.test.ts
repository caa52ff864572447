import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";
import { say, textsFor } from "../../edge/texts/index.js";

/**
 * One rule for a message the model cannot read whole (over INPUT_TOKEN_BUDGET, 2,048 tokens by
 * default): on every channel it is neither cut nor sent to the model, and the user is asked, in the
 * same words, to shorten it. (The web chat's case is in webchat.test.ts.)
 */
const LONG = "订单".repeat(2000); // 4,000 characters, within every platform's limit; about 3,200 tokens

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

describe("a message longer than the model's input budget", () => {
  it("on Telegram", async () => {
    await stack.sendUpdate(textUpdate(9301, LONG));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 9301, timeoutMs: 8000 });
    expect(reply!.text).toBe(say("tooLong"));
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("on WhatsApp", async () => {
    await stack.sendWhatsApp(whatsappPayload("4915100009302", LONG));
    const [reply] = await stack.whatsapp.waitForMessages(1, { chatId: "4915100009302", timeoutMs: 8000 });
    // A German number, and nothing in the message says otherwise: German.
    expect(reply!.text).toBe(textsFor("de")("tooLong"));
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("on the HTTP API, marked as not the model's answer", async () => {
    const res = await stack.postMessage({ user_id: "u-9303", text: LONG });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: { text: string }; metadata: { source?: string } };
    expect(body.message.text).toBe(say("tooLong"));
    expect(body.metadata.source).toBe("too_long");
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("while a message of the same length in English is answered (the rule counts tokens, not characters)", async () => {
    const english = "Please check my order. ".repeat(170).trim(); // 3,900 characters, about 850 tokens
    await stack.sendUpdate(textUpdate(9304, english));
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 9304, timeoutMs: 8000 });
    expect(reply!.text).not.toBe(say("tooLong"));
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
