import { hmacKey } from "../../crypto.js";

/**
 * Web chat session tokens: `v1.<claims, base64url JSON>.<HMAC-SHA256, base64url>`, signed with
 * WEBCHAT_TOKEN_SECRET. The claims say which conversation the browser holds and which region it lives in;
 * a forged or altered token fails the signature check, an expired one opens no socket but can be
 * traded for a fresh token of the same conversation (within WEBCHAT_RESUME_WINDOW_SECONDS).
 */
export interface WebChatClaims {
  /** Conversation id: 128 random bits. */
  c: string;
  /** Region of the conversation, fixed when it started. */
  r: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export async function signWebChatToken(secret: string, claims: WebChatClaims): Promise<string> {
  const body = b64url(new TextEncoder().encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(`v1.${body}`));
  return `v1.${body}.${b64url(new Uint8Array(signature))}`;
}

/** The claims of a genuine token (expired or not), or undefined for anything forged or malformed. */
export async function readWebChatToken(
  secret: string,
  token: string | null | undefined,
): Promise<WebChatClaims | undefined> {
  const m = /^v1\.([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/.exec(token ?? "");
  if (!m) return undefined;
  const signature = fromB64url(m[2]!);
  if (!signature) return undefined;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    new TextEncoder().encode(`v1.${m[1]}`),
  );
  if (!ok) return undefined;
  try {
    const payload = fromB64url(m[1]!);
    if (!payload) return undefined;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<WebChatClaims>;
    if (typeof claims.c !== "string" || typeof claims.r !== "string" || typeof claims.exp !== "number")
      return undefined;
    return { c: claims.c, r: claims.r, exp: claims.exp };
  } catch {
    return undefined;
  }
}

export function newConversationId(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
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
