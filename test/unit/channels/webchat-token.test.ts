import { describe, expect, it } from "vitest";
import { readWebChatToken, signWebChatToken } from "../../../edge/channels/webchat/token.js";

const secret = "unit-chat-token-secret-0123456789abcdef";
const claims = { c: "conversation", r: "eu", exp: 2_000_000_000 };
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("web chat tokens", () => {
  it("reads the token it signed", async () => {
    expect(await readWebChatToken(secret, await signWebChatToken(secret, claims))).toEqual(claims);
  });

  it("refuses a respelling of the signature that decodes to the same bytes", async () => {
    const token = await signWebChatToken(secret, claims);
    // 32 signature bytes in 43 characters: the last one carries 2 unused bits, so 3 other characters decode alike.
    const last = B64URL.indexOf(token.at(-1)!);
    const twins = [1, 2, 3].map((bits) => token.slice(0, -1) + B64URL[last ^ bits]);
    for (const twin of twins) expect(await readWebChatToken(secret, twin)).toBeUndefined();
  });

  it("refuses a token signed with another secret, or cut short", async () => {
    const token = await signWebChatToken("another-secret-0123456789abcdef-xyz", claims);
    expect(await readWebChatToken(secret, token)).toBeUndefined();
    expect(await readWebChatToken(secret, token.slice(0, -1))).toBeUndefined();
  });
});
