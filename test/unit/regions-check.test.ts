import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  modelCandidates,
  complianceWarnings,
  parseRegionFile,
  type RegionFile,
} from "../../edge/core/region-policy.js";
import { regionJsonSchema } from "../../scripts/regions.js";
import shipped from "../../infra/regions.json" with { type: "json" };

const file = () => structuredClone(parseRegionFile(shipped)) as RegionFile;

/** Runs `npm run regions:check` on a file; returns its exit code and output. */
function check(content: unknown): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "regions-"));
  const path = join(dir, "regions.json");
  writeFileSync(path, JSON.stringify(content));
  try {
    return {
      code: 0,
      out: execFileSync("npx", ["tsx", "scripts/regions.ts", "check", path], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout + e.stderr };
  }
}

describe("the region file", () => {
  it("ships without warnings, and EU has no fallback", () => {
    expect(complianceWarnings(file())).toEqual([]);
    // The regions that may answer a user of each (their pools, overflows and fallbacks): EU's only.
    const answering = (region: string) => [...new Set(modelCandidates(file(), region).map((c) => c.region))];
    expect(answering("eu")).toEqual(["eu"]);
    expect(answering("us")).toEqual(["us", "apac"]);
  });

  it("has a JSON Schema for editors that matches its zod schema", () => {
    expect(readFileSync("infra/regions.schema.json", "utf8")).toBe(regionJsonSchema());
  });

  it.each([
    [
      "an EU country mapped outside the EU",
      (f: RegionFile) => f.regions.us!.countries.push("DE"),
      /DE.*mapped to us, which is not an EU-jurisdiction region/,
    ],
    [
      "an EU fallback that leaves the EU",
      (f: RegionFile) => f.regions.eu!.fallbacks.push("us"),
      /eu falls back to us: EU users' messages would leave the EU/,
    ],
    [
      "a country in two regions",
      (f: RegionFile) => f.regions.apac!.countries.push("US"),
      /US is in more than one region \(us, apac\)/,
    ],
    [
      "EU data placed outside the EU",
      (f: RegionFile) => (f.regions.eu!.database.location = "us-east-1"),
      /eu's database location us-east-1 is outside the EU/,
    ],
    [
      "EU origins in London",
      (f: RegionFile) => (f.regions.eu!.origins.location = "europe-west2"),
      /eu's origins location europe-west2 is outside the EU/,
    ],
  ])("flags %s", (_name, change, warning) => {
    const f = file();
    change(f);
    expect(complianceWarnings(f).join("\n")).toMatch(warning);
  });
});

describe("npm run regions:check", () => {
  it("prints a report a compliance officer can read, and exits 0 for the shipped file", () => {
    const { code, out } = check(shipped);
    expect(code).toBe(0);
    expect(out).toContain("eu — European Union and EEA (EU jurisdiction: GDPR)");
    expect(out).toContain("data:        upstash eu-central-1");
    expect(out).toContain("retention:   conversations kept 1 hour(s) after the last message");
    expect(out).toContain("fallbacks:   none: when its models are down, users get the offline FAQ");
    expect(out).toContain("No warnings.");
  });

  it("exits 1 with the warnings for a file that breaks a promise", () => {
    const f = file();
    f.regions.eu!.fallbacks = ["us"];
    const { code, out } = check(f);
    expect(code).toBe(1);
    expect(out).toContain("! eu falls back to us: EU users' messages would leave the EU");
  });

  it("exits 2 naming the bad fields of an invalid file", () => {
    const f = structuredClone(shipped) as Record<string, unknown> & {
      regions: Record<string, Record<string, unknown>>;
    };
    f.defaultRegion = "mars";
    f.regions.us!.retention = { sessionTtlSeconds: 5 };
    const { code, out } = check(f);
    expect(code).toBe(2);
    expect(out).toMatch(/defaultRegion: "mars" is not a region/);
    expect(out).toMatch(/regions\.us\.retention\.sessionTtlSeconds/);
  });
});
