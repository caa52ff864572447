import { describe, expect, it } from "vitest";
import {
  readConnectTicket,
  readWebChatToken,
  signConnectTicket,
  signWebChatToken,
  spendTicket,
  type SpentTickets,
} from "../../../edge/channels/webchat/token.js";

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

describe("connect tickets", () => {
  const ticket = { c: "conversation-a", r: "eu", exp: 2_000_000_000, n: "nonce-1", k: "network-1" };

  it("reads the ticket it signed", async () => {
    expect(await readConnectTicket(secret, await signConnectTicket(secret, ticket))).toEqual(ticket);
  });

  it("never takes a ticket for a session token, nor a session token for a ticket", async () => {
    const asTicket = await signConnectTicket(secret, ticket);
    const asToken = await signWebChatToken(secret, claims);
    expect(await readWebChatToken(secret, asTicket)).toBeUndefined();
    expect(await readConnectTicket(secret, asToken)).toBeUndefined();
    // Relabelled: the kind is under the signature too.
    expect(await readWebChatToken(secret, asTicket.replace(/^t1\./, "v1."))).toBeUndefined();
    expect(await readConnectTicket(secret, asToken.replace(/^v1\./, "t1."))).toBeUndefined();
  });

  it("refuses a ticket whose claims were changed to another conversation", async () => {
    const mine = await signConnectTicket(secret, ticket);
    const other = await signConnectTicket(secret, { ...ticket, c: "conversation-b" });
    const [, otherClaims] = other.split(".");
    const spliced = mine.replace(/^t1\.[^.]+\./, `t1.${otherClaims}.`);
    expect(await readConnectTicket(secret, spliced)).toBeUndefined();
    const rewritten = `t1.${Buffer.from(JSON.stringify({ ...ticket, c: "conversation-b" })).toString("base64url")}.${mine.split(".")[2]}`;
    expect(await readConnectTicket(secret, rewritten)).toBeUndefined();
  });

  it("refuses a ticket short of a claim", async () => {
    const { k: _, ...noNetwork } = ticket;
    const incomplete = await signConnectTicket(secret, noNetwork as typeof ticket);
    expect(await readConnectTicket(secret, incomplete)).toBeUndefined();
  });
});

describe("spending tickets", () => {
  /** A room's storage, in memory. */
  const storage = () => {
    const data = new Map<string, unknown>();
    const store: SpentTickets = {
      list: async <T>({ prefix }: { prefix: string }) =>
        new Map([...data].filter(([k]) => k.startsWith(prefix))) as Map<string, T>,
      put: async (key, value) => void data.set(key, value),
      delete: async (keys) => keys.filter((k) => data.delete(k)).length,
    };
    return { data, store };
  };

  it("lets a ticket be spent once", async () => {
    const { store } = storage();
    const now = 1_000_000;
    expect(await spendTicket(store, "a", now)).toBe(true);
    expect(await spendTicket(store, "a", now + 1000)).toBe(false);
    expect(await spendTicket(store, "a", now + 30_000)).toBe(false);
    expect(await spendTicket(store, "b", now + 1000)).toBe(true);
  });

  it("remembers a nonce longer than its ticket lives, then forgets it", async () => {
    const { data, store } = storage();
    const now = 1_000_000;
    await spendTicket(store, "a", now);
    // Still kept when the ticket expires (30 s): a late second use is refused by the route, as expired.
    await spendTicket(store, "b", now + 30_000);
    expect([...data.keys()]).toEqual(["ticket:a", "ticket:b"]);
    await spendTicket(store, "c", now + 36_000);
    expect([...data.keys()]).toEqual(["ticket:b", "ticket:c"]);
  });
});
