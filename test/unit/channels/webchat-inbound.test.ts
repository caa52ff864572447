import { describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../../edge/commands/index.js";
import { closingCode, parseFrame } from "../../../edge/channels/webchat/inbound.js";
import { MalformedPayload } from "../../../edge/errors.js";

describe("web chat close handshake", () => {
  it("answers a close with the client's own code where one may be sent, and with 1000 for the reserved ones", () => {
    expect([1000, 1001, 1008, 3000, 4999].map(closingCode)).toEqual([1000, 1001, 1008, 3000, 4999]);
    // 1005: closed without a code; 1006: the connection dropped (an abrupt close); never sent back.
    expect([1004, 1005, 1006, 1015, 2000, 5000].map(closingCode)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });
});

describe("a feedback frame", () => {
  const read = (frame: unknown) => parseFrame(frame, "c0nversation", "eu", COMMAND_NAMES);

  it("is a reaction, keyed as the conversation's messages are", () => {
    const text = read({ type: "message", text: "hello" });
    for (const value of ["up", "down"] as const) {
      const { content, id, sentAt: _sentAt, ...keys } = read({ type: "feedback", value });
      const { content: _content, id: _id, sentAt: _textSentAt, ...textKeys } = text;
      expect(content).toEqual({ kind: "reaction", value });
      expect(keys).toEqual(textKeys);
      expect(id).toMatch(/^webchat:c0nversation:/);
    }
  });

  it.each([{ type: "feedback" }, { type: "feedback", value: "meh" }, { type: "feedback", value: 1 }])(
    "is refused as a bad frame when its value is not up or down: %j",
    (frame) => {
      expect(() => read(frame)).toThrow(MalformedPayload);
      try {
        read(frame);
      } catch (err) {
        expect((err as MalformedPayload).code).toBe("bad_frame");
      }
    },
  );
});
