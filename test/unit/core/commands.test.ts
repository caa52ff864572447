import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../edge/core/commands.js";

describe("parseCommand", () => {
  const known = new Set(["start", "help", "reset"]);
  it.each([
    ["/start", undefined, { name: "start", args: "" }],
    ["/help", undefined, { name: "help", args: "" }],
    ["  /reset  ", undefined, { name: "reset", args: "" }],
    ["/RESET", undefined, { name: "reset", args: "" }],
    ["/start promo-42", undefined, { name: "start", args: "promo-42" }],
    ["/reset@ShopBot", "shopbot", { name: "reset", args: "" }],
    ["/reset@OtherBot", "ShopBot", undefined],
    ["/unknown", undefined, undefined],
    ["reset", undefined, undefined],
    ["what does /reset do?", undefined, undefined],
    ["/", undefined, undefined],
  ] as const)("%j (bot %s)", (text, bot, expected) => {
    expect(parseCommand(text, known, bot)).toEqual(expected);
  });
});
