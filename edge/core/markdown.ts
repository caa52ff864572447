/**
 * The model's Markdown (gpt-oss writes bold, lists, tables, code blocks and links), read once into
 * text with formatting spans, which each channel then shows its own way: Telegram as message
 * entities, WhatsApp as its markup, the web chat as elements. Nothing here interprets HTML: a tag in
 * the model's answer stays text (except `<br>`, a line break), so no channel can be made to render
 * markup it did not choose. Offsets are UTF-16 code units, as JavaScript strings and Telegram count.
 *
 * Unclosed markers stay as written (`**` with no partner is two asterisks). An answer still being
 * written is read with `partial`: on its last line, a span already opened runs to the end and a link
 * still being written shows its label, so a preview never flashes markers that are about to close.
 */

export type SpanKind = "bold" | "italic" | "strike" | "code" | "pre" | "link" | "quote";

export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
  /** link: where it goes (http, https, mailto or tel only). */
  url?: string;
  /** pre: the code block's language, when its fence names one. */
  language?: string;
}

/** Text and its formatting; spans nest (one lies within another, or apart), never cross. */
export interface Formatted {
  text: string;
  spans: Span[];
}

/** A span with the spans inside it: what renderers that build nested markup walk. */
export interface SpanNode {
  span: Span | undefined;
  start: number;
  end: number;
  children: SpanNode[];
}

/** Phones show about this many monospace characters a line: a wider table is shown row by row. */
const NARROW_TABLE = 36;
const SAFE_URL = /^(https?:\/\/|mailto:|tel:)[^\s<>"]+$/i;

export function parseMarkdown(source: string, options: { partial?: boolean } = {}): Formatted {
  const out = new Builder();
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let blankBefore = false;
  const startLine = () => {
    if (out.text.length === 0) return;
    out.add(blankBefore ? "\n\n" : "\n");
    blankBefore = false;
  };
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    if (line.trim() === "") {
      blankBefore = out.text.length > 0;
      i += 1;
      continue;
    }
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      for (i += 1; i < lines.length && !isFenceClose(lines[i]!, marker); i++) body.push(lines[i]!);
      i += 1;
      startLine();
      out.span("pre", () => out.add(body.join("\n") || " "), fence[2] ? { language: fence[2] } : {});
      blankBefore = true;
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && isTableRule(lines[i + 1]!)) {
      const rows = [cells(line)];
      for (i += 2; i < lines.length && isTableRow(lines[i]!); i++) rows.push(cells(lines[i]!));
      startLine();
      table(out, rows);
      blankBefore = true;
      continue;
    }
    if (/^ {0,3}([-*_])( *\1){2,} *$/.test(line)) {
      // A rule between sections: a paragraph break is enough on a phone.
      blankBefore = out.text.length > 0;
      i += 1;
      continue;
    }
    const quote = /^ {0,3}> ?/.exec(line);
    if (quote) {
      const inner: string[] = [];
      for (; i < lines.length && /^ {0,3}>/.test(lines[i]!); i++) inner.push(lines[i]!.replace(/^ {0,3}> ?/, ""));
      startLine();
      out.span("quote", () =>
        out.addFormatted(parseMarkdown(inner.join("\n"), { partial: options.partial && i === lines.length })),
      );
      blankBefore = true;
      continue;
    }
    startLine();
    const open = options.partial === true && i === lines.length - 1;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/.exec(line);
    const item = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line);
    if (heading) out.span("bold", () => inline(out, heading[1]!, open));
    else if (item) {
      const depth = Math.floor(item[1]!.replace(/\t/g, "    ").length / 2);
      out.add("  ".repeat(depth) + (/\d/.test(item[2]!) ? `${item[2]!.replace(")", ".")} ` : depth ? "◦ " : "• "));
      inline(out, item[3]!, open);
    } else inline(out, line.trim(), open);
    i += 1;
  }
  return out.done();
}

