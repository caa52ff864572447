/**
 * Uploads a region's offline FAQ:
 *
 *   ADMIN_TOKEN=… npm run faq:upload -- --region eu --file infra/faq/example.csv [--edge https://edge.example.com]
 *
 * JSON files hold the upload body itself (`{"entries":[{"questions":[…],"answer":"…","lang":"en"}]}`).
 * CSV files have a header row with `lang`, `question` and `answer` columns: rows with the same
 * language and answer become one entry with several questions; a question cell may also hold several
 * questions separated by ` | `. The edge validates the whole file and writes nothing if any entry is
 * bad; its answer lists the problems.
 */
import { readFileSync } from "node:fs";
import { localSetting } from "../infra/local/defaults.js";

export interface FaqEntryInput {
  questions: string[];
  answer: string;
  lang: string;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new Error("the CSV ends inside a quoted field");
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ""));
}

export function faqFromCsv(text: string): FaqEntryInput[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error("the CSV is empty");
  const col = (name: string) => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new Error(`the CSV has no "${name}" column (found: ${header.join(", ")})`);
    return i;
  };
  const [lang, question, answer] = [col("lang"), col("question"), col("answer")];
  const entries = new Map<string, FaqEntryInput>();
  rows.forEach((r, n) => {
    const a = (r[answer] ?? "").trim();
    const l = (r[lang] ?? "").trim().toLowerCase();
    if (!a || !l) throw new Error(`row ${n + 2}: lang and answer are required`);
    const key = `${l}\n${a}`;
    const entry = entries.get(key) ?? { lang: l, answer: a, questions: [] };
    entry.questions.push(
      ...(r[question] ?? "")
        .split(" | ")
        .map((q) => q.trim())
        .filter(Boolean),
    );
    entries.set(key, entry);
  });
  return [...entries.values()];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const region = arg("region");
  const file = arg("file");
  if (!region || !file) {
    console.error("usage: ADMIN_TOKEN=… npm run faq:upload -- --region eu --file faq.json|faq.csv [--edge URL]");
    process.exit(2);
  }
  const edge = (arg("edge") ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, "");
  const text = readFileSync(file, "utf8");
  const body = file.toLowerCase().endsWith(".csv") ? { entries: faqFromCsv(text) } : (JSON.parse(text) as unknown);
  const res = await fetch(`${edge}/admin/faq/${encodeURIComponent(region)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${localSetting("ADMIN_TOKEN")}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as {
    entries?: number;
    languages?: Record<string, number>;
    error?: { message: string; problems?: string[] };
  };
  if (!res.ok) {
    console.error(`upload refused (${res.status}): ${answer.error?.message ?? "unknown error"}`);
    for (const p of answer.error?.problems ?? []) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(
    `${region}: ${answer.entries} entries uploaded (${Object.entries(answer.languages ?? {})
      .map(([l, n]) => `${l} ${n}`)
      .join(", ")})`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
