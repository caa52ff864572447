import * as z from "zod";

/**
 * The operator's content filter (infra/content-filter.json), checked on what users send and on what
 * the model says, with rules for each language the product speaks. It is meant to be fair: it refuses
 * only abuse (an insult aimed at someone, a threat), judged in context, and it never refuses a person
 * who signals self-harm: they get a caring reply with the help lines of their language's markets.
 *
 * Not abuse: a title or a quotation (text in quotes, or after "a book called…"), a listed product or
 * work name, an everyday "hurt" or "this price is killing me", self-directed talk ("I feel like an
 * idiot"), an insult word with nobody it is aimed at. Card numbers are masked, not refused; everything
 * else a customer types (phone, order and invoice numbers, EANs, IBANs, addresses) passes.
 * Pure: no I/O, compiled once.
 */
const Replies = z.record(z.string(), z.string().min(1));

const Rules = z.object({
  /**
   * How words are found. `words`: whole words (lower-cased, accents removed); `within-words`: inside a
   * space-separated word (Korean, where particles attach to the word); `characters`: anywhere in the
   * text (Japanese, written without spaces).
   */
  // A string first: the file is imported as JSON, where it is typed as any string.
  matching: z
    .string()
    .pipe(z.enum(["words", "within-words", "characters"]))
    .default("words"),
  /** Insulting nouns: abuse when aimed at someone, or standing alone as the whole message. */
  insults: z.array(z.string().min(1)).default([]),
  /** Insulting adjectives ("stupid"): abuse only when aimed at someone named before them ("you're stupid"). */
  adjectives: z.array(z.string().min(1)).default([]),
  /** Second-person words ("you", "du", "お前", "너"): an insult near one is aimed at someone. With a capital: matched as written ("Sie"). */
  addressees: z.array(z.string().min(1)).default([]),
  /** First-person words: between an addressee and an insult, or in a short message, they make it self-directed. */
  self: z.array(z.string().min(1)).default([]),
  /**
   * What may open an exclamation at someone ("what a", "espèce de"): after one, a "you" following the
   * insult counts ("What a moron you are"), as it does after an insult that opens the sentence.
   */
  exclamations: z.array(z.string().min(1)).default([]),
  /** A word ending (regular expression) that by itself addresses someone: Korean 바보야 ("you idiot"). */
  vocative: z.string().optional(),
  /** Words, names of products and of works that contain a listed word but are no abuse: skipped. */
  harmless: z.array(z.string().min(1)).default([]),
  /**
   * Whether titles show by their capitals (English, the Romance languages; not German, whose nouns are
   * all capitalised): two or more capitalised words inside a sentence, an insult among them, are a name
   * ("Do you sell The Idiot?", "American Idiot"), unless they are "you" ("You Idiot!").
   */
  titleCase: z.boolean().default(false),
  /** Regular expressions whose group `t` is a title ("a book called <t>"): skipped. */
  titles: z.array(z.string().min(1)).default([]),
  /** Regular expressions of a self-harm signal in the user's message: answered with care, never refused. */
  care: z.array(z.string().min(1)).default([]),
  /** Other regular expressions (threats…), each with the reply it gets. */
  patterns: z
    .array(z.object({ id: z.string().min(1), pattern: z.string().min(1), reply: z.string().min(1) }))
    .default([]),
});

export const ContentFilterFile = z.object({
  $comment: z.string().optional(),
  replies: z.object({ abuse: Replies, care: Replies, "card-masked": Replies }).catchall(Replies),
  /** The help lines each language's caring reply names (each reply must name at least one). */
  helplines: z.record(z.string(), z.array(z.string().min(1)).min(1)),
  rules: z.record(z.string(), Rules),
});
export type ContentFilterFile = z.input<typeof ContentFilterFile>;

export interface Violation {
  /** Which rule matched (`insult:<lang>`, `care:<lang>` or the pattern's id), for logs and counts; never the text. */
  rule: string;
  /** What the user is told (in their language when the file has it). */
  reply: string;
  /**
   * The message signals self-harm: `reply` is a caring answer with help lines, not a refusal. The
   * user is not refused; the turn should be counted as "care", not "refused".
   */
  care?: true;
}

