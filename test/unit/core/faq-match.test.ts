import { describe, expect, it } from "vitest";
import {
  bestFaqMatch,
  dependsOnContext,
  faqTokens,
  guessLanguage,
  type FaqEntry,
} from "../../../edge/core/faq-match.js";

const FAQ: FaqEntry[] = [
  { lang: "en", questions: ["What are your opening hours?", "When are you open?"], answer: "Mon–Sat 9:00–18:00." },
  {
    lang: "en",
    questions: ["How do I return an item?", "Can I send something back?"],
    answer: "Use the returns form within 30 days.",
  },
  { lang: "en", questions: ["How long does delivery take?"], answer: "2–3 working days." },
  { lang: "de", questions: ["Wann habt ihr geöffnet?", "Öffnungszeiten"], answer: "Mo–Sa 9–18 Uhr." },
  { lang: "de", questions: ["Wie kann ich einen Artikel zurücksenden?"], answer: "Über das Rücksendeformular." },
  { lang: "ja", questions: ["営業時間は何時ですか"], answer: "9時から18時までです。" },
];

describe("FAQ matching", () => {
  it.each([
    ["the question itself", "What are your opening hours?", "en", "Mon–Sat 9:00–18:00.", 0.99],
    ["other case and punctuation", "what are your OPENING hours", "en", "Mon–Sat 9:00–18:00.", 0.99],
    ["another word order", "opening hours, what are yours?", "en", "Mon–Sat 9:00–18:00.", 0.95],
    ["a small typo", "what are your openning hours", "en", "Mon–Sat 9:00–18:00.", 0.85],
    ["a rephrasing with the same words", "how can I return an item", "en", "Use the returns form within 30 days.", 0.9],
    ["German with an accent left out", "Offnungszeiten", "de", "Mo–Sa 9–18 Uhr.", 0.9],
    ["Japanese", "営業時間は何時ですか", "ja", "9時から18時までです。", 0.99],
  ])("finds %s", (_name, text, lang, answer, minScore) => {
    const match = bestFaqMatch(FAQ, text, lang);
    expect(match?.entry.answer).toBe(answer);
    expect(match!.score).toBeGreaterThanOrEqual(minScore);
  });

  it.each([
    ["an unrelated question", "Do you sell bicycles in red?", "en"],
    ["a question sharing only a common word", "What is the meaning of life?", "en"],
    ["noise", "asdf qwerty", "en"],
  ])("does not answer %s", (_name, text, lang) => {
    expect(bestFaqMatch(FAQ, text, lang)?.score ?? 0).toBeLessThan(0.5);
  });

  it("uses the user's language when the FAQ has it, and all entries when it does not", () => {
    expect(bestFaqMatch(FAQ, "Öffnungszeiten", "de")?.entry.lang).toBe("de");
    expect(bestFaqMatch(FAQ, "opening hours", "fr")?.entry.answer).toBe("Mon–Sat 9:00–18:00.");
  });

  it("guesses a message's language from its stop words", () => {
    expect(guessLanguage("Wann habt ihr am Samstag geöffnet?", ["en", "de", "fr"])).toBe("de");
    expect(guessLanguage("Quand est-ce que vous êtes ouverts ?", ["en", "de", "fr"])).toBe("fr");
    expect(guessLanguage("xyz", ["en", "de"])).toBe("en");
  });

  it("tells self-contained questions from ones that point back at the conversation", () => {
    expect(dependsOnContext("Is it in stock?", "en")).toBe(true);
    expect(dependsOnContext("What are your opening hours?", "en")).toBe(false);
    expect(dependsOnContext("Ist das lieferbar?", "de")).toBe(true);
  });

  it("drops stop words and cuts CJK into character pairs", () => {
    expect(faqTokens("What are the opening hours?", "en")).toEqual(["opening", "hours"]);
    expect(faqTokens("営業時間", "ja")).toEqual(["営業", "業時", "時間"]);
  });
});

describe("the FAQ's search index", () => {
  it("finds the answer scoring every question would, with typos, in a FAQ of many near neighbours", async () => {
    const { bestFaqMatchByScan } = await import("../../../edge/core/faq-match.js");
    const items = ["parcel", "invoice", "refund", "warranty", "voucher", "delivery", "password", "account"];
    const actions = ["track", "change", "cancel", "download", "return", "reset", "extend", "redeem"];
    const entries = items.flatMap((item) =>
      actions.map((action) => ({
        lang: "en",
        answer: `${action} ${item}`,
        questions: [`How do I ${action} my ${item}?`, `Can I ${action} the ${item} online`, `${item} ${action} please`],
      })),
    );
    const asked = items.flatMap((item) =>
      actions.map(
        (action) =>
          `how can i ${action.slice(0, -1)}${action.at(-1)} my ${item.slice(0, 2)}${item[3]}${item[2]}${item.slice(4)}`,
      ),
    );
    for (const text of asked) {
      const indexed = bestFaqMatch(entries, text, "en");
      expect(indexed?.entry.answer, text).toBe(bestFaqMatchByScan(entries, text, "en")?.entry.answer);
      expect(indexed?.score, text).toBe(bestFaqMatchByScan(entries, text, "en")?.score);
    }
  });
});
