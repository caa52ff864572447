import { describe, expect, it } from "vitest";
import { splitMessage } from "../../../edge/core/split-message.js";

const LIMIT = 4096;

function fencesBalanced(chunk: string): boolean {
  return (chunk.match(/^\s*```/gm) ?? []).length % 2 === 0;
}

describe("splitMessage", () => {
  it.each([
    ["short text stays whole", "Hello there.", 100, ["Hello there."]],
    ["surrounding whitespace is trimmed", "  hi \n", 100, ["hi"]],
    ["empty reply gives no chunk", "   ", 100, []],
  ])("%s", (_name, text, limit, expected) => {
    expect(splitMessage(text, limit)).toEqual(expected);
  });

  it("keeps every chunk under the limit and loses no word", () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`);
    const text = words.join(" ");
    const chunks = splitMessage(text, LIMIT);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(LIMIT);
    expect(chunks.join(" ").split(/\s+/)).toEqual(words);
  });

  it("prefers a paragraph break to a line break, and a line break to a space", () => {
    const para = `${"a ".repeat(40).trim()}\n\n${"b ".repeat(40).trim()}`;
    expect(splitMessage(para, 100)).toEqual(["a ".repeat(40).trim(), "b ".repeat(40).trim()]);
    const lines = `${"c ".repeat(30).trim()}\n${"d ".repeat(30).trim()}`;
    expect(splitMessage(lines, 80)).toEqual(["c ".repeat(30).trim(), "d ".repeat(30).trim()]);
  });

  it("ends a chunk after a sentence rather than mid-sentence", () => {
    const text = `${"First sentence is here. ".repeat(3)}${"second part without a stop ".repeat(3)}`;
    const [first] = splitMessage(text, 100);
    expect(first?.endsWith(".")).toBe(true);
  });

  it("cuts a word only when it alone exceeds the limit", () => {
    const chunks = splitMessage("x".repeat(250), 100);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
  });

  it("never cuts a surrogate pair", () => {
    const chunks = splitMessage("😀".repeat(100), 51);
    for (const c of chunks) expect(c).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
    expect(chunks.join("")).toBe("😀".repeat(100));
  });

  it("closes and reopens a code block cut in two, with its language", () => {
    const code = Array.from({ length: 300 }, (_, i) => `  const value${i} = compute(${i});`).join("\n");
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const chunks = splitMessage(text, LIMIT);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(LIMIT);
      expect(fencesBalanced(c)).toBe(true);
    }
    expect(chunks[1]?.startsWith("```ts\n")).toBe(true);
    expect(chunks.at(-1)?.endsWith("That is all.")).toBe(true);
    // Every line of code arrives exactly once.
    const lines = chunks
      .join("\n")
      .split("\n")
      .filter((l) => l.includes("const value"));
    expect(lines).toHaveLength(300);
  });

  it("rejects a limit too small to hold a fence", () => {
    expect(() => splitMessage("abc", 10)).toThrow(RangeError);
  });
});
