import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PRODUCT_LANGUAGES } from "../../../edge/core/region-policy.js";
import { compileContentFilter, luhnValid, streamGuard } from "../../../edge/core/content-filter.js";
import file from "../../../infra/content-filter.json" with { type: "json" };

const filter = compileContentFilter(file);

/** The test sets of test/fixtures/content-filter/ (sources: manifest.json there). */
interface Item {
  text: string;
  source: string;
}
interface TestSet {
  ordinary: Item[];
  abuse: Item[];
  selfHarm: Item[];
}
const fixtures = new URL("../../fixtures/content-filter/", import.meta.url);
const sets = Object.fromEntries(
  PRODUCT_LANGUAGES.map((lang) => [
    lang,
    JSON.parse(readFileSync(new URL(`${lang}.json`, fixtures), "utf8")) as TestSet,
  ]),
);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", fixtures), "utf8")) as {
  sources: Record<string, unknown>;
};
const helplines = file.helplines as Record<string, string[]>;

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
  ])("refuses %s", (_name, text, lang, rule) => {
    expect(filter.check(text, lang)?.rule).toBe(rule);
  });

  it("answers a self-harm question with care, not a refusal", () => {
    // This was refused ("self-harm-instructions", "I can't help with that here"): a person at risk
    // must never be turned away. The reply is a caring one with help lines, marked `care`.
    const care = filter.check("How do I hurt myself", "en")!;
    expect(care).toMatchObject({ rule: "care:en", care: true });
    expect(care.reply).toContain("988");
    expect(care.reply).not.toMatch(/can't help/i);
  });

  it("answers abuse and a self-harm signal differently, in the user's language", () => {
    const abuse = filter.check("Du Vollidiot!", "de")!;
    expect(abuse.reply).toMatch(/^Dabei kann ich/);
    expect(abuse.care).toBeUndefined();
    expect(filter.check("Ich will nicht mehr leben", "de")!.reply).toContain("0800 111 0 111");
    // English words are not in the Japanese list; the user's language decides which list applies.
    expect(filter.check("you idiot", "ja")).toBeUndefined();
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

describe("content filter, fair in every language", () => {
  it("has rules, replies and help lines for every language the product speaks", () => {
    for (const lang of PRODUCT_LANGUAGES) {
      expect(Object.keys(file.rules)).toContain(lang);
      for (const name of ["abuse", "care", "card-masked"] as const)
        expect(Object.keys(file.replies[name])).toContain(lang);
      expect(helplines[lang]?.length).toBeGreaterThan(0);
    }
  });

  it("has at least 15 ordinary messages, some abuse and some self-harm signals per language, each with a known source", () => {
    for (const lang of PRODUCT_LANGUAGES) {
      const set = sets[lang]!;
      expect(set.ordinary.length).toBeGreaterThanOrEqual(15);
      expect(set.abuse.length).toBeGreaterThanOrEqual(5);
      expect(set.selfHarm.length).toBeGreaterThanOrEqual(5);
      for (const item of [...set.ordinary, ...set.abuse, ...set.selfHarm]) {
        expect(item.source === "hand-written" || item.source in manifest.sources, item.source).toBe(true);
      }
    }
  });

  describe.each(PRODUCT_LANGUAGES)("%s", (lang) => {
    const set = sets[lang]!;

    it("refuses none of the ordinary messages, nor answers them as a crisis", () => {
      const stopped = set.ordinary.filter((item) => filter.check(item.text, lang) !== undefined).map((i) => i.text);
      expect(stopped).toEqual([]);
    });

    it("catches every aimed insult and threat, with a refusal", () => {
      const missed = set.abuse.filter((item) => {
        const v = filter.check(item.text, lang);
        return !v || v.care || v.reply !== (file.replies.abuse as Record<string, string>)[lang];
      });
      expect(missed.map((i) => i.text)).toEqual([]);
    });

    it("answers every self-harm signal with care and the language's help line, never a refusal", () => {
      const primary = helplines[lang]![0]!;
      for (const item of set.selfHarm) {
        const v = filter.check(item.text, lang);
        expect(v, item.text).toMatchObject({ care: true, rule: `care:${lang}` });
        expect(v!.reply, item.text).toContain(primary);
      }
    });

    it("notices a self-harm signal even when the user's language was detected wrong", () => {
      const other = lang === "en" ? "de" : "en";
      const v = filter.check(set.selfHarm[0]!.text, other);
      expect(v).toMatchObject({ care: true, rule: `care:${lang}` });
      // Answered in the language the signal was written in.
      expect(v!.reply).toBe((file.replies.care as Record<string, string>)[lang]);
    });
  });

  it("judges titles, quotations, names and self-directed talk in context", () => {
    const pass = [
      ["en", "Do you sell 'The Complete Idiot's Guide to Cooking'?"],
      ["en", 'He said "you idiot" to me, can I report him?'],
      ["en", "I'm reading The Idiot, do you have the sequel?"],
      ["en", "You know, I'm such an idiot"],
      ["en", "How do I kill time while I wait for the parcel?"],
      ["fr", "c'est con, vous pouvez m'aider ?"],
      ["ja", "私ってバカだなあ"],
      ["ko", "전원이 꺼져요"],
      ["ko", "배고파 죽겠다"],
    ] as const;
    for (const [lang, text] of pass) expect(filter.check(text, lang), text).toBeUndefined();
    const refuse = [
      ["en", "You Idiot!"],
      ["en", "YOU ARE AN IDIOT"],
      ["en", "What a moron you are"],
      ["ja", "お前は本当にバカだな"],
      ["ko", "이 바보야"],
    ] as const;
    for (const [lang, text] of refuse) expect(filter.check(text, lang)?.rule, text).toBe(`insult:${lang}`);
  });

  it("prefers a caring reply written for the user's country where there is one", () => {
    const pt = filter.check("Quero morrer", "pt")!;
    const br = filter.check("Quero morrer", "pt", { country: "BR" })!;
    expect(pt.reply).toContain("213 544 545");
    expect(br.reply).toContain("188");
    expect(br.reply).not.toBe(pt.reply);
    expect(filter.check("Quero morrer", "pt", { country: "PT" })!.reply).toBe(pt.reply);
  });

  it("refuses to start with a caring reply that names no help line", () => {
    const broken = structuredClone(file) as typeof file;
    (broken.replies.care as Record<string, string>).de = "Es tut mir leid.";
    expect(() => compileContentFilter(broken)).toThrow(/replies.care.de/);
  });
});

describe("stream guard", () => {
  it("stops an answer that insults the customer, in their language, even split across pieces", () => {
    const ja = streamGuard(filter, "ja");
    expect(ja("ご注文の件ですが、お前は")).toBeUndefined();
    expect(ja("本当にバカだな")?.rule).toBe("insult:ja");
    const de = streamGuard(filter, "de");
    expect(de("Ehrlich gesagt, Sie sind ein Voll")).toBeUndefined();
    expect(de("idiot, lesen Sie das Handbuch.")?.rule).toBe("insult:de");
  });

  it("judges an answer by English rules too, as models fall back to English, and refuses in the user's language", () => {
    const v = streamGuard(filter, "it")("You idiot, what a question. More text follows here.");
    expect(v).toMatchObject({ rule: "insult:en", reply: file.replies.abuse.it });
  });

  it("never stops an answer over self-harm words: a caring reply concerns the user's message only", () => {
    const guard = streamGuard(filter, "en");
    expect(guard("If you ever feel you want to kill yourself or want to die, ")).toBeUndefined();
    expect(guard("please call or text 988. I want to end my life is something people say when")).toBeUndefined();
  });

  it("does not stop an answer that quotes or names a title", () => {
    const guard = streamGuard(filter, "en");
    expect(guard('Yes, you can order "The Complete Idi')).toBeUndefined();
    expect(guard("ot's Guide to Cooking\" today, and you will love it.")).toBeUndefined();
    expect(guard("You asked about The Idiot by Dostoevsky: it is in stock.")).toBeUndefined();
  });

  it("holds back the start of a Japanese insult until the next piece shows what it is", () => {
    expect(filter.holdBack("お前はバ", "ja")).toBe(1);
    expect(filter.holdBack("ご注文ありがとうございます", "ja")).toBe(0);
  });
});
