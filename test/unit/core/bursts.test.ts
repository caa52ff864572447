import { describe, expect, it } from "vitest";
import { groupBursts, type HeldMessage } from "../../../edge/core/bursts.js";

const text = (seq: number, sentAt = seq * 1000, group?: string, chars = 20): HeldMessage & { name: string } => ({
  name: `t${seq}`,
  seq,
  sentAt,
  plainText: true,
  sender: "ada",
  chars,
  ...(group ? { group } : {}),
});
const command = (seq: number, sentAt = seq * 1000): HeldMessage & { name: string } => ({
  name: `c${seq}`,
  seq,
  sentAt,
  plainText: false,
  sender: "ada",
  chars: 0,
});
const LIMITS = { messages: 10, chars: 4096 };
const names = (groups: Array<Array<{ name: string }>>) => groups.map((g) => g.map((m) => m.name));

describe("groupBursts", () => {
  it("answers neighbouring texts together", () => {
    expect(names(groupBursts([text(1), text(2), text(3)], LIMITS))).toEqual([["t1", "t2", "t3"]]);
  });

  it("orders by the time sent, and by arrival where the platform's whole seconds tie", () => {
    expect(names(groupBursts([text(1, 5000), text(2, 4000), text(3, 4000)], LIMITS))).toEqual([["t2", "t3", "t1"]]);
  });

  it("gives commands and media their own reply, in their place", () => {
    expect(names(groupBursts([text(1), command(2), text(3), text(4), command(5), command(6)], LIMITS))).toEqual([
      ["t1"],
      ["c2"],
      ["t3", "t4"],
      ["c5"],
      ["c6"],
    ]);
  });

  it("puts at most limits.messages texts in one reply", () => {
    expect(
      names(
        groupBursts(
          [1, 2, 3, 4, 5].map((n) => text(n)),
          { messages: 2, chars: 4096 },
        ),
      ),
    ).toEqual([["t1", "t2"], ["t3", "t4"], ["t5"]]);
  });

  it("keeps a reply's texts, one per line, within limits.chars: long messages are answered in turn", () => {
    const long = [
      text(1, 1000, undefined, 3000),
      text(2, 2000, undefined, 1095),
      text(3, 3000, undefined, 1),
      text(4, 4000, undefined, 5000),
    ];
    expect(names(groupBursts(long, LIMITS))).toEqual([["t1", "t2"], ["t3"], ["t4"]]);
  });

  it("retries a group as it was tried: later messages wait for the next reply", () => {
    const tried = [text(1, 1000, "m2"), text(2, 2000, "m2")];
    expect(names(groupBursts([...tried, text(3), text(4)], LIMITS))).toEqual([
      ["t1", "t2"],
      ["t3", "t4"],
    ]);
  });
});
