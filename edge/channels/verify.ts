/**
 * Compares a secret the caller sent with the expected one in constant time. Both are hashed first so
 * that neither their contents nor their lengths show in the timing.
 */
export async function secretsEqual(given: string | null | undefined, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given ?? "")),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b) && given !== null && given !== undefined;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * Checks a `sha256=<hex>` signature (Meta's X-Hub-Signature-256) of the raw body. WebCrypto's HMAC
 * verify compares in constant time; the imported key is kept per isolate.
 */
export async function hmacSha256Matches(secret: string, body: ArrayBuffer, header: string | null): Promise<boolean> {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header ?? "");
  if (!m) return false;
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  const signature = new Uint8Array(32);
  for (let i = 0; i < 32; i++) signature[i] = parseInt(m[1]!.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.verify("HMAC", await key, signature, body);
}
