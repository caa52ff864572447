import fc from "fast-check";
import { _iterSSEMessages } from "openai/streaming";
import { describe, expect, it } from "vitest";
import { EventStreamReader, type ServerSentEvent } from "../../../edge/core/event-stream.js";

const encode = (text: string) => new TextEncoder().encode(text);

/** Everything the reader hands on for a body arriving in these pieces. */
function read(pieces: Uint8Array[]): ServerSentEvent[] {
  const reader = new EventStreamReader();
  return [...pieces.flatMap((p) => reader.push(p)), ...reader.end()];
}

/** Cuts bytes at the given offsets (a UTF-8 character may be cut in two, as the network does). */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(from, p));
    from = p;
  }
  return out;
}

/** What the openai SDK's own parser makes of the same body. */
async function sdkRead(pieces: Uint8Array[]): Promise<ServerSentEvent[]> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
  const out: ServerSentEvent[] = [];
  for await (const sse of _iterSSEMessages({ body } as Response, new AbortController()))
    out.push({ event: sse.event ?? undefined, data: sse.data });
  return out;
}

describe("EventStreamReader", () => {
  it("hands on each event's data as the origin streams it", () => {
    const body =
      'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n';
    expect(read([encode(body)]).map((e) => e.data)).toEqual([
      '{"choices":[{"delta":{"content":"Hel"}}]}',
      '{"choices":[{"delta":{"content":"lo"}}]}',
      "[DONE]",
    ]);
  });

  it("joins an event's data lines, keeps its name and skips comments and other fields", () => {
    const body = ": keep-alive\n\nevent: error\ndata: first\ndata:second\nid: 7\nretry: 10\n\n";
    expect(read([encode(body)])).toEqual([{ event: "error", data: "first\nsecond" }]);
  });

  it("reads CRLF and CR line ends, also when a CRLF is cut between two network chunks", () => {
    expect(read([encode("data: a\r\n\r\ndata: b\r\rdata: c\r")])).toEqual([
      { event: undefined, data: "a" },
      { event: undefined, data: "b" },
      { event: undefined, data: "c" },
    ]);
    expect(read([encode("data: a\r"), encode("\n\r"), encode("\ndata: b\n\n")]).map((e) => e.data)).toEqual(["a", "b"]);
  });

  it("keeps a character whose UTF-8 bytes arrive in two chunks", () => {
    const bytes = encode("data: Grüße 👋\n\n");
    const at = bytes.indexOf(0xf0) + 2; // inside the emoji
    expect(read([bytes.slice(0, at), bytes.slice(at)])).toEqual([{ event: undefined, data: "Grüße 👋" }]);
  });

  it("hands on a last event the origin ended without its blank line", () => {
    expect(read([encode("data: one\n\ndata: two")]).map((e) => e.data)).toEqual(["one", "two"]);
  });

  it("reads any stream of events, cut anywhere, as the openai SDK's parser does", async () => {
    const text = fc.string({ unit: fc.constantFrom("a", "é", "😀", " ", ":", "{", "}", '"', "x", "1") });
    const event = fc.record({
      event: fc.option(fc.stringMatching(/^[a-z.]{1,8}$/), { nil: undefined }),
      data: fc.array(text, { minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (events, eol, comments, at) => {
          const body = events
            .map(
              (e) =>
                [
                  ...(comments ? [": ping"] : []),
                  ...(e.event ? [`event: ${e.event}`] : []),
                  ...e.data.map((d) => `data: ${d}`),
                  "",
                ].join(eol) + eol,
            )
            .join("");
          const pieces = cut(encode(body), at);
          const expected = events.map((e) => ({ event: e.event, data: e.data.join("\n") }));
          const mine = read(pieces);
          expect(mine).toEqual(expected);
          expect(mine).toEqual(await sdkRead(pieces));
        },
      ),
      { numRuns: 500 },
    );
  });
});
