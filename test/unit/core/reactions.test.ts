import { describe, expect, it } from "vitest";
import { thumbOf } from "../../../edge/core/reactions.js";

describe("a reaction emoji as a thumb", () => {
  it.each(["👍", "❤", "❤️", "❤‍🔥", "❤️‍🔥", "🔥", "👏", "🙏", "👌", "😍", "🥰", "🎉", "💯", "⚡", "🏆", "🤩"])(
    "%s is up",
    (emoji) => expect(thumbOf(emoji)).toBe("up"),
  );

  it.each(["👎", "💩", "🤮", "😡", "🤬", "😢", "🤡", "🥱", "💔"])("%s is down", (emoji) =>
    expect(thumbOf(emoji)).toBe("down"),
  );

  it.each(["🤔", "😂", "🤣", "😮", "😭", "👀", "🐳", "", " ", "thumbs up", "👍👍"])("%j says neither", (emoji) =>
    expect(thumbOf(emoji)).toBeUndefined(),
  );

  it("reads WhatsApp's skin tones and gendered spellings as the plain emoji", () => {
    expect(["👍🏻", "👍🏽", "👍🏿", "👎🏼", "🤦‍♀️", "🤦🏾‍♂️"].map(thumbOf)).toEqual(["up", "up", "up", "down", "down", "down"]);
  });
});