export interface Masked {
  text: string;
  /** How many card numbers were masked. */
  cards: number;
}

export interface CheckOptions {
  /**
   * A window of a text still being written (the model's answer): an insult standing alone may just
   * be the start of a sentence, self-harm signals are not looked for (they concern the user), and
   * English rules apply besides the user's language's (models fall back to English).
   */
  partial?: boolean;
  /** The user's country (ISO 3166-1), where known: a caring reply for `<lang>-<country>` is preferred. */
  country?: string;
}

export interface ContentFilter {
  /**
   * What `text` calls for, or undefined: a caring reply when it signals self-harm (looked for in every
   * language), else the first rule of `lang` (or of every language, "*") it breaks.
   */
  check(text: string, lang: string, options?: CheckOptions): Violation | undefined;
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

type Matching = z.infer<typeof Rules>["matching"];

/** Text as it is compared: lower case; for spaced scripts without accents, apostrophes made plain. */
function fold(text: string, matching: Matching): string {
  const lower = text.normalize("NFKC").toLowerCase();
  // Japanese and Korean keep their marks (NFKD would take the voicing marks off バ, and split Hangul).
  if (matching !== "words") return lower;
  return lower
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[’ʼ`´]/g, "'");
}

/** An insult counts when a second-person word is this close before it (words), or right after it. */
const ADDRESS_BEFORE = 4;
const ADDRESS_AFTER = 1;
/** An adjective counts only with a second-person word this close before it. */
const ADJECTIVE_BEFORE = 3;
/** The same, in characters, for text without spaces. */
const CHARS_BEFORE = 10;
const CHARS_AFTER = 3;
/** The language a model's answer may be in whatever the user's is. */
const FALLBACK_LANGUAGE = "en";
/** A message of this many words or fewer that is an insult is one, even with no "you". */
const STANDALONE_WORDS = 2;
/** What may surround an insult in a Japanese message that is nothing but the insult (バカなの？). */
const FILLER = /[\s\p{P}\p{S}ーっッぁぃぅぇぉ〜はがのかだねなめよわぞこやろうさんでしすw笑]/gu;

/** Quotation marks: text between a pair is a quotation or a title, not something said to anyone. */
const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ["“", "”"],
  ["„", "“"],
  ["„", "”"],
  ["‚", "‘"],
  ["‘", "’"],
  ["«", "»"],
  ["»", "«"],
  ["‹", "›"],
  ["「", "」"],
  ["『", "』"],
  ["《", "》"],
  ["〈", "〉"],
  ["＂", "＂"],
];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const QUOTED = new RegExp(
  [
    ...QUOTE_PAIRS.map(([open, close]) => `${escape(open)}[^${escape(close)}\\n]{0,200}${escape(close)}`),
    `"[^"\\n]{0,200}"`,
    // 'single quotes', not the apostrophes of "Idiot's" or "don't" inside them
    `(?<![\\p{L}\\p{N}])'[^\\n]{0,200}?'(?![\\p{L}\\p{N}])`,
  ].join("|"),
  "gu",
);
const OPENERS = new Set(QUOTE_PAIRS.map(([open]) => open).filter((c) => !QUOTE_PAIRS.some(([, close]) => close === c)));
const CLOSERS = new Set(QUOTE_PAIRS.map(([, close]) => close).filter((c) => !QUOTE_PAIRS.some(([open]) => open === c)));

/**
 * `text` without its quotations. In a window of a text still being written, a quote may have opened
 * before the window or close after it: an opening mark with no close hides the rest, a closing mark
 * with no opening hides what came before, and an odd plain `"` is read both ways (`both`).
 */
