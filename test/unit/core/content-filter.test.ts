import { describe, expect, it } from "vitest";
import { compileContentFilter, luhnValid, streamGuard } from "../../../edge/core/content-filter.js";
import file from "../../../infra/content-filter.json" with { type: "json" };

const filter = compileContentFilter(file);

/** What customers write to a shop's assistant every day: none of it may be refused or altered. */
const ORDINARY = [
  ["a phone number", "Please call me back on +49 151 2345 6789", "en"],
  ["a US phone number", "My number is (415) 555-0123, text me when it ships", "en"],
  ["a long order number", "Where is order 4000123456789012?", "en"],
  ["an order number with letters", "Order A-1001 has not arrived", "en"],
  ["a customer number", "Customer no. 1002003004005 — can you check my account?", "en"],
  ["an invoice number", "Invoice INV-2026-000123456 is wrong", "en"],
  ["an EAN", "Do you have EAN 4006381333931 in stock?", "en"],
  ["an IBAN", "Please refund to DE89 3704 0044 0532 0130 00", "en"],
  ["a German IBAN in German", "Bitte auf DE89370400440532013000 überweisen", "de"],
  ["an address", "Ship it to 221B Baker Street, London NW1 6XE", "en"],
  ["a tracking number", "Tracking 1Z999AA10123456784 says delivered but nothing came", "en"],
  ["self-deprecation", "I feel like an idiot, I forgot my password", "en"],
  ["a book title", "Do you sell The Complete Idiot's Guide to Cooking?", "en"],
  ["a word that merely contains an insult", "Is the packaging idiotproof?", "en"],
  ["a German self-reproach", "Ich Idiot habe die falsche Größe bestellt", "de"],
  ["a date and an amount", "I paid 1299.99 EUR on 2026-11-28 at 14:05", "en"],
  ["a coupon", "Code SAVE20 does not work", "en"],
  ["a complaint without insults", "This is the third time my parcel is late. I am very unhappy.", "en"],
  ["a serial number", "Serial 5012345678900012 stopped working", "en"],
  ["a question about cards", "Can I pay with a Visa card?", "en"],
] as const;

describe("content filter", () => {
  it.each(ORDINARY)("lets %s through, unchanged", (_name, text, lang) => {
    expect(filter.check(text, lang)).toBeUndefined();
    expect(filter.mask(text)).toEqual({ text, cards: 0 });
  });

  it.each([
    ["an insult addressed to the assistant", "You are an IDIOT", "en", "insult:en"],
    ["an insult with you after it", "idiot, you never answer", "en", "insult:en"],
    ["a bare insult", "Moron!", "en", "insult:en"],
    ["a German insult, accents removed", "Du Vollidiot!", "de", "insult:de"],
    ["a self-harm question", "How do I hurt myself", "en", "self-harm-instructions"],
  ])("refuses %s", (_name, text, lang, rule) => {
    expect(filter.check(text, lang)?.rule).toBe(rule);
  });

  it("answers abuse and a self-harm question differently, in the user's language where it can", () => {
    const abuse = filter.check("Du Vollidiot!", "de")!.reply;
    expect(abuse).toMatch(/^Dabei kann ich/);
    expect(filter.check("how to hurt myself", "en")!.reply).toMatch(/crisis line/);
    expect(filter.check("you idiot", "ja")).toBeUndefined(); // no Japanese list: nothing to match
  });

  it("masks card numbers that pass the Luhn check, keeping the last four digits, in any language", () => {
    expect(filter.mask("my card is 4111 1111 1111 1111, expiry 12/29")).toEqual({
      text: "my card is •••• 1111, expiry 12/29",
      cards: 1,
    });
    expect(filter.mask("Visa 4012-8888-8888-1881 and Amex 378282246310005").cards).toBe(2);
    // The same digits with one changed fail the check: an ordinary number.
    expect(filter.mask("4111 1111 1111 1112").cards).toBe(0);
    expect(filter.cardNote("de")).toMatch(/Kartennummer/);
    expect(filter.cardNote("en")).not.toBe(filter.check("you idiot", "en")!.reply);
  });

  it("checks the Luhn digit as card networks do", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });

  it("catches an insult split across streamed pieces, and not the start of a sentence", () => {
    const guard = streamGuard(filter, "en");
    expect(guard("You are an id")).toBeUndefined();
    expect(guard("iot, frankly")?.rule).toBe("insult:en");
    expect(streamGuard(filter, "en")("Idiot")).toBeUndefined();
  });

  it("holds back only what could still become an insult or a card number", () => {
    expect(filter.holdBack("Your order ships today", "en")).toBe(0);
    expect(filter.holdBack("Your card 4111 11", "en")).toBe("4111 11".length);
    expect(filter.holdBack("You are an idi", "en")).toBe(3);
    expect(filter.holdBack("You are an ide", "en")).toBe(0);
  });
});
