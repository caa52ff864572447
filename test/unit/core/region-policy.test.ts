import { describe, expect, it } from "vitest";
import regions from "../../../infra/regions.json" with { type: "json" };
import { parseRegionFile, regionForCountry } from "../../../edge/core/region-policy.js";

describe("region policy", () => {
  const file = parseRegionFile(regions);

  it("the shipped region file holds eu, us and apac, defaulting to eu", () => {
    expect(Object.keys(file.regions).sort()).toEqual(["apac", "eu", "us"]);
    expect(file.defaultRegion).toBe("eu");
  });

  it.each([
    ["DE", "eu"],
    ["fr", "eu"],
    ["US", "us"],
    ["JP", "apac"],
    ["ZZ", "eu"],
    [undefined, "eu"],
  ])("country %s → %s", (country, region) => {
    expect(regionForCountry(file, country)).toBe(region);
  });

  it('places a client Cloudflare marks as EU (isEUCountry "1") in the EU region even when the default is elsewhere', () => {
    const usFirst = { ...file, defaultRegion: "us" };
    expect(regionForCountry(usFirst, "XK", true)).toBe("eu");
    expect(regionForCountry(usFirst, "XK", false)).toBe("us");
    // A GDPR country missing from every list still lands in the EU region.
    const unlisted = structuredClone(usFirst);
    unlisted.regions.eu!.countries = unlisted.regions.eu!.countries.filter((c) => c !== "EE");
    expect(regionForCountry(unlisted, "EE")).toBe("eu");
  });

  it("names the bad field of an invalid file", () => {
    const bad = structuredClone(regions) as { defaultRegion: string; regions: { eu: { fallbacks: string[] } } };
    bad.defaultRegion = "mars";
    bad.regions.eu.fallbacks = ["atlantis"];
    expect(() => parseRegionFile(bad)).toThrow(
      /defaultRegion: "mars" is not a region[\s\S]*regions\.eu\.fallbacks: unknown region "atlantis"/,
    );
  });
});
