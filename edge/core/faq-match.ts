import MiniSearch from "minisearch";
/**
 * FAQ matching: which stored question a user's message asks, if any, and how sure we are.
 *
 * Text is normalised (case, accents, punctuation), cut into words (CJK into character pairs), and
 * stripped of the language's stop words. A message and a question are compared as sets of words, so
 * word order does not matter; a word matches a stored word exactly, or with one typo (two for long
 * words) at a lower weight. The score is the F1 of the two directions: 1 for the same words, 0 for
 * none in common. Callers pick thresholds: a near-exact match may skip the model, a fair one may stand
 * in for it when it is down, anything less is not an answer.
 */
export interface FaqEntry {
  questions: string[];
  answer: string;
  lang: string;
}

export interface FaqMatch {
  entry: FaqEntry;
  question: string;
  score: number;
}

const STOP_WORDS: Record<string, ReadonlySet<string>> = {
  en: new Set(
    "a an the is are was were be been am i you we they he she it my your our their me us to of in on at for from by with and or do does did can could would should will shall please hi hello hey what how when where which who why this that these those there here have has had any some about".split(
      " ",
    ),
  ),
  de: new Set(
    "der die das ein eine einen einem einer ist sind war bin bist ich du wir ihr sie er es mein meine dein ihr unser zu von in im am an auf für mit und oder wie wann wo was wer warum kann können könnt bitte hallo ist gibt es den dem des".split(
      " ",
    ),
  ),
  fr: new Set(
    "le la les un une des est sont je tu il elle nous vous ils elles mon ma mes ton ta votre vos de du au aux en dans sur pour par avec et ou comment quand où que qui quoi pourquoi est-ce puis peux pouvez bonjour salut svp s'il vous plait".split(
      " ",
    ),
  ),
  es: new Set(
    "el la los las un una unos unas es son soy eres yo tu tú él ella nosotros vosotros ellos mi mis su sus de del al en por para con y o como cómo cuando cuándo donde dónde que qué quien quién por qué puedo puede pueden hola favor".split(
      " ",
    ),
  ),
  it: new Set(
    "il lo la i gli le un una è sono io tu lui lei noi voi loro mio mia miei tuo suo di da in a al alla per con e o come quando dove che chi perché posso può potete ciao buongiorno per favore".split(
      " ",
    ),
  ),
  pt: new Set(
    "o a os as um uma é são eu tu você ele ela nós vocês eles meu minha seu sua de do da em no na por para com e ou como quando onde que quem porque posso pode podem olá oi favor".split(
      " ",
    ),
  ),
};

/** Words that point back into the conversation: a question holding them depends on what came before. */
const REFERRING_WORDS: Record<string, ReadonlySet<string>> = {
  en: new Set("it that this they them those these he she him her there above previous same".split(" ")),
  de: new Set("es das dies diese dieser sie er ihn ihm dort davon dafür darüber selbe".split(" ")),
  fr: new Set("ça cela ceci celui celle ceux il elle lui leur là-bas même précédent".split(" ")),
  es: new Set("eso esto ese esa ello él ella ellos allí mismo anterior".split(" ")),
  it: new Set("esso questo quello quella lui lei loro lì stesso precedente".split(" ")),
  pt: new Set("isso isto esse essa ele ela eles lá mesmo anterior".split(" ")),
};

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
}

/** The words of `text` that carry meaning, in `lang` (stop words removed; CJK as character pairs). */
export function faqTokens(text: string, lang: string): string[] {
  const stop = STOP_WORDS[lang] ?? new Set<string>();
  const out: string[] = [];
  for (const w of words(text)) {
    if (CJK.test(w)) {
      const chars = [...w];
      if (chars.length === 1) out.push(w);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    } else if (!stop.has(w)) out.push(w);
  }
  return [...new Set(out)];
}

/** Best guess of the language of `text` among `candidates`, by stop words; the first when unsure. */
export function guessLanguage(text: string, candidates: readonly string[]): string {
  const ws = words(text);
  let best = candidates[0] ?? "en";
  let bestHits = 0;
  for (const lang of candidates) {
    const stop = STOP_WORDS[lang];
    if (!stop) continue;
    const hits = ws.filter((w) => stop.has(w)).length;
    if (hits > bestHits) [best, bestHits] = [lang, hits];
  }
  return best;
}

/** True when the message points back at the conversation ("is it in stock?"), in its language. */
export function dependsOnContext(text: string, lang: string): boolean {
  const referring = REFERRING_WORDS[lang];
  return referring ? words(text).some((w) => referring.has(w)) : false;
}

/** Damerau–Levenshtein distance, stopping early past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/** How well word `w` is found among `others`: 1 exact, 0.8 within a typo or two, 0 not at all. */
function wordScore(w: string, others: readonly string[]): number {
  if (others.includes(w)) return 1;
  const allowed = w.length >= 8 ? 2 : w.length >= 4 ? 1 : 0;
  if (allowed === 0) return 0;
  return others.some((o) => o.length >= 4 && distance(w, o, allowed) <= allowed) ? 0.8 : 0;
}

