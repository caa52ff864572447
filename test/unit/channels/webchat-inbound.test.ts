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

describe("a message frame's language", () => {
  const read = (frame: unknown, declared?: string) => parseFrame(frame, "c0nversation", "eu", COMMAND_NAMES, declared);

  it("is the browser's (navigator.language), on the message the room hands the pipeline", () => {
    expect(read({ type: "message", text: "ok", lang: "de-DE" }).lang).toBe("de-DE");
    expect(read({ type: "message", text: "/help", lang: "fr" })).toMatchObject({
      lang: "fr",
      content: { kind: "command" },
    });
  });

  it("is what the socket declared before when the frame names none, and none at all without either", () => {
    expect(read({ type: "message", text: "ok" }, "de").lang).toBe("de");
    expect(read({ type: "message", text: "ok", lang: "it-IT" }, "de").lang).toBe("it-IT");
    expect(read({ type: "message", text: "ok" })).not.toHaveProperty("lang");
  });

  it.each(["", "deutsch!", "de_DE", "x".repeat(36), 42])("refuses %j as a bad frame", (lang) => {
    try {
      read({ type: "message", text: "ok", lang });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedPayload);
      expect((err as MalformedPayload).code).toBe("bad_frame");
      expect((err as MalformedPayload).message).toMatch(/lang/);
    }
  });
});
