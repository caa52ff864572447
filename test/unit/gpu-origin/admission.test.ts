import { describe, expect, it } from "vitest";
import { AdmissionGate } from "../../../gpu-origin/agent/admission.js";
import { HeldAtEdge } from "../../../gpu-origin/agent/capacity.js";

describe("admission", () => {
  const gate = (now = () => 0) => {
    const held = new HeldAtEdge(15_000);
    return { held, gate: new AdmissionGate({ maxNumSeqs: 2, maxWaiting: 1, held, now }) };
  };

  it("lets in max-num-seqs + max-waiting, refuses the next as full, and counts it for the queue load", () => {
    const { gate: g, held } = gate();
    const admitted = [g.tryAdmit(true), g.tryAdmit(true), g.tryAdmit(true)];
    expect(admitted.map((a) => a.admitted)).toEqual([true, true, true]);
    expect(g.tryAdmit(true, "aaaaaaaaaaaaaaaa")).toEqual({ admitted: false, reason: "full" });
    expect(g.tryAdmit(true, "aaaaaaaaaaaaaaaa")).toEqual({ admitted: false, reason: "full" });
    expect(g.inFlight).toBe(3);
    expect(held.estimate(0, 3)).toBe(1);
    // (The same chat asking twice is one held chat.)
    // One ends: one more gets in.
    if (admitted[0]!.admitted) admitted[0]!.release();
    expect(g.tryAdmit(true).admitted).toBe(true);
    expect(g.admittedTotal).toBe(4);
    expect(g.refusedTotal).toEqual({ full: 2, not_ready: 0, draining: 0 });
  });

  it("releases once, however often release is called", () => {
    const { gate: g } = gate();
    const a = g.tryAdmit(true);
    g.tryAdmit(true);
    expect(a.admitted).toBe(true);
    if (a.admitted) {
      a.release();
      a.release();
    }
    expect(g.inFlight).toBe(1);
  });

  it("refuses while not ready and once draining, without counting those as demand", () => {
    const { gate: g, held } = gate();
    expect(g.tryAdmit(false)).toEqual({ admitted: false, reason: "not_ready" });
    g.startDrain();
    expect(g.tryAdmit(true)).toEqual({ admitted: false, reason: "draining" });
    expect(held.estimate(0, 3)).toBe(0);
    expect(g.refusedTotal).toEqual({ full: 0, not_ready: 1, draining: 1 });
  });

  it("resolves the drain when the last request ends, or says it timed out", async () => {
    const { gate: g } = gate();
    expect(await g.whenIdle(0)).toBe(true);
    const a = g.tryAdmit(true);
    const b = g.tryAdmit(true);
    g.startDrain();
    expect(await g.whenIdle(20)).toBe(false);
    const idle = g.whenIdle(5_000);
    expect([a.admitted, b.admitted]).toEqual([true, true]);
    if (a.admitted) a.release();
    let resolved = false;
    void idle.then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    if (b.admitted) b.release();
    expect(await idle).toBe(true);
  });
});
