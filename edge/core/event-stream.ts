/**
 * Reads a server-sent event stream (text/event-stream, as the HTML standard defines it) and hands on
 * each event's data. The origin's answer arrives this way, one event per token, so this runs for every
 * token of every answer: it decodes each network chunk once, cuts lines with indexOf, and returns the
 * events a chunk completes as a plain array (no promise per event).
 *
 * Kept from the format: `data` fields (several in one event are joined with "\n"), the `event` name,
 * comment lines (":…") and other fields ignored, CRLF / LF / CR line ends, one optional space after the
 * colon, a last event without its blank line at the end of the stream.
 */
export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

export class EventStreamReader {
  private readonly decoder = new TextDecoder();
  /** Text received after the last complete line. */
  private rest = "";
  /** A chunk ended in CR: an LF starting the next one belongs to that line end. */
  private afterCR = false;
  private data: string[] = [];
  private event: string | undefined;

  /** The events this piece of the body completes, in order. */
  push(bytes: Uint8Array): ServerSentEvent[] {
    return this.lines(this.decoder.decode(bytes, { stream: true }), false);
  }

  /** The end of the body: a last line and event left unterminated still count. */
  end(): ServerSentEvent[] {
    return this.lines(this.decoder.decode(), true);
  }

  private lines(text: string, last: boolean): ServerSentEvent[] {
    const out: ServerSentEvent[] = [];
    if (this.afterCR && text.startsWith("\n")) text = text.slice(1);
    this.afterCR = false;
    let buffer = this.rest + text;
    let start = 0;
    // CR alone also ends a line; searched again only once passed (most streams have none).
    let cr = buffer.indexOf("\r");
    for (;;) {
      let end = buffer.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf("\r", start);
      if (cr !== -1 && (end === -1 || cr < end)) end = cr;
      if (end === -1) break;
      this.line(buffer.slice(start, end), out);
      if (buffer.charCodeAt(end) === 13) {
        if (end + 1 === buffer.length) this.afterCR = true;
        else if (buffer.charCodeAt(end + 1) === 10) end += 1;
      }
      start = end + 1;
    }
    buffer = buffer.slice(start);
    if (last) {
      if (buffer) this.line(buffer, out);
      this.line("", out);
      buffer = "";
    }
    this.rest = buffer;
    return out;
  }

  private line(line: string, out: ServerSentEvent[]): void {
    if (line === "") {
      if (this.data.length) out.push({ event: this.event, data: this.data.join("\n") });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" a comment
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}
