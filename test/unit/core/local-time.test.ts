import { describe, expect, it } from "vitest";
import { describeInstant, isTimeZone, localToInstant } from "../../../edge/core/local-time.js";

describe("local times", () => {
  it("reads a wall-clock time in the user's zone, daylight saving included", () => {
    expect(localToInstant("2026-11-22T09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 10, 22, 8, 0)); // CET, UTC+1
    expect(localToInstant("2026-07-01 09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 6, 1, 7, 0)); // CEST, UTC+2
    expect(localToInstant("2026-11-22T09:00:30", "America/New_York")).toBe(Date.UTC(2026, 10, 22, 14, 0, 30));
    expect(localToInstant("2026-11-22T09:00", "UTC")).toBe(Date.UTC(2026, 10, 22, 9, 0));
  });

  it("moves a time skipped by the spring change forward, as clocks do", () => {
    // 02:30 does not exist in Berlin on 29 March 2026: clocks jump from 02:00 CET to 03:00 CEST.
    expect(localToInstant("2026-03-29T02:30", "Europe/Berlin")).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });

  it("rejects what is not a date-time", () => {
    expect(localToInstant("tomorrow at 9", "UTC")).toBeUndefined();
    expect(localToInstant("2026-02-30T09:00", "UTC")).toBeUndefined();
    expect(localToInstant("2026-11-22T25:00", "UTC")).toBeUndefined();
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  it("says a time back in plain words in the user's zone", () => {
    expect(describeInstant(Date.UTC(2026, 10, 22, 8, 0), "Europe/Berlin")).toBe(
      "Sunday, 22 November 2026 at 09:00 (Europe/Berlin)",
    );
  });
});
