import { describe, expect, it } from "vitest";
import {
  afterFailure,
  dueAt,
  forgotten,
  mergeBurst,
  nextReply,
  pruneDue,
  retryDelaySeconds,
  supersedes,
  type Waiting,
  type Writing,
} from "../../../edge/core/inbox-policy.js";
import {
  BURST_GAP_MS,
  BURST_MAX_HOLD_WINDOWS,
  BURST_MAX_RESTARTS,
  BURST_RESTART_WITHIN_MS,
  INBOX_REMEMBER_MS,
} from "../../../edge/limits.js";

/** Ada's text number `seq`, sent and acknowledged at `at` (ms). */
const text = (seq: number, at = seq * 1000, extra: Partial<Waiting> = {}): Waiting => ({
  seq,
  sentAt: at,
  acceptedAt: at,
  plainText: true,
  sender: "ada",
  chars: 20,
  ...extra,
});
const writing = (group: Waiting[], extra: Partial<Writing> = {}): Writing => ({
  group,
  delivering: false,
  cancelled: false,
  ...extra,
});

describe("nextReply", () => {
  it("answers a burst of texts with one reply, and nothing when nothing waits", () => {
    expect(nextReply([text(1), text(2), text(3)])?.map((w) => w.seq)).toEqual([1, 2, 3]);
    expect(nextReply([])).toBeUndefined();
  });

  it("answers a command on its own, after the texts sent before it", () => {
    const command = text(2, 2000, { plainText: false });
    expect(nextReply([text(1), command, text(3)])?.map((w) => w.seq)).toEqual([1]);
  });
});

describe("supersedes: whether a new message cancels the reply being written", () => {
  const now = 1500;
  it.each([
    ["more of the burst, while the model writes", writing([text(1)]), text(2, 1500), 0, true],
    ["nothing is being written", undefined, text(2, 1500), 0, false],
    ["the reply has started going out", writing([text(1)], { delivering: true }), text(2, 1500), 0, false],
    ["it was already cancelled", writing([text(1)], { cancelled: true }), text(2, 1500), 0, false],
    ["sent too long after the burst's last message", writing([text(1)]), text(2, 1000 + BURST_GAP_MS + 1), 0, false],
    ["a command (it gets its own reply)", writing([text(1)]), text(2, 1500, { plainText: false }), 0, false],
    ["someone else in the group", writing([text(1)]), text(2, 1500, { sender: "bob" }), 0, false],
    ["the burst was asked again too often", writing([text(1)]), text(2, 1500), BURST_MAX_RESTARTS, false],
    [
      "a reply being retried (it answers exactly what it answered)",
      writing([text(1, 1000, { group: "m1" })]),
      text(2, 1500),
      0,
      false,
    ],
  ])("%s → %s", (_case, w, arrived, restarts, expected) => {
    expect(supersedes(w, arrived, restarts, now)).toBe(expected);
  });

  it("stops cancelling once the burst's first message is older than the restart window", () => {
    const w = writing([text(1, 0)]);
    expect(supersedes(w, text(2, 500), 0, BURST_RESTART_WITHIN_MS)).toBe(true);
    expect(supersedes(w, text(2, 500), 0, BURST_RESTART_WITHIN_MS + 1)).toBe(false);
  });
});

describe("dueAt", () => {
  it("is now without a minimum wait", () => {
    expect(dueAt([{ acceptedAt: 100 }], 0, 500)).toBe(500);
  });

  it("is a window after the last message, at most BURST_MAX_HOLD_WINDOWS windows after the first", () => {
    expect(dueAt([{ acceptedAt: 0 }, { acceptedAt: 700 }], 1000, 800)).toBe(1700);
    const typingOn = Array.from({ length: 10 }, (_, i) => ({ acceptedAt: i * 900 }));
    expect(dueAt(typingOn, 1000, 9000)).toBe(BURST_MAX_HOLD_WINDOWS * 1000);
  });

  it("is now when nothing waits", () => {
    expect(dueAt([], 1000, 42)).toBe(42);
  });
});

describe("afterFailure", () => {
  it("backs off 1 s, 2 s, 4 s… capped at a minute", () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(retryDelaySeconds)).toEqual([1, 2, 4, 8, 60, 60, 60]);
    expect(afterFailure(1, 6)).toEqual({ giveUp: false, delaySeconds: 1 });
    expect(afterFailure(3, 6)).toEqual({ giveUp: false, delaySeconds: 4 });
  });

  it("waits as long as the platform asked, rounded up", () => {
    expect(afterFailure(1, 6, 2.2)).toEqual({ giveUp: false, delaySeconds: 3 });
  });

  it("gives up after the last try", () => {
    expect(afterFailure(6, 6)).toEqual({ giveUp: true });
    expect(afterFailure(6, 6, 1)).toEqual({ giveUp: true });
  });
});

describe("remembered ids", () => {
  it("are forgotten after INBOX_REMEMBER_MS, swept at most hourly", () => {
    expect(forgotten(0, INBOX_REMEMBER_MS)).toBe(false);
    expect(forgotten(0, INBOX_REMEMBER_MS + 1)).toBe(true);
    expect(pruneDue(0, 3600_000)).toBe(false);
    expect(pruneDue(0, 3600_001)).toBe(true);
  });
});

describe("mergeBurst", () => {
  const m = (id: string, content: { kind: string; text?: string; attachment?: string }) => ({ id, content });

  it("joins the texts in the order sent, one per line, under the last message's id", () => {
    expect(mergeBurst([m("a", { kind: "text", text: "hi" }), m("b", { kind: "text", text: "order A-100" })])).toEqual(
      m("b", { kind: "text", text: "hi\norder A-100" }),
    );
  });

  it("keeps a caption's attachment, once", () => {
    const merged = mergeBurst([
      m("a", { kind: "text", text: "this one", attachment: "photo" }),
      m("b", { kind: "text", text: "is broken" }),
    ]);
    expect(merged.content).toEqual({ kind: "text", text: "this one\nis broken", attachment: "photo" });
  });

  it("leaves one message as it is", () => {
    const one = m("a", { kind: "command", text: undefined });
    expect(mergeBurst([one])).toBe(one);
  });
});
