import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMarkdown, splitFormatted, type Formatted } from "../../../edge/core/markdown.js";
import { entitiesOf, telegramChunks } from "../../../edge/channels/telegram/format.js";
import { whatsappChunks } from "../../../edge/channels/whatsapp/format.js";

/** Each span as `kind:covered text`, which is what a user sees formatted. */
const shown = (f: Formatted) => f.spans.map((s) => `${s.kind}:${f.text.slice(s.start, s.end)}`);

/** A reply as gpt-oss writes them for customer service. */
const ANSWER = [
  "## Your order",
  "",
  "**Order A-100** is *on its way* — track it [here](https://track.example/A-100).",
  "",
  "| Item | Qty |",
  "|---|---|",
  "| Mug | 2 |",
  "",
  "- Delivery: ~~Monday~~ Tuesday",
  "- Code: `RET-42`",
  "",
  "```json",
  '{"status": "shipped"}',
  "```",
].join("\n");

describe("the model's Markdown", () => {
  it("is read into text without markers, with spans for what was formatted", () => {
    const f = parseMarkdown(ANSWER);
    expect(f.text).not.toMatch(/\*\*|~~|`|##|\]\(/);
    expect(shown(f)).toEqual([
      "bold:Your order",
      "bold:Order A-100",
      "italic:on its way",
      "link:here",
      "pre:Item  Qty\n────  ───\nMug   2",
      "strike:Monday",
      "code:RET-42",
      'pre:{"status": "shipped"}',
    ]);
    expect(f.text).toContain("• Delivery: Monday Tuesday");
    expect(f.spans.find((s) => s.kind === "link")?.url).toBe("https://track.example/A-100");
    expect(f.spans.find((s) => s.kind === "pre" && s.language)?.language).toBe("json");
  });

  it("leaves what customers type as written: order numbers, snake_case, arithmetic, lone asterisks", () => {
    for (const text of ["Order_ID_2024_77 please", "2*3*4 = 24", "5 * 3", "rate: 4.5*", "my_file_name.txt"]) {
      const f = parseMarkdown(text);
      expect([f.text, f.spans]).toEqual([text, []]);
    }
  });

  it("never makes markup of HTML or unsafe links", () => {
    const f = parseMarkdown('<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror="x">');
    expect(f.text).toBe('<script>alert(1)</script> click <img src=x onerror="x">');
    expect(f.spans).toEqual([]);
  });

  it("shows a wide table row by row, each cell under its column's name", () => {
    const f = parseMarkdown(
      "| Order number | Status of the order | Expected delivery |\n|---|---|---|\n| A-100 | shipped | Monday |",
    );
    expect(f.text).toBe("A-100\nStatus of the order: shipped\nExpected delivery: Monday");
    expect(shown(f)).toEqual(["bold:A-100"]);
  });

  it("splits a long code block into parts that are each a code block", () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i}`).join("\n");
    const parts = splitFormatted(parseMarkdown("Here:\n\n```\n" + code + "\n```\nDone **now**."), 1000);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(1000);
    for (const part of parts.slice(1, -1))
      expect(part.spans).toEqual([{ kind: "pre", start: 0, end: part.text.length }]);
    expect(parts.map((p) => p.text).join("\n")).toContain(code.split("\n").at(-1));
  });

  it("holds together for any input: spans inside the text, nested, and parts within the limit", () => {
    const piece = fc.constantFrom(
      "**",
      "*",
      "_",
      "~~",
      "`",
      "```\n",
      "[a](https://x.example)",
      "\n",
      "\n\n",
      "| a | b |\n|--|--|\n",
      "- ",
      "> ",
      "word ",
      "😀",
      "#",
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, fc.string()), { maxLength: 60 }),
        fc.integer({ min: 32, max: 300 }),
        (pieces, limit) => {
          const f = parseMarkdown(pieces.join(""));
          for (const s of f.spans) {
            expect(s.start).toBeGreaterThanOrEqual(0);
            expect(s.end).toBeLessThanOrEqual(f.text.length);
            expect(s.end).toBeGreaterThan(s.start);
            for (const t of f.spans) {
              const crosses = s.start < t.start && t.start < s.end && s.end < t.end;
              expect(crosses).toBe(false);
            }
          }
          for (const part of splitFormatted(f, limit)) {
            expect(part.text.length).toBeLessThanOrEqual(limit);
            expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(part.text)).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("on Telegram", () => {
  it("goes as entities the Bot API takes, never as literal markers", () => {
    const [chunk] = telegramChunks(ANSWER, 4096);
    expect(chunk!.text).not.toContain("**");
    const entities = entitiesOf({ text: chunk!.text, spans: chunk!.spans ?? [] });
    expect(entities.map((e) => e.type)).toEqual([
      "bold",
      "bold",
      "italic",
      "text_link",
      "pre",
      "strikethrough",
      "code",
      "pre",
    ]);
    const link = entities.find((e) => e.type === "text_link")!;
    expect(chunk!.text.slice(link.offset, link.offset + link.length)).toBe("here");
  });

  it("counts offsets in UTF-16 code units, as Telegram does", () => {
    const [chunk] = telegramChunks("😀 **bold**", 4096);
    expect(entitiesOf({ text: chunk!.text, spans: chunk!.spans ?? [] })).toEqual([
      { type: "bold", offset: 3, length: 4 },
    ]);
  });

  it("links only web addresses (Telegram recognises e-mail addresses and phone numbers itself)", () => {
    const [chunk] = telegramChunks("[write to us](mailto:help@shop.example) or [call](tel:+4930123)", 4096);
    expect(entitiesOf({ text: chunk!.text, spans: chunk!.spans ?? [] })).toEqual([]);
  });
});

describe("on WhatsApp", () => {
  it("goes in WhatsApp's own markup", () => {
    const [text] = whatsappChunks(ANSWER, 4096);
    expect(text).toContain("*Your order*");
    expect(text).toContain("*Order A-100* is _on its way_ — track it here (https://track.example/A-100).");
    expect(text).toContain("• Delivery: ~Monday~ Tuesday");
    expect(text).toContain("`RET-42`");
    expect(text).toContain('```{"status": "shipped"}```');
    expect(text).not.toContain("**");
  });

  it("keeps markers against the words, where WhatsApp formats them", () => {
    expect(whatsappChunks("**bold **and", 4096)).toEqual(["**bold **and"]);
    expect(whatsappChunks("a **b c** d", 4096)).toEqual(["a *b c* d"]);
  });

  it("counts its markup against the limit", () => {
    const text = Array.from({ length: 300 }, (_, i) => `**w${i}**`).join(" ");
    for (const chunk of whatsappChunks(text, 200)) expect(chunk.length).toBeLessThanOrEqual(200);
  });
});

describe("an answer still being written", () => {
  it("never shows a marker that is about to close", () => {
    const growing = [
      "**Order",
      "**Order A-100** is *on",
      "Track [op",
      "Track [open](https://tr",
      "Code `RET",
      "Done *",
    ];
    const seen = growing.map((text) => {
      const f = parseMarkdown(text, { partial: true });
      return [f.text, shown(f)];
    });
    expect(seen).toEqual([
      ["Order", ["bold:Order"]],
      ["Order A-100 is on", ["bold:Order A-100", "italic:on"]],
      ["Track op", []],
      ["Track open", []],
      ["Code RET", ["code:RET"]],
      ["Done", []],
    ]);
  });

  it("keeps finished lines as written", () => {
    expect(parseMarkdown("5 ** 3 is 125\nnext", { partial: true }).text).toBe("5 ** 3 is 125\nnext");
  });
});
