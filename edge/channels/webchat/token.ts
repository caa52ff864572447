import * as z from "zod";
import { hmacKey } from "../../crypto.js";
import { WEBCHAT_TICKET_TTL_SECONDS } from "../../limits.js";

/**
 * The web chat's two credentials, both `<kind>.<claims, base64url JSON>.<HMAC-SHA256, base64url>`
 * signed with WEBCHAT_TOKEN_SECRET over `<kind>.<claims>` (so neither can pass for the other):
 *
 * - the session token, `v1.…`: which conversation the browser holds and which region it lives in.
 *   A forged or altered token fails the signature check; an expired one opens no socket but can be
 *   traded for a fresh token of the same conversation (within WEBCHAT_RESUME_WINDOW_SECONDS). It
 *   travels only in request bodies, never in a URL.
 * - the connect ticket, `t1.…`: what the page trades its token for to open one socket
 *   (`/chat/ws?ticket=…`). It lives seconds (WEBCHAT_TICKET_TTL_SECONDS), names one conversation and
 *   the client's network, and its nonce is spent by the conversation's room on first use, so a URL
 *   that some log kept opens nothing.
 */
const WebChatClaims = z.object({
  /** Conversation id: 128 random bits. */
  c: z.string(),
  /** Region of the conversation, fixed when it started. */
  r: z.string(),
  /** Expiry, epoch seconds. */
  exp: z.number(),
});
export type WebChatClaims = z.infer<typeof WebChatClaims>;

const ConnectTicketClaims = WebChatClaims.extend({
  /** Nonce: 128 random bits, spent by the room on the ticket's first use. */
  n: z.string(),
  /** The client's network it was issued to: a keyed pseudonym of its IP address's network. */
  k: z.string(),
});
export type ConnectTicketClaims = z.infer<typeof ConnectTicketClaims>;

export function signWebChatToken(secret: string, claims: WebChatClaims): Promise<string> {
  return sign(secret, "v1", claims);
}

/** The claims of a genuine token (expired or not), or undefined for anything forged or malformed. */
export async function readWebChatToken(
  secret: string,
  token: string | null | undefined,
): Promise<WebChatClaims | undefined> {
  return WebChatClaims.safeParse(await read(secret, "v1", token)).data;
}

export function signConnectTicket(secret: string, claims: ConnectTicketClaims): Promise<string> {
  return sign(secret, "t1", claims);
}

/** The claims of a genuine ticket (expired or not), or undefined for anything forged or malformed. */
export async function readConnectTicket(
  secret: string,
  ticket: string | null | undefined,
): Promise<ConnectTicketClaims | undefined> {
  return ConnectTicketClaims.safeParse(await read(secret, "t1", ticket)).data;
}

/** What spending tickets needs of the room's storage (its DurableObjectStorage, typed by shape). */
export interface SpentTickets {
  list<T>(options: { prefix: string }): Promise<Map<string, T>>;
  put<T>(key: string, value: T): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

/**
 * Spends a ticket's nonce in its conversation's room: true the first time, false ever after (kept
 * `ticket:<nonce>` a little longer than a ticket lives; past that the route refuses it as expired).
 * In the room's storage, not its memory, so an evicted room forgets nothing; the object's input
 * gate lets no other event in between the read and the write.
 */
export async function spendTicket(storage: SpentTickets, nonce: string, now = Date.now()): Promise<boolean> {
  const spent = await storage.list<number>({ prefix: "ticket:" });
  const key = `ticket:${nonce}`;
  if (spent.has(key)) return false;
  await storage.put(key, now + (WEBCHAT_TICKET_TTL_SECONDS + 5) * 1000);
  const gone = [...spent].filter(([, until]) => until <= now).map(([k]) => k);
  if (gone.length) await storage.delete(gone.slice(0, 128)); // at most 128 keys a call
  return true;
}

/** 128 random bits, base64url: a conversation's id, a ticket's nonce. */
export function randomId(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
}

async function sign(secret: string, kind: "v1" | "t1", claims: object): Promise<string> {
  const body = b64url(new TextEncoder().encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    new TextEncoder().encode(`${kind}.${body}`),
  );
  return `${kind}.${body}.${b64url(new Uint8Array(signature))}`;
}

async function read(
  secret: string,
  kind: "v1" | "t1",
  text: string | null | undefined,
): Promise<Record<string, unknown> | undefined> {
  const m = /^(v1|t1)\.([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/.exec(text ?? "");
  if (!m || m[1] !== kind) return undefined;
  const signature = fromB64url(m[3]!);
  if (!signature) return undefined;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    new TextEncoder().encode(`${kind}.${m[2]}`),
  );
  if (!ok) return undefined;
  try {
    const payload = fromB64url(m[2]!);
    if (!payload) return undefined;
    const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The bytes `text` spells, or undefined unless it is their one canonical spelling: base64url's last
 * character can carry unused bits, and a variant that decodes to the same bytes is not what was issued.
 */
function fromB64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 === 1) return undefined;
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  const bytes = Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  return b64url(bytes) === text ? bytes : undefined;
}
