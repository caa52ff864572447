import { describe, expect, it } from "vitest";
import { chooseLanguage, detectLanguage, languageHint, wordCount } from "../../../edge/core/language.js";
import { PRODUCT_LANGUAGES } from "../../../edge/core/region-policy.js";
import { textsFor } from "../../../edge/texts/index.js";

const EU = ["en", "de", "fr", "es", "it", "pt"];
const APAC = ["en", "ja", "ko"];

describe("the user's language", () => {
  it("is what a message of three words or more is written in, among the region's languages", () => {
    expect(chooseLanguage({ text: "Wo ist meine Bestellung geblieben?", declared: "en", languages: EU })).toBe("de");
    expect(chooseLanguage({ text: "Où est passée ma commande ?", languages: EU })).toBe("fr");
    expect(chooseLanguage({ text: "注文した商品がまだ届きません", languages: APAC })).toBe("ja");
    expect(chooseLanguage({ text: "주문한 상품이 아직 안 왔어요", languages: APAC })).toBe("ko");
  });

  it("is never a language the region does not declare: its default instead", () => {
    expect(chooseLanguage({ text: "注文した商品がまだ届きません", languages: EU })).toBe("en");
    expect(chooseLanguage({ text: "Wo ist meine Bestellung geblieben?", languages: APAC })).toBe("en");
    expect(chooseLanguage({ text: "ok", declared: "de", languages: ["es", "en"] })).toBe("es");
  });

  it("stays the conversation's when a short message cannot tell (one 'ok' does not flip it)", () => {
    expect(chooseLanguage({ text: "ok", remembered: "de", declared: "en", languages: EU })).toBe("de");
    expect(chooseLanguage({ text: "danke", remembered: "de", languages: EU })).toBe("de");
    // A clear message in another language does switch it.
    expect(chooseLanguage({ text: "Thanks, and where is my parcel now?", remembered: "de", languages: EU })).toBe("en");
  });

  it("falls back on what the client declares, then the phone's country, never on a guess from one word", () => {
    expect(chooseLanguage({ text: "hello?", languages: EU })).toBe("en");
    expect(chooseLanguage({ text: "grazie", country: "DE", languages: EU })).toBe("de");
    expect(chooseLanguage({ text: "ok", declared: "fr-FR", languages: EU })).toBe("fr");
    expect(chooseLanguage({ text: "ok", country: "IT", languages: EU })).toBe("it");
    expect(chooseLanguage({ text: "ok", country: "XX", languages: EU })).toBe("en");
    expect(chooseLanguage({ languages: APAC, country: "KR" })).toBe("ko");
  });

  it("counts words in scripts without spaces", () => {
    expect(wordCount("hello there")).toBe(2);
    expect(wordCount("注文した商品")).toBeGreaterThanOrEqual(3);
    expect(detectLanguage("안녕", APAC)).toEqual({ lang: "ko", reliable: true });
    expect(detectLanguage("12345 !!!", EU)).toBeUndefined();
    // A guess from one or two Latin words is made only when asked for (the bench's figures).
    expect(detectLanguage("merci beaucoup", EU)).toMatchObject({ reliable: false });
    expect(detectLanguage("merci beaucoup", EU, true)).toBeUndefined();
  });

  it("tells the model the language by name", () => {
    expect(languageHint("de")).toMatch(/German \(de\)/);
  });
});

describe("the languages a region may declare", () => {
  it("are those the product has its texts in", () => {
    for (const lang of PRODUCT_LANGUAGES.filter((l) => l !== "en"))
      expect(textsFor(lang)("start"), lang).not.toBe(textsFor("en")("start"));
  });
});
