import { parseMarkdown, spanTree, type SpanKind, type SpanNode } from "../../../core/markdown.js";

/**
 * The web chat page's rendering of the model's Markdown, built into the page's script (npm run
 * webchat:client): the same reading of Markdown as Telegram and WhatsApp get, made into elements.
 * Only text nodes and a fixed set of elements are created, never HTML from a string, so nothing in an
 * answer can become markup or script; links are web, mail and phone addresses only, and open in a new
 * tab without access to this page.
 */

/** The part of the DOM this needs (the edge's TypeScript has no DOM library). */
export interface Doc {
  createElement(tag: string): Element;
  createTextNode(text: string): object;
}
interface Element {
  appendChild(node: object): object;
  setAttribute(name: string, value: string): void;
  replaceChildren(...nodes: object[]): void;
}

const TAG: Record<SpanKind, string> = {
  bold: "strong",
  italic: "em",
  strike: "s",
  code: "code",
  pre: "pre",
  link: "a",
  quote: "blockquote",
};

/** Replaces `target`'s content with `markdown` rendered; `partial` while the answer is still streaming. */
export function renderMarkdown(doc: Doc, target: Element, markdown: string, partial = false): void {
  const formatted = parseMarkdown(markdown, { partial });
  const { text } = formatted;
  const build = (node: SpanNode, into: Element) => {
    let at = node.start;
    for (const child of node.children) {
      if (child.start > at) into.appendChild(doc.createTextNode(text.slice(at, child.start)));
      const span = child.span!;
      const el = doc.createElement(TAG[span.kind]);
      if (span.kind === "link" && span.url) {
        el.setAttribute("href", span.url);
        el.setAttribute("target", "_blank");
        el.setAttribute("rel", "noopener noreferrer nofollow");
      }
      if (span.kind === "pre") {
        const code = doc.createElement("code");
        build(child, code);
        el.appendChild(code);
      } else build(child, el);
      into.appendChild(el);
      at = child.end;
    }
    if (node.end > at) into.appendChild(doc.createTextNode(text.slice(at, node.end)));
  };
  target.replaceChildren();
  build(spanTree(formatted), target);
}
