import { describe, expect, it } from "vitest";
import { de } from "../../edge/texts/de.js";
import { en, type Text, type TextKey, type Translation } from "../../edge/texts/en.js";
import { es } from "../../edge/texts/es.js";
import { fr } from "../../edge/texts/fr.js";
import { it as italian } from "../../edge/texts/it.js";
import { ja } from "../../edge/texts/ja.js";
import { ko } from "../../edge/texts/ko.js";
import { pt } from "../../edge/texts/pt.js";
import { textsFor } from "../../edge/texts/index.js";

/** Every language of the catalog besides English, by the tag textsFor() takes. */
const LANGUAGES: Readonly<Record<string, Translation>> = { de, es, fr, it: italian, ja, ko, pt };

const KEYS = Object.keys(en) as TextKey[];

/**
 * Texts a language may say exactly as English does: only those with nothing to translate (placeholders,
 * commands, URLs, emoji, punctuation). Each is checked to be so below.
 */
const SAME_AS_ENGLISH: ReadonlySet<TextKey> = new Set<TextKey>(["region.name"]);

/** The counts each plural text is said with: every category of every language, and a large one. */
const COUNTS = [0, 1, 2, 3, 5, 11, 21, 100, 1_000_000, 2_000_001];

/** A text's placeholders, sorted, each as often as it occurs. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

/** A text's forms: the text itself, or each plural form by its category. */
function forms(text: Text): [string, string][] {
  return typeof text === "string" ? [["", text]] : Object.entries(text).filter((e): e is [string, string] => !!e[1]);
}

function categories(lang: string): string[] {
  return [...new Intl.PluralRules(lang).resolvedOptions().pluralCategories].sort();
}

/** Every placeholder of `key` given a value that cannot be mistaken for text, `count` a number. */
function paramsFor(key: TextKey, count: number): Record<string, string | number> {
  const names = new Set(forms(en[key]).flatMap(([, text]) => placeholders(text)));
  return Object.fromEntries([...names].map((name) => [name, name === "count" ? count : `<${name}>`]));
}

describe("the English catalog", () => {
  it("counts with exactly the plural categories of English, each form with the same placeholders", () => {
    for (const key of KEYS) {
      const text: Text = en[key];
      if (typeof text === "string") continue;
      expect(Object.keys(text).sort(), key).toEqual(categories("en"));
      for (const [, form] of forms(text)) expect(placeholders(form), key).toEqual(placeholders(text.other));
    }
  });

  it("allows only texts with nothing to translate to stay as they are", () => {
    for (const key of SAME_AS_ENGLISH) {
      for (const [, text] of forms(en[key])) {
        const rest = text
          .replace(/\{\w+\}/g, "")
          .replace(/\/[a-z]+/g, "")
          .replace(/https?:\/\/\S+/g, "")
          .replace(/[\p{P}\p{S}\s]/gu, "");
        expect(rest, key).toBe("");
      }
    }
  });
});

describe.each(Object.entries(LANGUAGES))("the %s texts", (lang, texts) => {
  const plural = categories(lang);
  /** The keys the language has (a missing one fails only the first test). */
  const given = KEYS.filter((key) => texts[key] !== undefined);

  it("translate every text of en.ts and no other", () => {
    expect(KEYS.filter((key) => !(key in texts))).toEqual([]);
    expect(Object.keys(texts).filter((key) => !(key in en))).toEqual([]);
  });

  it("count where English counts, with exactly the plural categories of the language", () => {
    for (const key of given) {
      const text = texts[key]!;
      if (typeof en[key] === "string") {
        expect(typeof text, key).toBe("string");
      } else {
        expect(typeof text, key).toBe("object");
        expect(Object.keys(text).sort(), key).toEqual(plural);
      }
    }
  });

  it("keep every placeholder of the English text in every form", () => {
    for (const key of given) {
      const english = placeholders(forms(en[key])[0]![1]);
      for (const [category, form] of forms(texts[key]!))
        expect(placeholders(form), `${key} ${category}`).toEqual(english);
    }
  });

  it("keep the commands the English text names", () => {
    for (const key of given) {
      const commands = (text: string) =>
        [...text.matchAll(/(?<![\w/])\/[a-z]+(?: (?:all|mentions))?/g)].map((m) => m[0]).sort();
      const english = commands(forms(en[key])[0]![1]);
      for (const [category, form] of forms(texts[key]!)) expect(commands(form), `${key} ${category}`).toEqual(english);
    }
  });

  it("say no text as English does, except those with nothing to translate", () => {
    for (const key of given) {
      if (SAME_AS_ENGLISH.has(key)) continue;
      const english = new Set(forms(en[key]).map(([, text]) => text));
      for (const [category, form] of forms(texts[key]!)) expect(english.has(form), `${key} ${category}`).toBe(false);
    }
  });

  it("are what textsFor() says in the language, every placeholder filled", () => {
    const say = textsFor(lang);
    for (const key of given) {
      for (const count of typeof en[key] === "string" ? [1] : COUNTS) {
        const params = paramsFor(key, count);
        const said = say(key, params);
        expect(said, key).not.toMatch(/\{\w+\}/);
        for (const value of Object.values(params)) expect(said, key).toContain(String(value));
        const text = texts[key]!;
        const form = typeof text === "string" ? text : text[new Intl.PluralRules(lang).select(count)]!;
        expect(said, `${key} ${count}`).toBe(form.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name])));
      }
    }
  });

  it("are said for a regional tag of the language too", () => {
    expect(textsFor(`${lang}-XX`)("reminders.list")).toBe(texts["reminders.list"]);
  });
});
