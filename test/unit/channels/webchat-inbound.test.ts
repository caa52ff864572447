import { describe, expect, it } from "vitest";
import { closingCode } from "../../../edge/channels/webchat/inbound.js";

describe("web chat close handshake", () => {
  it("answers a close with the client's own code where one may be sent, and with 1000 for the reserved ones", () => {
    expect([1000, 1001, 1008, 3000, 4999].map(closingCode)).toEqual([1000, 1001, 1008, 3000, 4999]);
    // 1005: closed without a code; 1006: the connection dropped (an abrupt close); never sent back.
    expect([1004, 1005, 1006, 1015, 2000, 5000].map(closingCode)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });
});
