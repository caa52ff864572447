import { createHmac } from "node:crypto";

/**
 * The cryptography more than one part of the edge uses: imported HMAC keys (kept per isolate:
 * importing costs more than signing), constant-time comparisons, and keyed pseudonyms.
 */
const encoder = new TextEncoder();

const hmacKeys = new Map<string, CryptoKey>();

/**
 * The HMAC-SHA256 key of `secret`, imported once per isolate. The key itself is kept, never the
 * promise of it: a promise shared between requests settles in the context of the one that made it.
 */
export async function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * Compares a secret the caller sent with the expected one in constant time. Both are hashed first so
 * that neither their contents nor their lengths show in the timing.
 */
export async function secretsEqual(given: string | null | undefined, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given ?? "")),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // Every byte is looked at, whatever the first difference: the time says nothing of where it is.
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0 && given !== null && given !== undefined;
}

/**
 * Checks a `sha256=<hex>` signature (Meta's X-Hub-Signature-256) of the raw body. WebCrypto's HMAC
 * verify compares in constant time.
 */
export async function hmacSha256Matches(secret: string, body: ArrayBuffer, header: string | null): Promise<boolean> {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header ?? "");
  if (!m) return false;
  const signature = new Uint8Array(32);
  for (let i = 0; i < 32; i++) signature[i] = parseInt(m[1]!.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, body);
}

/**
 * Keyed pseudonyms of user, chat and message ids: HMAC-SHA256 under the KEY_SECRET setting, 128 bits
 * in hex. Every storage key, Durable Object name and log reference derived from such an id goes
 * through one, so none can be turned back into a phone number or user id by trying candidates
 * without the secret, and no id's keys are a prefix of another's (hex has no separator in it).
 */
export interface Pseudonyms {
  of(id: string): string;
  /** The same id's pseudonym under KEY_SECRET_PREVIOUS, while a rotation is under way. */
  previous?(id: string): string;
}

export function createPseudonyms(secret: string, previousSecret?: string): Pseudonyms {
  const under = (key: string) => (id: string) => createHmac("sha256", key).update(id).digest("hex").slice(0, 32);
  return previousSecret ? { of: under(secret), previous: under(previousSecret) } : { of: under(secret) };
}
