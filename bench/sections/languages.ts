import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";
import { detectLanguage, RELIABLE_WORDS, wordCount } from "../../edge/core/language.js";
import { parseRegionFile, regionLanguages } from "../../edge/core/region-policy.js";
import regionFile from "../../infra/regions.json" with { type: "json" };
import { quantile } from "../numbers.js";
import type { Row } from "../support.js";

/**
 * `npm run bench -- languages`: how often the language detection (core/language.ts) is right on
 * short human messages in the regions' declared languages (test/fixtures/languages: 2,400 messages
 * with their sources), each detected among the languages of a region that declares it; for messages
 * of three words or more (the target: ≥ 95 %) and of one or two; its time per message; and what the
 * detector adds to the Worker's bundle.
 */
export async function languages(): Promise<Row[]> {
  const file = parseRegionFile(regionFile);
  const regions = Object.keys(file.regions).map((id) => regionLanguages(file, id));
  const lines = readFileSync("test/fixtures/languages/chat-sample.tsv", "utf8").trim().split("\n").slice(1);
  const tally = new Map<string, { long: number; longRight: number; short: number; shortRight: number }>();
  const times: number[] = [];
  for (const line of lines) {
    const [lang, , text] = line.split("\t") as [string, string, string];
    const declared = regions.find((r) => r.includes(lang));
    if (!declared) continue;
    const t0 = performance.now();
    const found = detectLanguage(text, declared);
    times.push((performance.now() - t0) * 1000);
    const t = tally.get(lang) ?? { long: 0, longRight: 0, short: 0, shortRight: 0 };
    const right = found?.lang === lang ? 1 : 0;
    if (wordCount(text) >= RELIABLE_WORDS) {
      t.long += 1;
      t.longRight += right;
    } else {
      t.short += 1;
      t.shortRight += right;
    }
    tally.set(lang, t);
  }
  const sum = (k: "long" | "longRight" | "short" | "shortRight") => [...tally.values()].reduce((s, t) => s + t[k], 0);
  const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)} %` : "–");
  const perLanguage = [...tally].map(([lang, t]) => `${lang} ${pct(t.longRight, t.long)}`).join(", ");
  const worst = Math.min(...[...tally.values()].map((t) => (t.long ? t.longRight / t.long : 1)));
  const dist = createRequire(import.meta.url).resolve("tinyld");
  const bytes = readFileSync(dist.replace(/\.node\.js$/, ".node.mjs"));
  return [
    [
      "languages",
      `detection, ${sum("long")} messages of ${RELIABLE_WORDS} words or more (test/fixtures/languages)`,
      `${pct(sum("longRight"), sum("long"))} right (worst language ${(worst * 100).toFixed(1)} %)`,
      "target ≥ 95 %",
    ],
    ["languages", "…by language (3 words or more)", perLanguage, ""],
    [
      "languages",
      `detection, ${sum("short")} messages of one or two words`,
      `${pct(sum("shortRight"), sum("short"))} right`,
      "a guess: the conversation's language or the client's comes first",
    ],
    [
      "languages",
      "time per message",
      `p50 ${quantile(times, 0.5).toFixed(0)} µs, p99 ${quantile(times, 0.99).toFixed(0)} µs`,
      `detector ${(statSync(dist.replace(/\.node\.js$/, ".node.mjs")).size / 1024).toFixed(0)} KiB, ${(gzipSync(bytes).length / 1024).toFixed(0)} KiB gzipped`,
    ],
  ];
}
