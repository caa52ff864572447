import { describe, expect, it } from "vitest";
import { isCompletion, probeRequestBody, Readiness } from "../../../gpu-origin/agent/probe.js";

describe("readiness probe", () => {
  it("asks for a short, low-effort, whole completion", () => {
    expect(probeRequestBody("openai/gpt-oss-20b", 32)).toEqual({
      model: "openai/gpt-oss-20b",
      messages: [{ role: "user", content: "Reply with the word ready." }],
      max_tokens: 32,
      reasoning_effort: "low",
      stream: false,
    });
  });

  const completion = (finish: unknown) => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: "ready" }, finish_reason: finish }],
  });
  it.each([
    [200, completion("stop"), true],
    // Out of max_tokens (still reasoning) is a model that generates: ready.
    [200, completion("length"), true],
    [200, completion(null), false],
    [200, { choices: [] }, false],
    [200, { object: "error", message: "model not loaded" }, false],
    [503, completion("stop"), false],
    [200, undefined, false],
  ])("status %i, %j → %s", (status, body, ready) => {
    expect(isCompletion(status, body)).toBe(ready);
  });

  it("is booting until a probe succeeds, fails with a failed probe, and goes stale without one", () => {
    const r = new Readiness(120_000);
    expect(r.state(0)).toBe("booting");
    r.record(false, 1_000);
    expect(r.state(1_000)).toBe("booting");
    r.record(true, 2_000);
    expect(r.state(2_000)).toBe("ready");
    expect(r.isReady(122_000)).toBe(true);
    expect(r.state(122_001)).toBe("stale");
    r.record(false, 62_000);
    expect(r.state(62_000)).toBe("probe_failed");
    r.record(true, 63_000);
    expect(r.isReady(63_000)).toBe(true);
  });
});
