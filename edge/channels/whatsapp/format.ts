import { parseMarkdown, spanTree, splitFormatted, type Formatted, type SpanNode } from "../../core/markdown.js";

const MARK = { bold: "*", italic: "_", strike: "~", code: "`" } as const;

/**
 * The model's Markdown in WhatsApp's own markup (`*bold*`, `_italic_`, `~strike~`, `` `code` ``,
 * ``` blocks, `> ` quotes; a link as its text and address), each message within the limit as
 * WhatsApp counts it, markup included.
 */
export function whatsappChunks(markdown: string, limit: number): string[] {
  return splitFormatted(parseMarkdown(markdown), limit, (part) => toWhatsApp(part).length).map(toWhatsApp);
}

function toWhatsApp(formatted: Formatted): string {
  const { text } = formatted;
  const render = (node: SpanNode): string => {
    let inner = "";
    let at = node.start;
    for (const child of node.children) {
      inner += text.slice(at, child.start) + render(child);
      at = child.end;
    }
    inner += text.slice(at, node.end);
    const span = node.span;
    if (!span) return inner;
    switch (span.kind) {
      case "pre":
        return "```" + inner + "```";
      case "quote":
        return inner
          .split("\n")
          .map((line) => `> ${line}`)
          .join("\n");
      case "link": {
        const url = span.url ?? "";
        const bare = url.replace(/^(mailto:|tel:)/, "");
        return inner === url || inner === bare ? inner : `${inner} (${bare})`;
      }
      default: {
        // WhatsApp formats only when the markers touch the words: spaces go outside them.
        const lead = /^\s*/.exec(inner)![0];
        const trail = /\s*$/.exec(inner.slice(lead.length))![0];
        const core = inner.slice(lead.length, inner.length - trail.length);
        if (!core) return inner;
        // Markup inside inline code is not markup: its characters are shown as they are.
        const mark = MARK[span.kind];
        return `${lead}${mark}${core}${mark}${trail}`;
      }
    }
  };
  return render(spanTree(formatted));
}