function similarity(query: readonly string[], question: readonly string[]): number {
  if (!query.length || !question.length) return 0;
  const precision = query.reduce((s, w) => s + wordScore(w, question), 0) / query.length;
  const recall = question.reduce((s, w) => s + wordScore(w, query), 0) / question.length;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/**
 * The same answer by scoring every question (what the index replaces): for the benchmark and for the
 * test that the index finds what the exhaustive scan finds.
 */
export function bestFaqMatchByScan(entries: readonly FaqEntry[], text: string, lang: string): FaqMatch | undefined {
  const pool = entries.some((e) => e.lang === lang) ? entries.filter((e) => e.lang === lang) : entries;
  let best: FaqMatch | undefined;
  for (const entry of pool) {
    const query = faqTokens(text, entry.lang);
    for (const question of entry.questions) {
      const score = similarity(query, faqTokens(question, entry.lang));
      if (!best || score > best.score) best = { entry, question, score };
    }
  }
  return best;
}

/** How many of the index's nearest questions are scored exactly (the rest cannot beat them). */
const CANDIDATES = 20;
/** How many of a message's words (its rarest in the FAQ) the index is asked for. */
const QUERY_WORDS = 3;

interface IndexedQuestion {
  entry: FaqEntry;
  question: string;
  tokens: string[];
}

/**
 * A FAQ's search index: per language, MiniSearch (BM25 with typo tolerance and prefixes) over the
 * questions' tokens, each question tokenized once. A message's question is found among the
 * index's nearest candidates and scored by `similarity`, so the scores (and the thresholds on them)
 * are what the linear scan gave, at a small part of its cost.
 */
class FaqIndex {
  private readonly byLang = new Map<
    string,
    { search: MiniSearch<{ id: number }>; questions: IndexedQuestion[]; frequency: Map<string, number> }
  >();

  constructor(entries: readonly FaqEntry[]) {
    for (const entry of entries) {
      let part = this.byLang.get(entry.lang);
      if (!part) {
        const lang = entry.lang;
        const search = new MiniSearch<{ id: number }>({
          fields: ["tokens"],
          idField: "id",
          // The document is its id; its one field, the question's tokens, computed once.
          extractField: (doc, field) =>
            field === "id" ? String(doc.id) : this.byLang.get(lang)!.questions[doc.id]!.tokens.join(" "),
          tokenize: (text) => text.split(" ").filter(Boolean),
          processTerm: (term) => term,
          // One typo in a word of 4 letters or more (the exact score then allows two from 8).
          searchOptions: { fuzzy: (term) => (term.length >= 4 ? 1 : 0), combineWith: "OR" },
        });
        this.byLang.set(lang, (part = { search, questions: [], frequency: new Map() }));
      }
      for (const question of entry.questions) {
        const id = part.questions.length;
        const tokens = faqTokens(question, entry.lang);
        part.questions.push({ entry, question, tokens });
        for (const t of tokens) part.frequency.set(t, (part.frequency.get(t) ?? 0) + 1);
        part.search.add({ id });
      }
    }
  }

  match(text: string, lang: string): FaqMatch | undefined {
    const langs = this.byLang.has(lang) ? [lang] : [...this.byLang.keys()];
    let best: FaqMatch | undefined;
    for (const l of langs) {
      const part = this.byLang.get(l)!;
      const query = faqTokens(text, l);
      if (!query.length) continue;
      // The index is asked for the message's rarest words (a misspelt one is rare too): they tell the
      // questions apart, and common ones would only make it rank thousands of them.
      const rarest = [...query]
        .sort((a, b) => (part.frequency.get(a) ?? 0) - (part.frequency.get(b) ?? 0))
        .slice(0, QUERY_WORDS);
      for (const hit of part.search.search(rarest.join(" ")).slice(0, CANDIDATES)) {
        const q = part.questions[Number(hit.id)]!;
        const score = similarity(query, q.tokens);
        if (!best || score > best.score) best = { entry: q.entry, question: q.question, score };
      }
    }
    return best;
  }
}

/** Each FAQ's index, built on its first question in this isolate (services/faq.ts keeps one array per upload). */
const indexes = new WeakMap<readonly FaqEntry[], FaqIndex>();

/**
 * The entry whose question is closest to `text`, among entries in `lang` (all entries when none is in
 * that language).
 */
export function bestFaqMatch(entries: readonly FaqEntry[], text: string, lang: string): FaqMatch | undefined {
  if (entries.length === 0) return undefined;
  let index = indexes.get(entries);
  if (!index) indexes.set(entries, (index = new FaqIndex(entries)));
  return index.match(text, lang);
}
