import { getEncoding } from "js-tiktoken";
import { describe, expect, it } from "vitest";
import {
  cacheFriendlyWindow,
  estimateTokens,
  fitWindow,
  messageTokens,
  type Turn,
} from "../../../edge/core/token-budget.js";
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

describe("fitWindow", () => {
  const turn = (role: Turn["role"], words: number): Turn => ({ role, content: "word ".repeat(words).trim() });

  it("keeps every turn when they fit", () => {
    const history = [turn("user", 10), turn("assistant", 10)];
    const w = fitWindow({ system: "Be brief.", history, userText: "next", budget: 2048 });
    expect(w.turns).toEqual(history);
    expect(w.dropped).toBe(0);
  });

  it("drops the oldest turns first and keeps question and answer together", () => {
    const history = [turn("user", 300), turn("assistant", 300), turn("user", 300), turn("assistant", 300)];
    const budget = 64 + messageTokens("sys") + messageTokens("q") + 2 * messageTokens(history[0]!.content) + 10;
    const w = fitWindow({ system: "sys", history, userText: "q", budget });
    expect(w.turns).toEqual(history.slice(2));
    expect(w.dropped).toBe(2);
    expect(w.inputTokens).toBeLessThanOrEqual(budget);
  });

  it("still sends the new message when it alone is over budget", () => {
    const w = fitWindow({
      system: "sys",
      history: [turn("user", 5), turn("assistant", 5)],
      userText: "long ".repeat(5000),
      budget: 100,
    });
    expect(w.turns).toEqual([]);
    expect(w.dropped).toBe(2);
  });

  it("honours a cap on the number of turns", () => {
    const history = Array.from({ length: 10 }, (_, i) => turn(i % 2 ? "assistant" : "user", 3));
    const w = fitWindow({ system: "sys", history, userText: "q", budget: 10_000, maxTurns: 4 });
    expect(w.turns).toEqual(history.slice(6));
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
});
