import { de } from "./de.js";
import { en, type Text, type TextKey, type Translation } from "./en.js";
import { es } from "./es.js";
import { fr } from "./fr.js";
import { it } from "./it.js";
import { ja } from "./ja.js";
import { ko } from "./ko.js";
import { pt } from "./pt.js";

export type { TextKey } from "./en.js";

/**
 * The product's own texts (en.ts), by language: `textsFor("de")("limitedMode")`. A text a language
 * does not have yet is said in English; a language that is not here at all is English.
 */
const CATALOG: Readonly<Record<string, Translation>> = { en, de, es, fr, it, ja, ko, pt };

/** The languages the product's own texts are written in (primary subtags), English first. */
export const TEXT_LANGUAGES: readonly string[] = Object.keys(CATALOG);

/** The values a text's placeholders take; `count` also picks its plural form. */
export type TextParams = Readonly<Record<string, string | number>>;

export type Say = (key: TextKey, params?: TextParams) => string;

const sayers = new Map<string, Say>();

/** What the product says in `lang` (a language tag; its primary subtag picks the catalog). */
export function textsFor(lang = "en"): Say {
  const code = lang.slice(0, 2).toLowerCase();
  let say = sayers.get(code);
  if (!say) {
    const texts = CATALOG[code] ?? en;
    const plurals = new Intl.PluralRules(CATALOG[code] ? code : "en");
    say = (key, params = {}) => fill(pick(texts[key] ?? en[key], params, plurals), params);
    sayers.set(code, say);
  }
  return say;
}

/** English: what the product says where no other language is known. */
export const say: Say = textsFor("en");

function pick(text: Text, params: TextParams, plurals: Intl.PluralRules): string {
  if (typeof text === "string") return text;
  const count = Number(params.count);
  return (Number.isFinite(count) ? text[plurals.select(count)] : undefined) ?? text.other;
}

function fill(text: string, params: TextParams): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
