import { describe, expect, it } from "vitest";
import { groupBursts, type HeldMessage } from "../../../edge/core/bursts.js";

const text = (seq: number, sentAt = seq * 1000, group?: string): HeldMessage & { name: string } => ({
  name: `t${seq}`,
  seq,
  sentAt,
  plainText: true,
  ...(group ? { group } : {}),
});
const command = (seq: number, sentAt = seq * 1000): HeldMessage & { name: string } => ({ name: `c${seq}`, seq, sentAt, plainText: false });
const names = (groups: Array<Array<{ name: string }>>) => groups.map((g) => g.map((m) => m.name));

describe("groupBursts", () => {
  it("answers neighbouring texts together", () => {
    expect(names(groupBursts([text(1), text(2), text(3)], 10))).toEqual([["t1", "t2", "t3"]]);
  });

  it("orders by the time sent, and by arrival where the platform's whole seconds tie", () => {
    expect(names(groupBursts([text(1, 5000), text(2, 4000), text(3, 4000)], 10))).toEqual([["t2", "t3", "t1"]]);
  });

  it("gives commands and media their own reply, in their place", () => {
    expect(names(groupBursts([text(1), command(2), text(3), text(4), command(5), command(6)], 10))).toEqual([
      ["t1"],
      ["c2"],
      ["t3", "t4"],
      ["c5"],
      ["c6"],
    ]);
  });

  it("puts at most maxPerReply texts in one reply", () => {
    expect(names(groupBursts([1, 2, 3, 4, 5].map((n) => text(n)), 2))).toEqual([["t1", "t2"], ["t3", "t4"], ["t5"]]);
  });

  it("retries a group as it was tried: later messages wait for the next reply", () => {
    const tried = [text(1, 1000, "m2"), text(2, 2000, "m2")];
    expect(names(groupBursts([...tried, text(3), text(4)], 10))).toEqual([["t1", "t2"], ["t3", "t4"]]);
  });
});
