import { describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.js";
import {
  readConnectTicket,
  signConnectTicket,
  signWebChatToken,
  type ConnectTicketClaims,
} from "../../../edge/channels/webchat/token.js";
import { FAKE_SETTINGS, fakeEdge } from "../../support/fake-edge.js";

/**
 * The ticket routes through app.request(), in Node: there is no WebSocketPair here, so a refusal
 * that workerd closes the socket with (4401, 4410) is the HTTP status it stands for (401, 410).
 * test/integration/webchat.test.ts has the close codes, and the room's single use.
 */
const secret = FAKE_SETTINGS.WEBCHAT_TOKEN_SECRET;
const now = () => Math.floor(Date.now() / 1000);
const edge = fakeEdge();
const app = createApp(edge);

/** The room the route hands a socket to: what it was asked. */
function rooms() {
  const asked: Array<{ name: string; headers: Headers }> = [];
  const namespace = {
    jurisdiction: () => namespace,
    idFromName: (name: string) => name,
    get: (name: string) => ({
      fetch: async (request: Request) => {
        asked.push({ name, headers: request.headers });
        return new Response("the room");
      },
    }),
  };
  return { asked, env: { WEBCHAT: namespace } };
}

const postTicket = (token: string, ip = "203.0.113.5") =>
  app.request("/chat/ticket", {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ token }),
  });

const connect = (query: string, env: object, ip = "203.0.113.5") =>
  app.request(`/chat/ws${query}`, { headers: { upgrade: "websocket", "cf-connecting-ip": ip } }, env);

async function ticketOf(conversation: string, ip?: string): Promise<string> {
  const token = await signWebChatToken(secret, { c: conversation, r: "eu", exp: now() + 3600 });
  return ((await (await postTicket(token, ip)).json()) as { ticket: string }).ticket;
}

describe("POST /chat/ticket", () => {
  it("gives a ticket of the token's conversation and region, for seconds, bound to the client's network", async () => {
    const ticket = await ticketOf("conversation-a");
    const claims = (await readConnectTicket(secret, ticket))!;
    expect(claims).toMatchObject({ c: "conversation-a", r: "eu", k: edge.keys.of("net:203.0.113.0/24") });
    expect(claims.exp - now()).toBeGreaterThan(25);
    expect(claims.exp - now()).toBeLessThanOrEqual(30);
    // Each ticket its own nonce.
    expect((await readConnectTicket(secret, await ticketOf("conversation-a")))!.n).not.toBe(claims.n);
  });

  it("refuses an expired or forged token, and a ticket in its place (401)", async () => {
    const expired = await signWebChatToken(secret, { c: "a", r: "eu", exp: now() - 1 });
    const forged = await signWebChatToken("another-secret-0123456789abcdef-xyz", { c: "a", r: "eu", exp: now() + 60 });
    for (const token of [expired, forged, await ticketOf("a")]) expect((await postTicket(token)).status).toBe(401);
  });
});

describe("GET /chat/ws", () => {
  it("hands a fresh ticket's socket to its conversation's room, with the nonce to spend", async () => {
    const { asked, env } = rooms();
    const ticket = await ticketOf("conversation-a");
    const claims = (await readConnectTicket(secret, ticket))!;
    expect(await (await connect(`?ticket=${encodeURIComponent(ticket)}`, env)).text()).toBe("the room");
    expect(asked.map((a) => [a.name, a.headers.get("x-chat-conversation"), a.headers.get("x-chat-ticket")])).toEqual([
      ["conversation-a", "conversation-a", claims.n],
    ]);
  });

  it("refuses a ticket used late, for another conversation, or from another network, and asks no room", async () => {
    const { asked, env } = rooms();
    const claims = (await readConnectTicket(secret, await ticketOf("conversation-a")))!;
    const late = await signConnectTicket(secret, { ...claims, exp: now() - 1 });
    const genuine = await signConnectTicket(secret, claims);
    const otherClaims = Buffer.from(JSON.stringify({ ...claims, c: "conversation-b" } satisfies ConnectTicketClaims));
    const otherConversation = `t1.${otherClaims.toString("base64url")}.${genuine.split(".")[2]}`;
    for (const ticket of [late, otherConversation, "", "t1.e30.AAAA"]) {
      expect((await connect(`?ticket=${encodeURIComponent(ticket)}`, env)).status, ticket).toBe(401);
    }
    expect((await connect(`?ticket=${encodeURIComponent(genuine)}`, env, "198.51.100.1")).status).toBe(401);
    expect(asked).toEqual([]);
  });

  it("answers the former `?token=` URL with 410, without reading the token", async () => {
    const { asked, env } = rooms();
    const token = await signWebChatToken(secret, { c: "a", r: "eu", exp: now() + 3600 });
    const res = await connect(`?token=${encodeURIComponent(token)}`, env);
    expect(res.status).toBe(410);
    expect(await res.text()).not.toContain(token);
    expect(asked).toEqual([]);
  });
});
