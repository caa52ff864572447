/**
 * Language tags as clients give them: a declared language (a browser's navigator.language, an API
 * request's `lang`) is checked here, and an Accept-Language header is read for the best of the
 * languages on offer. Pure functions over strings, like the catalog beside them.
 */

/** The longest language tag taken: RFC 5646 (4.4.1) asks that at least 35 characters be kept. */
export const LANGUAGE_TAG_MAX_CHARS = 35;

/**
 * A well-formed BCP 47 language tag (RFC 5646, 2.1: language, extlang, script, region, variants,
 * extensions, private use), such as `de`, `de-DE`, `pt-BR`, `zh-Hant-TW` or `sr-Latn-RS`. The
 * grandfathered tags and a private use tag alone (`x-…`) are not taken: no client declares them.
 */
export const LANGUAGE_TAG =
  /^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*(?:-[A-WY-Za-wy-z\d](?:-[A-Za-z\d]{2,8})+)*(?:-[Xx](?:-[A-Za-z\d]{1,8})+)?$/;

/**
 * The first of `among` (primary language subtags: "en", "de"…) the person prefers, by the quality
 * values of their Accept-Language header (`de-DE,de;q=0.9,en;q=0.8`), in the order given where they
 * tie; undefined when the header names none of them.
 */
export function preferredLanguage(
  acceptLanguage: string | null | undefined,
  among: readonly string[],
): string | undefined {
  if (!acceptLanguage) return undefined;
  const ranges = acceptLanguage
    .slice(0, 1024)
    .split(",")
    .map((part, index) => {
      const [range = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: range.trim().split("-")[0]!.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0 && among.includes(r.lang))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranges[0]?.lang;
}
