import { describe, expect, it } from "vitest";
import regions from "../../../infra/regions.json" with { type: "json" };
import { modelCandidates, parseRegionFile, type RegionFile } from "../../../edge/core/region-policy.js";
import type { Edge } from "../../../edge/edge.js";
import { UpstreamModelError, type ModelFailure } from "../../../edge/errors.js";
import { withFallback, type Answered } from "../../../edge/pipeline/fallback.js";
import type { ModelClient } from "../../../edge/services/origin-client.js";

/**
 * Which model may answer a user, as regions.json allows: the region's pool, its overflow only while the
 * pool is saturated, then its fallbacks (for a saturated pool, only those of its jurisdiction).
 */

type Behaviour = "answers" | ModelFailure;

function fileWith(change: (file: RegionFile) => void): RegionFile {
  const file = structuredClone(parseRegionFile(regions));
  change(file);
  return file;
}

/** An edge whose region services are scripted clients; returns who was asked, in order. */
function edgeOf(file: RegionFile, behaviour: Record<string, Behaviour>) {
  const asked: string[] = [];
  const client = (name: string): ModelClient => ({
    async complete() {
      asked.push(name);
      const b = behaviour[name] ?? "answers";
      if (b === "answers") return { content: `from ${name}`, finishReason: "stop", usage: undefined } as never;
      throw new UpstreamModelError(b, name, b, b === "busy" ? { retryAfterSeconds: name.length } : {});
    },
  });
  const edge = {
    config: { regionFile: file },
    region: (id: string) => ({
      model: client(`${id}:pool`),
      overflow: file.regions[id]?.origins.overflow ? client(`${id}:overflow`) : undefined,
    }),
  } as unknown as Edge;
  return { edge, asked };
}

async function ask(file: RegionFile, region: string, behaviour: Record<string, Behaviour>) {
  const { edge, asked } = edgeOf(file, behaviour);
  let who: Answered | undefined;
  const outcome = await withFallback(edge, region, (w) => (who = w))
    .complete([{ role: "user", content: "hi" }], {} as never)
    .then(
      (c) => (c as unknown as { content: string }).content,
      (err: UpstreamModelError) => `failed ${err.failure}${err.retryAfterSeconds ? ` ${err.retryAfterSeconds}` : ""}`,
    );
  return { outcome, asked, who };
}

const withEuOverflow = fileWith((f) => {
  f.regions.eu!.origins.overflow = { name: "EU host", location: "fr-gra", jurisdiction: "eu" };
});

describe("model candidates", () => {
  it("lists the pool, the overflow while saturated, then the fallbacks with their jurisdiction", () => {
    const file = fileWith((f) => {
      f.regions.us!.origins.overflow = { name: "US host", location: "us-east", jurisdiction: null };
    });
    expect(modelCandidates(file, "us")).toEqual([
      { region: "us", kind: "pool", when: "always", sameJurisdiction: true },
      { region: "us", kind: "overflow", when: "saturated", sameJurisdiction: true },
      { region: "apac", kind: "pool", when: "afterFailure", sameJurisdiction: true },
    ]);
    expect(modelCandidates(file, "mars")).toEqual([]);
  });

  it("refuses an overflow outside the region's jurisdiction", () => {
    const bad = structuredClone(regions) as unknown as {
      regions: { eu: { origins: Record<string, unknown> } };
    };
    bad.regions.eu.origins.overflow = { name: "US host", location: "us-east", jurisdiction: null };
    expect(() => parseRegionFile(bad)).toThrow(/regions\.eu\.origins\.overflow\.jurisdiction/);
  });
});

describe("withFallback", () => {
  it("asks the overflow only while the pool is saturated", async () => {
    expect(await ask(withEuOverflow, "eu", {})).toMatchObject({ outcome: "from eu:pool", asked: ["eu:pool"] });
    const saturated = await ask(withEuOverflow, "eu", { "eu:pool": "busy" });
    expect(saturated).toMatchObject({ outcome: "from eu:overflow", asked: ["eu:pool", "eu:overflow"] });
    expect(saturated.who).toEqual({ region: "eu", overflow: true });
    // A pool that is down is an outage, not a shortage: the overflow is not for that.
    expect(await ask(withEuOverflow, "eu", { "eu:pool": "unavailable" })).toMatchObject({
      outcome: "failed unavailable",
      asked: ["eu:pool"],
    });
  });

  it("fails busy, with the soonest Retry-After, when every candidate is saturated", async () => {
    const r = await ask(withEuOverflow, "eu", { "eu:pool": "busy", "eu:overflow": "busy" });
    expect(r.outcome).toBe(`failed busy ${"eu:pool".length}`);
  });

  it("never leaves the jurisdiction for a saturated pool, and falls back across for an outage only where listed", async () => {
    const split = fileWith((f) => {
      // apac made an EU-jurisdiction region: us and it no longer share one.
      f.regions.apac!.jurisdiction = "eu";
    });
    expect(await ask(split, "us", { "us:pool": "busy" })).toMatchObject({
      outcome: "failed busy 7",
      asked: ["us:pool"],
    });
    const down = await ask(split, "us", { "us:pool": "unavailable" });
    expect(down).toMatchObject({ outcome: "from apac:pool", asked: ["us:pool", "apac:pool"] });
    // The region's own pool failed: its version is charged with it, though apac answered.
    expect(down.who).toEqual({ region: "apac", overflow: false, ownFailed: true });
    // The same jurisdiction: a saturated pool may be helped by its fallback.
    expect(await ask(parseRegionFile(regions), "us", { "us:pool": "busy" })).toMatchObject({
      outcome: "from apac:pool",
      asked: ["us:pool", "apac:pool"],
    });
  });

  it("a saturated pool then a fallback that is down leaves the call busy, to be held", async () => {
    const r = await ask(parseRegionFile(regions), "us", { "us:pool": "busy", "apac:pool": "unavailable" });
    expect(r.outcome).toBe("failed busy 7");
  });
});
