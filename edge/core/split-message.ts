/**
 * Splits a reply into chunks that each fit a platform's text limit.
 *
 * Cut points are chosen from the most to the least natural: a paragraph break, a line break, the
 * end of a sentence, a space. A word is cut only when it alone is longer than the limit. A chunk
 * that ends inside a fenced code block is closed with a fence and the next chunk reopens it with the
 * same info string, so each message renders on its own. Lengths are UTF-16 code units, which is how
 * Telegram and WhatsApp count, and a surrogate pair is never cut in half.
 *
 * @example
 * splitMessage("a ".repeat(5000), TELEGRAM_TEXT_LIMIT) // two chunks, each ≤ 4096
 */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 32) throw new RangeError(`limit must be at least 32, got ${limit}`);
  const chunks: string[] = [];
  let rest = text.trim();
  let reopen = ""; // fence line to reopen at the start of the next chunk, "" when outside code
  while (rest.length > 0) {
    const prefix = reopen ? `${reopen}\n` : "";
    if (prefix.length + rest.length <= limit) {
      chunks.push(prefix + rest);
      break;
    }
    let cut = findCut(rest, limit - prefix.length);
    let open = openFenceAfter(reopen, rest.slice(0, cut));
    if (open) {
      // The cut lands inside a code block: make room for the fence that closes it.
      cut = findCut(rest, limit - prefix.length - FENCE_CLOSE.length);
      open = openFenceAfter(reopen, rest.slice(0, cut));
    }
    let head = rest.slice(0, cut).trimEnd();
    const tail = rest.slice(cut).trimStart();
    if (open) head += FENCE_CLOSE;
    chunks.push(prefix + head);
    reopen = open;
    rest = tail;
  }
  return chunks.filter((c) => c.trim().length > 0);
}

const FENCE_CLOSE = "\n```";
const FENCE_LINE = /^\s*(```+|~~~+)(.*)$/;

/** The fence line still open at the end of `text`, given the one open at its start. */
function openFenceAfter(openAtStart: string, text: string): string {
  let open = openAtStart;
  for (const line of text.split("\n")) {
    const m = FENCE_LINE.exec(line);
    if (!m) continue;
    open = open ? "" : line.trim();
  }
  return open;
}

function findCut(text: string, room: number): number {
  const window = text.slice(0, room + 1);
  const candidates: Array<[RegExp, number]> = [
    [/\n\s*\n/g, 0],
    [/\n/g, 0],
    [/[.!?…。！？](?=\s)/g, 1],
    [/\s/g, 0],
  ];
  for (const [pattern, keep] of candidates) {
    let best = -1;
    for (const m of window.matchAll(pattern)) {
      const at = m.index + keep;
      // A cut too early would waste most of a message: take it only past a third of the room.
      if (at > room / 3 && at <= room) best = at;
    }
    if (best > 0) return best;
  }
  let hard = room;
  const code = text.charCodeAt(hard - 1);
  if (code >= 0xd800 && code <= 0xdbff) hard -= 1; // keep a surrogate pair together
  return hard;
}
