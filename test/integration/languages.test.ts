import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { textsFor } from "../../edge/texts/index.js";
import { startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";

/**
 * Every person hears the assistant in their own language (core/language.ts): detected from what
 * they write, among the languages their region declares, remembered for the conversation, and told
 * to the model; the product's own texts (here the model-down apology, the rate-limit notice and a
 * command's reply) come in that language too.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ quiet: true, settings: { RATE_LIMIT_MESSAGES: "3", RATE_LIMIT_WINDOW: "60 s" } });
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

/** A Telegram user whose app is in English (language_code "en"), as many German speakers' are. */
const telegramText = (chat: number, text: string) => textUpdate(chat, text);
const systemOf = (i: number) => stack.emulator.requests[i]?.body.messages?.[0]?.content ?? "";

describe("languages", () => {
  it("answers a German writer in German though their app is in English, and keeps German for an 'ok'", async () => {
    const chat = 8_801_001;
    await stack.sendUpdate(telegramText(chat, "Hallo, wo ist meine Bestellung geblieben?"));
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    expect(systemOf(0)).toContain("German (de)");
    // The model is down now: the apology is German, and so it stays for a short "ok".
    stack.emulator.enqueue({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await stack.sendUpdate(telegramText(chat, "ok"));
    const [, apology] = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    expect(apology!.text).toBe(textsFor("de")("model.unavailable"));
    expect(apology!.text).not.toBe(textsFor("en")("model.unavailable"));
  });

  it("says a command's reply and the rate-limit notice in the user's language", async () => {
    const chat = 8_801_002;
    await stack.sendUpdate(telegramText(chat, "Bonjour, je voudrais suivre ma commande s'il vous plaît"));
    await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 8000 });
    await stack.sendUpdate(telegramText(chat, "/reset"));
    const replies = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 8000 });
    expect(replies[1]!.text).toBe(textsFor("fr")("reset.done"));
    // Past the limit (3 answers a minute): the notice, in French too.
    let sent = 2;
    for (let i = 1; i <= 5 && !stack.telegram.sent(chat).some((m) => m.text === textsFor("fr")("slowDown")); i++) {
      await stack.sendUpdate(telegramText(chat, `Encore une question sur ma commande, la numéro ${i}`));
      await stack.telegram.waitForMessages(++sent, { chatId: chat, timeoutMs: 8000 });
    }
    const all = stack.telegram.sent(chat).map((m) => m.text);
    expect(all).toContain(textsFor("fr")("slowDown"));
    expect(all).not.toContain(textsFor("en")("slowDown"));
  });

  it("answers a Japanese WhatsApp user in Japanese, and tells the model so", async () => {
    const waId = "819012345678";
    await stack.sendWhatsApp(
      (await import("../../infra/local/edge-stack.js")).whatsappPayload(waId, "注文した商品がまだ届きません"),
    );
    await stack.whatsapp.waitForMessages(1, { chatId: waId, timeoutMs: 8000 });
    expect(systemOf(0)).toContain("Japanese (ja)");
  });
});