function unquote(text: string, partial: boolean): { text: string; alternative?: string } {
  const paired = text.replace(QUOTED, " ");
  if (!partial) {
    const open = paired.search(/[“„‚«‹「『《〈"]/u);
    return { text: open < 0 ? paired : paired.slice(0, open) };
  }
  let out = paired;
  const chars = [...out];
  const lastOpen = chars.findLastIndex((c) => OPENERS.has(c));
  if (lastOpen >= 0) out = chars.slice(0, lastOpen).join("");
  const firstClose = [...out].findIndex((c) => CLOSERS.has(c));
  if (firstClose >= 0) out = [...out].slice(firstClose + 1).join("");
  const plain = out.indexOf('"');
  if (plain < 0) return { text: out };
  return { text: out.slice(0, plain), alternative: out.slice(out.lastIndexOf('"') + 1) };
}

/** Where the words of a spaced text are, apostrophes handled: idiot's ≠ idiot, you're = youre, l'idiota = l idiota. */
function words(folded: string): string[] {
  const out: string[] = [];
  for (const raw of folded.match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? []) {
    const parts = raw.split("'");
    if (parts.length === 1) out.push(raw);
    else if (parts.length === 2 && parts[1] === "s")
      out.push(raw); // possessive: "Idiot's Guide"
    else if (parts.length === 2 && ["t", "re", "ll", "ve", "d", "m"].includes(parts[1]!)) out.push(parts.join(""));
    else out.push(...parts.filter(Boolean)); // elision: l'idiota, t'es, un'idiota
  }
  return out;
}

/** A list entry as a regular expression over folded text: its words, with any separator between them. */
function phrase(entry: string, matching: Matching): string {
  const parts = fold(entry, matching)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map(escape);
  return matching === "words"
    ? `(?<![\\p{L}\\p{N}])${parts.join("[^\\p{L}\\p{N}]*")}(?![\\p{L}\\p{N}])`
    : parts.join("[^\\p{L}\\p{N}]*");
}

/** Clauses: an insult and the "you" it is aimed at are in one sentence. */
const CLAUSES = /[.!?;\n。！？]+/u;

interface Compiled {
  key: string;
  matching: Matching;
  insults: string[][];
  adjectives: string[][];
  addressees: Set<string>;
  /** Addressees matched as written ("Sie", not "sie"): their folded form, and how to find them in the raw text. */
  addresseesExact: Map<string, RegExp>;
  self: Set<string>;
  exclamations: Set<string>;
  vocative: RegExp | undefined;
  titleCase: boolean;
  harmless: RegExp | undefined;
  titles: RegExp[];
  care: RegExp[];
  patterns: { id: string; re: RegExp; reply: string }[];
}

function compileRules(key: string, r: z.infer<typeof Rules>): Compiled {
  const m = r.matching;
  const list = (xs: string[]) => xs.map((x) => (m === "words" ? words(fold(x, m)) : [fold(x, m)]));
  const harmless = r.harmless.map((h) => phrase(h, m));
  return {
    key,
    matching: m,
    insults: list(r.insults),
    adjectives: list(r.adjectives),
    addressees: new Set(r.addressees.filter((a) => a === a.toLowerCase()).map((a) => fold(a, m))),
    addresseesExact: new Map(
      r.addressees
        .filter((a) => a !== a.toLowerCase())
        .map((a) => [fold(a, m), new RegExp(`(?<![\\p{L}\\p{N}])${escape(a)}(?![\\p{L}\\p{N}])`, "u")]),
    ),
    self: new Set(r.self.map((s) => fold(s, m))),
    exclamations: new Set(r.exclamations.map((e) => (m === "words" ? words(fold(e, m)) : [fold(e, m)]).join(" "))),
    vocative: r.vocative ? new RegExp(r.vocative, "u") : undefined,
    titleCase: r.titleCase,
    harmless: harmless.length ? new RegExp(harmless.join("|"), "gu") : undefined,
    titles: r.titles.map((t) => new RegExp(t, "giu")),
    care: r.care.map((c) => new RegExp(c, "iu")),
    patterns: r.patterns.map((p) => ({ id: p.id, re: new RegExp(p.pattern, "iu"), reply: p.reply })),
  };
}

/** Small words that may stand between the capitalised words of a title (A Confederacy of Dunces). */
const TITLE_LINKS = new Set(
  "a an and of the to in on for with de del della di da do dos das du des la le les el los y e et und von der die das".split(
    " ",
  ),
);

/**
 * `text` without its capitalised titles: runs of capitalised words (joined by small words) with two or
 * more of them past the start of their sentence, none a second-person word. ALL-CAPS words are shouting,
 * not titles.
 */
function withoutCapitalisedTitles(text: string, rules: Compiled): string {
  let out = text;
  for (const clause of text.split(CLAUSES)) {
    const found = [...clause.matchAll(/[\p{L}\p{N}]+/gu)];
    let run: RegExpExecArray[] = [];
    const close = () => {
      while (run.length && !/^\p{Lu}/u.test(run.at(-1)![0])) run.pop();
      const capitals = run.filter((w) => /^\p{Lu}(?:\p{Ll}|$)/u.test(w[0]) && w !== found[0]);
      const addressed = run.some((w) => rules.addressees.has(fold(w[0], rules.matching)));
      if (capitals.length >= 2 && !addressed) {
        const from = run[0]!.index;
        const span = clause.slice(from, run.at(-1)!.index + run.at(-1)![0].length);
        out = out.replace(span, " ".repeat(span.length));
      }
      run = [];
    };
    for (const w of found) {
      const word = w[0];
      if (/^\p{Lu}(?:\p{Ll}|$)/u.test(word) && !/^\p{Lu}{2,}$/u.test(word)) run.push(w as RegExpExecArray);
      else if (run.length && TITLE_LINKS.has(word)) run.push(w as RegExpExecArray);
      else close();
    }
    close();
  }
  return out;
}

/** Folded `text` without titles (group `t` of a title rule, capitalised titles) and harmless names. */
function withoutNames(text: string, rules: Compiled): string {
  let folded = fold(rules.titleCase ? withoutCapitalisedTitles(text, rules) : text, rules.matching);
  for (const re of rules.titles) {
    folded = folded.replace(re, (...args) => {
      const match = args[0] as string;
      const groups = args.at(-1) as Record<string, string | undefined> | undefined;
      const title = groups?.t;
      return title ? match.replace(title, " ") : match;
    });
  }
  return rules.harmless ? folded.replace(rules.harmless, " ") : folded;
}

/** Whether `tokens[i..]` begins with the words of `entry` (words), or token i contains it (within-words). */
function matchesAt(tokens: string[], i: number, entry: string[], matching: Matching): boolean {
  if (matching === "within-words") return tokens[i]!.includes(entry[0]!);
  return entry.every((w, k) => tokens[i + k] === w);
}

/** Whether a spaced clause holds an insult aimed at someone. `exact`: the as-written addressees the message holds. */
function aimedInWords(tokens: string[], exact: Set<string>, rules: Compiled): boolean {
  const isAddressee = (i: number) => rules.addressees.has(tokens[i]!) || exact.has(tokens[i]!);
  const isSelf = (i: number) => rules.self.has(tokens[i]!);
  /** A second-person word within `before` words before i (or `after` after it), with no "I" in between. */
  const addressed = (i: number, length: number, before: number, after: number) => {
    for (let j = i - 1; j >= Math.max(0, i - before); j--) {
      if (isSelf(j)) break;
      if (isAddressee(j)) return true;
    }
    for (let j = i + length; j < Math.min(tokens.length, i + length + after); j++) {
      if (isSelf(j)) break;
      if (isAddressee(j)) return true;
    }
    return false;
  };
  for (let i = 0; i < tokens.length; i++) {
    for (const insult of rules.insults) {
      if (!matchesAt(tokens, i, insult, rules.matching)) continue;
      const length = rules.matching === "words" ? insult.length : 1;
      // "you" after an insult counts only where the insult opens the sentence ("Idiot, you never answer",
      // "What a moron you are"), not where it ends a remark about something ("c'est con, vous pouvez…").
      const opens = i <= 1 || rules.exclamations.has(tokens.slice(0, i).join(" "));
      if (addressed(i, length, ADDRESS_BEFORE, opens ? ADDRESS_AFTER : 0)) return true;
      const selfBefore = tokens.slice(Math.max(0, i - ADDRESS_BEFORE), i).some((t) => rules.self.has(t));
      if (rules.vocative?.test(tokens[i]!) && !selfBefore) return true;
    }
    for (const adjective of rules.adjectives) {
      if (matchesAt(tokens, i, adjective, rules.matching) && addressed(i, adjective.length, ADJECTIVE_BEFORE, 0))
        return true;
    }
  }
  return false;
}

/** Whether the whole (spaced) message is an insult: at most two words, one of them an insult, no "I". */
function standaloneInWords(tokens: string[], rules: Compiled): boolean {
  if (tokens.length === 0 || tokens.length > STANDALONE_WORDS || tokens.some((t) => rules.self.has(t))) return false;
  return tokens.some((_, i) => rules.insults.some((insult) => matchesAt(tokens, i, insult, rules.matching)));
}

/** All places of `needle` in `hay`. */
function places(hay: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) at.push(i);
  return at;
}

/** Whether a clause written without spaces holds an insult aimed at someone (characters). */
function aimedInCharacters(clause: string, rules: Compiled): boolean {
  const addressees = [...rules.addressees].flatMap((a) => places(clause, a).map((at) => ({ at, end: at + a.length })));
  const selves = [...rules.self].flatMap((s) => places(clause, s));
  const between = (from: number, to: number) => selves.some((s) => s >= from && s < to);
  const aimed = (entries: string[][], before: number, after: number) =>
    entries.some(([insult]) =>
      places(clause, insult!).some((at) => {
        const end = at + insult!.length;
        return addressees.some(
          (a) =>
            (a.end <= at && at - a.end <= before && !between(a.end, at)) ||
            (a.at >= end && a.at - end <= after && !between(end, a.at)),
        );
      }),
    );
  return aimed(rules.insults, CHARS_BEFORE, CHARS_AFTER) || aimed(rules.adjectives, CHARS_BEFORE, 0);
}

/** Whether a Japanese message is nothing but an insult (and "you", and particles): バカ！, アホか, お前バカだろ. */
function standaloneInCharacters(text: string, rules: Compiled): boolean {
  let rest = text;
  let found = false;
  for (const [insult] of rules.insults) {
    if (rest.includes(insult!)) found = true;
    rest = rest.split(insult!).join(" ");
  }
  if (!found) return false;
  for (const a of rules.addressees) rest = rest.split(a).join(" ");
  return rest.replace(FILLER, "") === "";
}

/** Whether `text` (folded, names removed) is abuse under `rules`. */
function abusive(text: string, raw: string, rules: Compiled, partial: boolean): boolean {
  const clauses = text.split(CLAUSES);
  if (rules.matching === "characters") {
    if (clauses.some((c) => aimedInCharacters(c, rules))) return true;
    return !partial && standaloneInCharacters(text, rules);
  }
  const tokensOf = (s: string) => (rules.matching === "words" ? words(s) : s.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  // "Sie" is "you", "sie" is "she": an as-written addressee counts where the message has it as written.
  const exact = new Set([...rules.addresseesExact].filter(([, re]) => re.test(raw)).map(([folded]) => folded));
  if (clauses.some((c) => aimedInWords(tokensOf(c), exact, rules))) return true;
  return !partial && standaloneInWords(tokensOf(text), rules);
}

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
  const reply = (name: string, lang: string, country?: string) => {
    const texts = parsed.replies[name] ?? parsed.replies.abuse;
    return (country && texts[`${lang}-${country}`]) || texts[lang] || texts.en || Object.values(texts)[0]!;
  };
  // A caring reply that names no help line of its language is a mistake in the file: refuse to start.
  for (const [key, text] of Object.entries(parsed.replies.care)) {
    const lines = parsed.helplines[key.split("-")[0]!] ?? [];
    if (!lines.some((line) => text.includes(line))) {
      throw new Error(`content-filter.json: replies.care.${key} names none of helplines.${key.split("-")[0]}`);
    }
  }
  const compiled = new Map(Object.entries(parsed.rules).map(([key, r]) => [key, compileRules(key, r)]));
  /**
   * The rules abuse is judged by: the user's language's and every language's ("*"). A model's answer
   * (`partial`) is also judged by English's, the language models fall back to whatever the user writes.
   */
  const abuseSets = new Map<string, Compiled[]>();
  const abuseRules = (lang: string, partial = false) => {
    const key = `${lang}${partial ? "+" : ""}`;
    let sets = abuseSets.get(key);
    if (!sets)
      abuseSets.set(
        key,
        (sets = [...new Set([lang, "*", ...(partial ? [FALLBACK_LANGUAGE] : [])])]
          .map((k) => compiled.get(k))
          .filter((r) => r !== undefined)),
      );
    return sets;
  };
  // Self-harm is looked for in every language, the user's first: a detection mistake must not hide it.
  // (Sets without care patterns, as the one for every language, are not looked at.)
  const careSets = new Map<string, Compiled[]>();
  const careRules = (lang: string) => {
    let sets = careSets.get(lang);
    if (!sets) {
      const first = compiled.get(lang);
      sets = [...(first ? [first] : []), ...[...compiled.values()].filter((r) => r !== first)].filter(
        (r) => r.care.length > 0,
      );
      careSets.set(lang, sets);
    }
    return sets;
  };
  /** The words that may begin a listed insult, per set (what a streamed answer's last word is held back for). */
  const listedWords = new Map(
    [...compiled.values()].map((r) => [r, [...r.insults, ...r.adjectives].map((entry) => entry.join(" "))]),
  );

  return {
    check(text, lang, options = {}) {
      const partial = options.partial ?? false;
      if (!partial) {
        for (const rules of careRules(lang)) {
          const named = withoutNames(text, rules);
          if (!rules.care.some((re) => re.test(named))) continue;
          // Answered in the language the signal was written in (the user's, unless detection missed it).
          const replyLang = rules.key === "*" ? lang : rules.key;
          return { rule: `care:${rules.key}`, reply: reply("care", replyLang, options.country), care: true };
        }
      }
      const { text: said, alternative } = unquote(text, partial);
      const views = alternative === undefined ? [said] : [said, alternative];
      for (const rules of abuseRules(lang, partial)) {
        const named = views.map((view) => withoutNames(view, rules));
        const abuse = views.every((view, i) => abusive(named[i]!, view, rules, partial));
        if (abuse) return { rule: `insult:${rules.key}`, reply: reply("abuse", lang) };
        for (const p of rules.patterns) {
          if (views.every((view, i) => p.re.test(view) || p.re.test(named[i]!))) {
            return { rule: p.id, reply: reply(p.reply, lang) };
          }
        }
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
      const partialWord = /[\p{L}\p{M}]+$/u.exec(text)?.[0];
      let wordHeld = 0;
      if (partialWord) {
        for (const rules of abuseRules(lang, true)) {
          const listed = listedWords.get(rules)!;
          const tail = fold(partialWord, rules.matching);
          if (rules.matching === "words") {
            if (listed.some((w) => w.startsWith(tail))) wordHeld = Math.max(wordHeld, partialWord.length);
            continue;
          }
          // No spaces to tell where a word begins: hold back the longest end that begins a listed word.
          for (let k = Math.min(tail.length, 8); k > wordHeld; k--) {
            const end = tail.slice(-k);
            if (listed.some((w) => w.startsWith(end) && w !== end)) {
              wordHeld = k;
              break;
            }
          }
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
 * Only abuse stops an answer: self-harm signals concern the user's message, never the model's answer.
 */
export function streamGuard(filter: ContentFilter, lang: string): (piece: string) => Violation | undefined {
  let tail = "";
  return (piece) => {
    const window = tail + piece;
    const violation = filter.check(window, lang, { partial: true });
    // Keep enough of the end for an insult and the words that address it.
    tail = window.slice(-64);
    return violation;
  };
}
