import { renderMarkdown, type Doc } from "./render-markdown.js";

/** The page's global `renderMarkdown(element, markdown, partial)`, bound to its document. */
declare const document: Doc;
declare const globalThis: { renderMarkdown?: unknown };
globalThis.renderMarkdown = (target: Parameters<typeof renderMarkdown>[1], markdown: string, partial?: boolean) =>
  renderMarkdown(document, target, markdown, partial);
