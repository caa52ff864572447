import { detect } from "tinyld";

/**
 * The user's language (docs/ARCHITECTURE.md, "Languages"): detected from what they write, with what
 * their client declares and their phone's country behind it, remembered per conversation, and only
 * ever one of the languages their region declares.
 *
 * Detection is tinyld (MIT, its "normal" profile, restricted to the region's languages), chosen by
 * measured accuracy on short chat messages and by bundle size (`npm run bench -- languages`); Korean
 * and Japanese are told by their scripts first, which no statistical model beats.
 */

/** Below this many words a detection is a guess (about one in four wrong), not a finding. */
export const RELIABLE_WORDS = 3;

const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/;
const KANA = /[\u3040-\u30ff\u31f0-\u31ff]/;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;
const LATIN = /[A-Za-z\u00c0-\u024f]/;

/** Words in a text: spaced words with a letter; in Japanese, about one per two characters. */
export function wordCount(text: string): number {
  const spaced = text.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;
  if (KANA.test(text) || (HAN.test(text) && !LATIN.test(text))) {
    const letters = [...text].filter((ch) => /\p{L}/u.test(ch)).length;
    return Math.max(spaced, Math.floor(letters / 2));
  }
  return spaced;
}

/**
 * The language of `text` among `languages`, and whether the text was long enough to tell; undefined:
 * none found (or, `onlyReliable`, none it could tell: a short Latin text is not looked at).
 */
export function detectLanguage(
  text: string,
  languages: readonly string[],
  onlyReliable = false,
): { lang: string; reliable: boolean } | undefined {
  const words = wordCount(text);
  const script = HANGUL.test(text) ? "ko" : KANA.test(text) || (HAN.test(text) && !LATIN.test(text)) ? "ja" : undefined;
  if (script) return languages.includes(script) ? { lang: script, reliable: words >= 1 } : undefined;
  if (!LATIN.test(text)) return undefined;
  const latin = languages.filter((l) => l !== "ja" && l !== "ko");
  if (latin.length === 0) return undefined;
  if (latin.length === 1) return { lang: latin[0]!, reliable: words >= RELIABLE_WORDS };
  if (onlyReliable && words < RELIABLE_WORDS) return undefined;
  const found = detect(text, { only: latin });
  return found ? { lang: found, reliable: words >= RELIABLE_WORDS } : undefined;
}

/** The language most people of a country write in, where the product has it. */
const COUNTRY_LANGUAGE: Readonly<Record<string, string>> = {
  DE: "de",
  AT: "de",
  LI: "de",
  FR: "fr",
  LU: "fr",
  MC: "fr",
  ES: "es",
  MX: "es",
  AR: "es",
  CL: "es",
  CO: "es",
  PE: "es",
  IT: "it",
  SM: "it",
  PT: "pt",
  BR: "pt",
  JP: "ja",
  KR: "ko",
  US: "en",
  GB: "en",
  IE: "en",
  CA: "en",
  AU: "en",
  NZ: "en",
  SG: "en",
  IN: "en",
};

/**
 * The language to answer in, among the region's `languages` (the first is its default): what the text
 * says when it is long enough to tell; else the conversation's language so far (one "ok" does not flip
 * it); else what the client declares (Telegram's app language, the browser's, the API's field); else
 * the phone's country's; else the region's default. A guess from one or two Latin-script words is
 * not used (about one in four is wrong: "hello?" reads as Italian); Korean and Japanese are told by
 * their script from one word on.
 */
export function chooseLanguage(input: {
  text?: string | undefined;
  remembered?: string | undefined;
  declared?: string | undefined;
  country?: string | undefined;
  languages: readonly string[];
}): string {
  const { languages } = input;
  const ok = (lang: string | undefined) => (lang && languages.includes(lang) ? lang : undefined);
  const found = input.text ? detectLanguage(input.text, languages, true) : undefined;
  return (
    (found?.reliable ? found.lang : undefined) ??
    ok(input.remembered) ??
    ok(input.declared?.slice(0, 2).toLowerCase()) ??
    ok(input.country ? COUNTRY_LANGUAGE[input.country.toUpperCase()] : undefined) ??
    languages[0] ??
    "en"
  );
}

/** A language's name in another ("Englisch" for en in de). */
export function languageName(code: string, inLang: string): string {
  try {
    let names = displayNames.get(inLang);
    if (!names) displayNames.set(inLang, (names = new Intl.DisplayNames([inLang], { type: "language" })));
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/** One Intl.DisplayNames per language (the hint is written on every message). */
const displayNames = new Map<string, Intl.DisplayNames>();

/** The line that tells the model which language the user writes in (it still follows a switch). */
export function languageHint(lang: string): string {
  const name = languageName(lang, "en");
  return `The user writes in ${name} (${lang}). Answer in the language of the user's last message.`;
}
