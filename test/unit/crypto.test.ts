import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createPseudonyms } from "../../edge/crypto.js";
import { ref, useRefKey } from "../../edge/log.js";

/**
 * Every name derived from a person's id (storage keys, Durable Object names, log references) is a
 * keyed hash: without KEY_SECRET, hashing candidate phone numbers finds nothing.
 */
const number = "4915112345678";
const userKey = `whatsapp:106540352242922:${number}`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("pseudonyms", () => {
  it("are 128-bit hex, differ by key, and are not an unkeyed hash of the id", () => {
    const a = createPseudonyms("a".repeat(40));
    const b = createPseudonyms("b".repeat(40));
    expect(a.of(userKey)).toMatch(/^[0-9a-f]{32}$/);
    expect(a.of(userKey)).toBe(a.of(userKey));
    expect(a.of(userKey)).not.toBe(b.of(userKey));
    expect(sha256(userKey)).not.toContain(a.of(userKey));
  });

  it("make log references that only the key can recompute", () => {
    const wamid = `wamid.HBgN${number}FQIAEhgUM0VCMDc5`;
    useRefKey("first-key-first-key-first-key-0123");
    const first = ref(wamid);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(ref(wamid)).toBe(first);
    expect(sha256(wamid)).not.toContain(first);
    useRefKey("other-key-other-key-other-key-0123");
    expect(ref(wamid)).not.toBe(first);
  });
});
