import { z } from "zod";

/**
 * The operator's content filter (infra/content-filter.json): words and patterns per language, checked
 * on what users send and on what the model says. Pure: no I/O, compiled once.
 */
export const ContentFilterFile = z.object({
  $comment: z.string().optional(),
  refusal: z.record(z.string(), z.string().min(1)),
  rules: z.record(
    z.string(),
    z.object({
      words: z.array(z.string().min(1)),
      patterns: z.array(z.object({ id: z.string().min(1), pattern: z.string().min(1) })),
    }),
  ),
});
export type ContentFilterFile = z.infer<typeof ContentFilterFile>;

export interface Violation {
  /** Which rule matched (`word:<lang>` or the pattern's id), for logs and counts; never the text. */
  rule: string;
}

export interface ContentFilter {
  /** The first rule `text` breaks, in `lang` or any language, or undefined. */
  check(text: string, lang: string): Violation | undefined;
  /**
   * How many characters at the end of a streamed text to hold back, because the next piece could
   * complete a violation: a partial word that begins a listed word, or a run of digits that could
   * become a card number. Zero most of the time, so streaming stays immediate.
   */
  holdBack(text: string, lang: string): number;
  refusal(lang: string): string;
}

const fold = (text: string) =>
  text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "");

export function compileContentFilter(file: ContentFilterFile): ContentFilter {
  const parsed = ContentFilterFile.parse(file);
  const compiled = Object.fromEntries(
    Object.entries(parsed.rules).map(([lang, r]) => [
      lang,
      {
        words: new Set(r.words.map(fold)),
        patterns: r.patterns.map((p) => ({ id: p.id, re: new RegExp(p.pattern, "iu") })),
      },
    ]),
  );
  return {
    check(text, lang) {
      const folded = fold(text);
      const words = new Set(folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
      for (const key of [lang, "*"]) {
        const rules = compiled[key];
        if (!rules) continue;
        for (const w of rules.words) if (words.has(w)) return { rule: `word:${key}` };
        for (const p of rules.patterns) if (p.re.test(text) || p.re.test(folded)) return { rule: p.id };
      }
      return undefined;
    },
    holdBack(text, lang) {
      const digits = /[\d][\d\s-]*$/.exec(text);
      const digitsHeld = digits ? digits[0].length : 0;
      const partial = /[\p{L}\p{M}]+$/u.exec(text)?.[0];
      let wordHeld = 0;
      if (partial) {
        const start = fold(partial);
        for (const key of [lang, "*"]) {
          for (const w of compiled[key]?.words ?? []) if (w.startsWith(start)) wordHeld = partial.length;
        }
      }
      return Math.max(digitsHeld, wordHeld);
    },
    refusal: (lang) => parsed.refusal[lang] ?? parsed.refusal.en ?? "Sorry, I can't help with that.",
  };
}

/**
 * Checks a reply while it streams: each new piece is checked together with the end of what came
 * before (so a word split across pieces is still caught), and the first violation stops the stream.
 */
export function streamGuard(filter: ContentFilter, lang: string): (piece: string) => Violation | undefined {
  let tail = "";
  return (piece) => {
    const window = tail + piece;
    const violation = filter.check(window, lang);
    // Keep enough of the end for a word or a card number cut in two.
    tail = window.slice(-48);
    return violation;
  };
}
