import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FaqUpload } from "../../edge/core/faq-schema.js";
import { faqFromCsv, parseCsv } from "../../scripts/faq-upload.js";

describe("FAQ files", () => {
  it("parses quoted CSV fields with commas, quotes and newlines", () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\n')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"\nthere'],
    ]);
  });

  it("groups rows with the same answer into one entry and splits ' | ' questions", () => {
    const entries = faqFromCsv(readFileSync("infra/faq/example.csv", "utf8"));
    const returns = entries.find((e) => e.answer.startsWith("Use the returns form"));
    expect(returns?.questions).toEqual(["How do I return an item?", "Can I send something back?"]);
    expect(entries.find((e) => e.lang === "de" && e.answer.startsWith("Montag"))?.questions).toEqual([
      "Wann habt ihr geöffnet?",
      "Öffnungszeiten",
    ]);
    // The example is a valid upload body.
    expect(FaqUpload.safeParse({ entries }).success).toBe(true);
  });

  it("names a missing column", () => {
    expect(() => faqFromCsv("lang,question\nen,hi")).toThrow('the CSV has no "answer" column');
  });
});
