import { getEncoding } from "js-tiktoken";
import { describe, expect, it } from "vitest";
import { cacheFriendlyWindow, estimateTokens, messageTokens, type Turn } from "../../../edge/core/token-budget.js";
import { CORPUS } from "../../fixtures/token-corpus.js";

// gpt-oss's o200k_harmony is o200k_base plus control tokens: ordinary text encodes the same.
const o200k = getEncoding("o200k_base");

describe("estimateTokens against o200k_base", () => {
  const rows = Object.entries(CORPUS).map(([name, text]) => ({
    name,
    actual: o200k.encode(text).length,
    estimate: estimateTokens(text),
  }));

  it.each(rows)("$name: never undercounts by more than 5 %", ({ actual, estimate }) => {
    expect(estimate).toBeGreaterThanOrEqual(Math.floor(actual * 0.95));
    expect(estimate).toBeLessThanOrEqual(actual * 2.5);
  });

  it("overcounts the whole corpus by at most 30 %", () => {
    const actual = rows.reduce((s, r) => s + r.actual, 0);
    const estimate = rows.reduce((s, r) => s + r.estimate, 0);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate).toBeLessThanOrEqual(actual * 1.3);
  });

  it("counts nothing for an empty text", () => {
    expect(estimateTokens("")).toBe(0);
  });
});

describe("cacheFriendlyWindow", () => {
  const at = (i: number) => 1_000 + i;
  const history = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      role: (i % 2 ? "assistant" : "user") as Turn["role"],
      content: `turn ${i}`,
      at: at(i),
    }));
  const window = (n: number, coveredUntil = 0) =>
    cacheFriendlyWindow({
      system: "sys",
      history: history(n),
      userText: "q",
      budget: 10_000,
      maxTurns: 10,
      coveredUntil,
    });

  it("keeps the same first turn, message after message, while everything fits", () => {
    const starts = [2, 4, 6, 8, 10].map((n) => window(n).turns[0]?.content);
    expect(new Set(starts)).toEqual(new Set(["turn 0"]));
  });

  it("then moves in one large step, to the newest exchanges within half the turns", () => {
    const w = window(12);
    expect(w.turns.map((t) => t.content)).toEqual(["turn 8", "turn 9", "turn 10", "turn 11"]);
    expect(w.dropped).toBe(8);
  });

  it("starts after what the summary covers, and stays there while it fits", () => {
    // The 8 turns dropped above were summarized: the next prompts start at turn 8 until the window fills again.
    const starts = [14, 16, 18].map((n) => window(n, at(7)).turns[0]?.content);
    expect(starts).toEqual(["turn 8", "turn 8", "turn 8"]);
    expect(window(20, at(7)).turns[0]?.content).not.toBe("turn 8");
  });

  it("keeps question and answer together, and still sends a new message that alone is over budget", () => {
    const long = { role: "user" as const, content: "long ".repeat(5000), at: 1 };
    const w = cacheFriendlyWindow({ system: "sys", history: history(6), userText: long.content, budget: 100 });
    expect(w.turns).toEqual([]);
    expect(w.dropped).toBe(6);
    const tight = cacheFriendlyWindow({
      system: "sys",
      history: history(6),
      userText: "q",
      budget: 64 + messageTokens("sys") + messageTokens("q") + 2 * (2 * messageTokens("turn 0")) + 1,
    });
    expect(tight.turns.map((t) => t.content)).toEqual(["turn 4", "turn 5"]);
    expect(tight.turns[0]!.role).toBe("user");
  });
});