/** The spans as a tree under a root covering the whole text (they nest by construction). */
export function spanTree(formatted: Formatted): SpanNode {
  const root: SpanNode = { span: undefined, start: 0, end: formatted.text.length, children: [] };
  const ordered = [...formatted.spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const stack: SpanNode[] = [root];
  for (const span of ordered) {
    while (stack.length > 1 && stack[stack.length - 1]!.end <= span.start) stack.pop();
    const node: SpanNode = { span, start: span.start, end: span.end, children: [] };
    stack[stack.length - 1]!.children.push(node);
    stack.push(node);
  }
  return root;
}

/**
 * Splits formatted text into parts of at most `limit` (as `measure` counts them: a channel whose
 * markup adds characters measures its rendered form), cutting at a paragraph break, else a line
 * break, else a sentence end, else a space, and never inside a surrogate pair. A span a cut goes
 * through continues in the next part, so a long code block is a code block in every part.
 */
export function splitFormatted(
  formatted: Formatted,
  limit: number,
  measure: (part: Formatted) => number = (p) => p.text.length,
): Formatted[] {
  if (limit < 32) throw new RangeError(`limit must be at least 32, got ${limit}`);
  const parts: Formatted[] = [];
  let rest = trim(formatted);
  while (rest.text.length > 0 && measure(rest) > limit) {
    let room = limit;
    let head: Formatted;
    let cut: number;
    // Markup the measure counts can push a part over: cut again, shorter by the excess.
    for (;;) {
      cut = cutPoint(rest.text, Math.min(room, rest.text.length - 1));
      head = trim(slice(rest, 0, cut));
      const over = measure(head) - limit;
      if (over <= 0 || room <= 16) break;
      room -= Math.max(over, 8);
    }
    if (head.text) parts.push(head);
    rest = trim(slice(rest, cut, rest.text.length));
  }
  if (rest.text.length > 0) parts.push(rest);
  return parts;
}

/** Plain text of a Markdown string (a table cell, a heading): its formatting dropped. */
function plainText(source: string): string {
  return parseMarkdown(source).text;
}

function cutPoint(text: string, max: number): number {
  const floor = Math.floor(max / 2);
  for (const pattern of [/\n\n/g, /\n/g, /[.!?…。](?=\s)/g, / /g]) {
    let best = -1;
    for (const m of text.slice(0, max + 1).matchAll(pattern)) {
      const at = m.index + (m[0] === "\n\n" || m[0] === "\n" || m[0] === " " ? 0 : m[0].length);
      if (at <= max && at >= floor) best = at;
    }
    if (best > 0) return best;
  }
  // No natural break: a hard cut, never between the halves of a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

function slice(formatted: Formatted, start: number, end: number): Formatted {
  const spans: Span[] = [];
  for (const s of formatted.spans) {
    const from = Math.max(s.start, start);
    const to = Math.min(s.end, end);
    if (to > from) spans.push({ ...s, start: from - start, end: to - start });
  }
  return { text: formatted.text.slice(start, end), spans };
}

function trim(formatted: Formatted): Formatted {
  const start = formatted.text.length - formatted.text.trimStart().length;
  const end = formatted.text.trimEnd().length;
  return start === 0 && end === formatted.text.length ? formatted : slice(formatted, start, Math.max(start, end));
}

/** Text with spans, built left to right; a span covers what its callback adds. */
class Builder {
  text = "";
  private readonly spans: Span[] = [];

  add(text: string): void {
    this.text += text;
  }

  addFormatted(formatted: Formatted): void {
    const offset = this.text.length;
    this.text += formatted.text;
    for (const s of formatted.spans) this.spans.push({ ...s, start: s.start + offset, end: s.end + offset });
  }

  span(kind: SpanKind, fill: () => void, extra: Pick<Span, "url" | "language"> = {}): void {
    const start = this.text.length;
    const index = this.spans.length;
    fill();
    // An empty span would be an empty entity (the platform refuses those): none is kept.
    if (this.text.length > start) this.spans.splice(index, 0, { kind, start, end: this.text.length, ...extra });
  }

  done(): Formatted {
    return trim({ text: this.text, spans: this.spans });
  }
}

/**
 * Inline Markdown: code, bold, italic, strikethrough, links, escapes; anything else is text. `open`:
 * the text is still being written, so what is opened and not yet closed runs to its end.
 */
function inline(out: Builder, s: string, open = false): void {
  let i = 0;
  let plain = "";
  const flush = () => {
    if (plain) out.add(plain);
    plain = "";
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length && /[\\`*_~[\]()#>|!-]/.test(s[i + 1]!)) {
      plain += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(s.slice(i))![0];
      let close = s.indexOf(run, i + run.length);
      if (close < 0 && open && s.length > i + run.length) close = s.length;
      if (close > i + run.length) {
        flush();
        const code = s.slice(i + run.length, close);
        out.span("code", () =>
          out.add(code.length > 2 && code.startsWith(" ") && code.endsWith(" ") ? code.slice(1, -1) : code),
        );
        i = close + run.length;
        continue;
      }
      plain += run;
      i += run.length;
      continue;
    }
    if (c === "<") {
      const br = /^<br\s*\/?>/i.exec(s.slice(i));
      if (br) {
        plain += "\n";
        i += br[0].length;
        continue;
      }
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(s.slice(i));
      if (auto) {
        flush();
        out.span("link", () => out.add(auto[1]!), { url: auto[1]! });
        i += auto[0].length;
        continue;
      }
    }
    if (c === "[") {
      const link = linkAt(s, i);
      if (link) {
        flush();
        if (SAFE_URL.test(link.url)) out.span("link", () => inline(out, link.label), { url: link.url });
        else inline(out, link.label);
        i = link.end;
        continue;
      }
      // A link still being written: its label, without the brackets and the address so far.
      const writing = open ? /^\[([^\]]*)(?:\](?:\([^)]*)?)?$/.exec(s.slice(i)) : null;
      if (writing) {
        flush();
        inline(out, writing[1]!, open);
        break;
      }
    }
    const pair = s.startsWith("**", i) || s.startsWith("__", i) ? s.slice(i, i + 2) : s.startsWith("~~", i) ? "~~" : "";
    if (pair) {
      let close = closing(s, pair, i + 2);
      if (close < 0 && open && !/\s/.test(s[i + 2] ?? "")) close = s.length;
      if (close > 0) {
        flush();
        out.span(pair === "~~" ? "strike" : "bold", () => inline(out, s.slice(i + 2, close), open));
        i = close + 2;
        continue;
      }
    }
    if ((c === "*" || c === "_") && !pair && opensEmphasis(s, i)) {
      let close = closing(s, c, i + 1);
      if (close < 0 && open) close = s.length;
      if (close > 0) {
        flush();
        out.span("italic", () => inline(out, s.slice(i + 1, close), open));
        i = close + 1;
        continue;
      }
    }
    // The first half of a marker still being written is not shown.
    if (!(open && i === s.length - 1 && "*_~`".includes(c))) plain += c;
    i += 1;
  }
  flush();
}

/** `_` opens emphasis only at a word's start (snake_case and file_names stay as written); `*` before a non-space. */
function opensEmphasis(s: string, i: number): boolean {
  const next = s[i + 1];
  if (next === undefined || /\s/.test(next)) return false;
  // 2*3*4 is arithmetic, not emphasis.
  if (s[i] === "*") return !(/\d/.test(s[i - 1] ?? "") && /\d/.test(next));
  return !/[\p{L}\p{N}]/u.test(s[i - 1] ?? " ");
}

/** Where `marker` closes a span opened just before `from`: after non-space content, not inside a code span. */
function closing(s: string, marker: string, from: number): number {
  if (from >= s.length || /\s/.test(s[from]!)) return -1;
  for (let at = s.indexOf(marker, from + 1); at > 0; at = s.indexOf(marker, at + 1)) {
    if (/\s/.test(s[at - 1]!) || s[at - 1] === "\\") continue;
    // A single marker must not be half of a double one, and `_` closes only at a word's end.
    if (marker.length === 1 && (s[at + 1] === marker || s[at - 1] === marker)) continue;
    if (marker === "_" && /[\p{L}\p{N}]/u.test(s[at + 1] ?? " ")) continue;
    const between = s.slice(from, at);
    if ((between.match(/`/g)?.length ?? 0) % 2 === 1) continue;
    return at;
  }
  return -1;
}

/** `[label](url)` or `[label](url "title")` at `i`. */
function linkAt(s: string, i: number): { label: string; url: string; end: number } | undefined {
  let depth = 0;
  let j = i;
  for (; j < s.length; j++) {
    if (s[j] === "\\") j += 1;
    else if (s[j] === "[") depth += 1;
    else if (s[j] === "]" && --depth === 0) break;
  }
  if (j >= s.length || s[j + 1] !== "(") return undefined;
  const m = /^\(\s*<?([^\s()<>]+(?:\([^\s()]*\))?[^\s()<>]*)>?(?:\s+"[^"]*")?\s*\)/.exec(s.slice(j + 1));
  if (!m) return undefined;
  const label = s.slice(i + 1, j);
  return label ? { label, url: m[1]!, end: j + 1 + m[0].length } : undefined;
}

function isFenceClose(line: string, marker: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return !!m && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}

function isTableRow(line: string): boolean {
  return /^\s*\|.*\|\s*$/.test(line) || (line.includes("|") && /\S\s*\|\s*\S/.test(line));
}

function isTableRule(line: string): boolean {
  return /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(line);
}

function cells(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "");
  return inner.split(/(?<!\\)\|/).map((c) => plainText(c.trim().replace(/\\\|/g, "|")));
}

/**
 * A table, readable on a phone: a narrow one as aligned monospace columns; a wider one row by row,
 * the first cell in bold and each other cell under its column's name.
 */
function table(out: Builder, rows: string[][]): void {
  const [head = [], ...body] = rows;
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  if (widths.reduce((a, b) => a + b, 0) + 2 * (columns - 1) <= NARROW_TABLE) {
    const line = (r: string[]) =>
      widths
        .map((w, c) => (r[c] ?? "").padEnd(w))
        .join("  ")
        .trimEnd();
    const rule = widths.map((w) => "─".repeat(w)).join("  ");
    out.span("pre", () => out.add([line(head), rule, ...body.map(line)].join("\n")));
    return;
  }
  body.forEach((row, r) => {
    if (r > 0) out.add("\n\n");
    out.span("bold", () => out.add(row[0] || "—"));
    for (let c = 1; c < columns; c++) {
      const value = row[c] ?? "";
      if (value) out.add(`\n${head[c] ? `${head[c]}: ` : ""}${value}`);
    }
  });
}
