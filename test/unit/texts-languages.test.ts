import { describe, expect, it } from "vitest";
import { LanguageTag } from "../../edge/channels/language-tag.js";
import { preferredLanguage } from "../../edge/texts/languages.js";

describe("a declared language tag", () => {
  it.each([
    "de",
    "de-DE",
    "en-US",
    "pt-BR",
    "es-419",
    "zh-Hant-TW",
    "sr-Latn-RS",
    "de-CH-1996",
    "en-US-u-ca-gregory",
    "de-DE-x-phonebk",
    "zh-yue-HK",
    "a".repeat(2) + "-" + "b".repeat(8) + "-" + "c".repeat(8) + "-" + "d".repeat(8) + "-" + "e".repeat(5), // 35
  ])("takes the well-formed BCP 47 tag %s", (tag) => {
    expect(LanguageTag.safeParse(tag).success).toBe(true);
  });

  it.each([
    "",
    "d",
    "german!",
    "de_DE",
    "de-",
    "-de",
    "de--DE",
    "de DE",
    "de-DE-",
    "x-private",
    "en-US-u",
    "123",
    "de-<script>",
    "aa-bbbbbbbb-cccccccc-dddddddd-eeeeee", // 36 characters
  ])("refuses %j", (tag) => {
    expect(LanguageTag.safeParse(tag).success).toBe(false);
  });
});

describe("the language an Accept-Language header prefers", () => {
  const among = ["en", "de", "fr", "ja"];

  it.each([
    ["de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"],
    ["en-US,en;q=0.9", "en"],
    ["ru-RU, fr;q=0.4, de;q=0.3", "fr"],
    ["de;q=0.5, ja;q=0.8", "ja"],
    ["FR-ca", "fr"],
    ["de, fr", "de"],
    ["fr;q=0.7, de;q=0.7", "fr"],
    ["de;q=0, en;q=0.1", "en"],
    ["*", undefined],
    ["ru, zh-CN;q=0.9", undefined],
    ["", undefined],
    [null, undefined],
    [";;;,,,q=2,de;q=abc", "de"],
  ])("%j: %s", (header, lang) => {
    expect(preferredLanguage(header, among)).toBe(lang);
  });
});
