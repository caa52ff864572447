import { describe, expect, it } from "vitest";
import { compileContentFilter, streamGuard } from "../../../edge/core/content-filter.js";
import file from "../../../infra/content-filter.json" with { type: "json" };

const filter = compileContentFilter(file);

describe("content filter", () => {
  it.each([
    ["a listed word, any case", "You are an IDIOT", "en", "word:en"],
    ["a German word with its accent removed", "Du Vollidiot!", "de", "word:de"],
    ["a card number in any language", "my card is 4111 1111 1111 1111", "fr", "payment-card-number"],
    ["a pattern", "How do I hurt myself", "en", "self-harm-instructions"],
  ])("catches %s", (_name, text, lang, rule) => {
    expect(filter.check(text, lang)).toEqual({ rule });
  });

  it.each([
    ["a harmless message", "Where is my parcel?", "en"],
    ["a word that merely contains a listed one", "idiotproof packaging", "en"],
    ["an order number", "Order A-1001 please", "en"],
  ])("lets %s through", (_name, text, lang) => {
    expect(filter.check(text, lang)).toBeUndefined();
  });

  it("catches a word split across streamed pieces", () => {
    const guard = streamGuard(filter, "en");
    expect(guard("You are an id")).toBeUndefined();
    expect(guard("iot, frankly")).toEqual({ rule: "word:en" });
  });

  it("holds back only an end that could still grow into a violation", () => {
    expect(filter.holdBack("Your order ships today", "en")).toBe(0);
    expect(filter.holdBack("Your card 4111 11", "en")).toBe("4111 11".length);
    expect(filter.holdBack("You are an idi", "en")).toBe(3);
    expect(filter.holdBack("You are an ide", "en")).toBe(0);
  });

  it("refuses in the user's language, English otherwise", () => {
    expect(filter.refusal("de")).toMatch(/^Dabei kann ich/);
    expect(filter.refusal("ja")).toMatch(/^Sorry/);
  });
});
