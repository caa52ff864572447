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
