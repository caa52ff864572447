import * as z from "zod";

/**
 * The operator's content filter (infra/content-filter.json), checked on what users send and on what
 * the model says. It refuses only abuse (insults addressed to someone) and the listed patterns; card
 * numbers are masked, not refused; everything else a customer types (phone, order and invoice
 * numbers, EANs, IBANs, addresses) passes. Pure: no I/O, compiled once.
 */
const Replies = z.record(z.string(), z.string().min(1));

export const ContentFilterFile = z.object({
  $comment: z.string().optional(),
  replies: z.object({ abuse: Replies, "card-masked": Replies }).catchall(Replies),
  rules: z.record(
    z.string(),
    z.object({
      insults: z.array(z.string().min(1)),
      addressees: z.array(z.string().min(1)),
      patterns: z.array(z.object({ id: z.string().min(1), pattern: z.string().min(1), reply: z.string().min(1) })),
    }),
  ),
});
export type ContentFilterFile = z.infer<typeof ContentFilterFile>;

export interface Violation {
  /** Which rule matched (`insult:<lang>` or the pattern's id), for logs and counts; never the text. */
  rule: string;
  /** What the user is told (in their language when the file has it). */
  reply: string;
}

export interface Masked {
  text: string;
  /** How many card numbers were masked. */
  cards: number;
}

export interface ContentFilter {
  /**
   * The first rule `text` breaks, in `lang` or any language, or undefined. `partial`: a window of a
   * text still being written, where an insult standing alone may just be the start of a sentence.
   */
  check(text: string, lang: string, partial?: boolean): Violation | undefined;
  /** `text` with every card number masked to its last four digits (•••• 1234). */
  mask(text: string): Masked;
  /**
   * How many characters at the end of a streamed text to hold back, because the next piece could
   * complete a violation or a card number: a partial word that begins a listed insult, or a run of
   * digits. Zero most of the time, so streaming stays immediate.
   */
  holdBack(text: string, lang: string): number;
  /** What a user is told when a card number was masked. */
  cardNote(lang: string): string;
}

const fold = (text: string) =>
  text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/['’]/g, "");

/** An insult counts when a second-person word is this close before it, or this close after it. */
const ADDRESS_BEFORE = 4;
const ADDRESS_AFTER = 2;

/** 13 to 19 digits, in groups separated by single spaces or dashes, not part of a longer number. */
const CARD_CANDIDATE = /(?<![\d.,])\d(?:[ -]?\d){12,18}(?![\d])/g;
/** Issuer prefixes of the card networks (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay, Maestro). */
const CARD_ISSUER = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35|5[06-9]|6[0-9])/;

/** The Luhn check digit test that every payment card number passes (and most other numbers fail). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, "");
  return digits.length >= 13 && digits.length <= 19 && CARD_ISSUER.test(digits) && luhnValid(digits);
}

export function compileContentFilter(file: ContentFilterFile): ContentFilter {
  const parsed = ContentFilterFile.parse(file);
  const reply = (name: string, lang: string) => {
    const texts = parsed.replies[name] ?? parsed.replies.abuse;
    return texts[lang] ?? texts.en ?? Object.values(texts)[0]!;
  };
  const compiled = Object.fromEntries(
    Object.entries(parsed.rules).map(([lang, r]) => [
      lang,
      {
        insults: new Set(r.insults.map(fold)),
        addressees: new Set(r.addressees.map(fold)),
        patterns: r.patterns.map((p) => ({ id: p.id, re: new RegExp(p.pattern, "iu"), reply: p.reply })),
      },
    ]),
  );
  const languages = (lang: string) => [lang, "*"].map((key) => ({ key, rules: compiled[key] }));
  return {
    check(text, lang, partial = false) {
      const folded = fold(text);
      const tokens = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      for (const { key, rules } of languages(lang)) {
        if (!rules) continue;
        for (let i = 0; i < tokens.length; i++) {
          if (!rules.insults.has(tokens[i]!)) continue;
          const near = tokens.slice(Math.max(0, i - ADDRESS_BEFORE), i + 1 + ADDRESS_AFTER);
          const addressed = near.some((t) => rules.addressees.has(t)) || (!partial && tokens.length <= 2);
          if (addressed) return { rule: `insult:${key}`, reply: reply("abuse", lang) };
        }
        for (const p of rules.patterns)
          if (p.re.test(text) || p.re.test(folded)) return { rule: p.id, reply: reply(p.reply, lang) };
      }
      return undefined;
    },
    mask(text) {
      let cards = 0;
      const masked = text.replace(CARD_CANDIDATE, (candidate) => {
        if (!isCardNumber(candidate)) return candidate;
        cards += 1;
        return `•••• ${candidate.replace(/[ -]/g, "").slice(-4)}`;
      });
      return { text: masked, cards };
    },
    holdBack(text, lang) {
      const digits = /\d(?:[ -]?\d)*[ -]?$/.exec(text);
      const digitsHeld = digits ? digits[0].length : 0;
      const partial = /[\p{L}\p{M}]+$/u.exec(text)?.[0];
      let wordHeld = 0;
      if (partial) {
        const start = fold(partial);
        for (const { rules } of languages(lang)) {
          for (const w of rules?.insults ?? []) if (w.startsWith(start)) wordHeld = partial.length;
        }
      }
      return Math.max(digitsHeld, wordHeld);
    },
    cardNote: (lang) => reply("card-masked", lang),
  };
}

/**
 * Checks a reply while it streams: each new piece is checked together with the end of what came
 * before (so an insult split across pieces is still caught), and the first violation stops the stream.
 */
export function streamGuard(filter: ContentFilter, lang: string): (piece: string) => Violation | undefined {
  let tail = "";
  return (piece) => {
    const window = tail + piece;
    const violation = filter.check(window, lang, true);
    // Keep enough of the end for an insult and the words that address it.
    tail = window.slice(-64);
    return violation;
  };
}
