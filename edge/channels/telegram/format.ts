import { parseMarkdown, splitFormatted, type Formatted, type SpanKind } from "../../core/markdown.js";
import type { Chunk } from "../../message.js";

/** A Bot API MessageEntity, as sendMessage and sendMessageDraft take them (offsets in UTF-16 code units). */
export interface MessageEntity {
  type: "bold" | "italic" | "strikethrough" | "code" | "pre" | "text_link" | "blockquote";
  offset: number;
  length: number;
  url?: string;
  language?: string;
}

const ENTITY: Record<SpanKind, MessageEntity["type"]> = {
  bold: "bold",
  italic: "italic",
  strike: "strikethrough",
  code: "code",
  pre: "pre",
  link: "text_link",
  quote: "blockquote",
};

/**
 * The model's Markdown as Telegram messages: text plus entities (never parse_mode: entities cannot
 * fail to parse, and nothing in the text is taken for markup), each message within the limit, with
 * a code block cut by the limit a code block in every message. `partial`: an answer still being
 * written (a draft).
 */
export function telegramChunks(markdown: string, limit: number, options: { partial?: boolean } = {}): Chunk[] {
  return splitFormatted(parseMarkdown(markdown, options), limit).map((part) => ({
    text: part.text,
    spans: part.spans,
  }));
}

export function entitiesOf(formatted: Formatted): MessageEntity[] {
  // Telegram links only web addresses; an e-mail address or a phone number it recognises by itself.
  const linkable = (s: Formatted["spans"][number]) => s.kind !== "link" || /^https?:\/\//i.test(s.url ?? "");
  return formatted.spans.filter(linkable).map((s) => ({
    type: ENTITY[s.kind],
    offset: s.start,
    length: s.end - s.start,
    ...(s.kind === "link" && s.url ? { url: s.url } : {}),
    ...(s.kind === "pre" && s.language ? { language: s.language } : {}),
  }));
}
