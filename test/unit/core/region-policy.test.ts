import { describe, expect, it } from "vitest";
import regions from "../../../infra/regions.json" with { type: "json" };
import { complianceWarnings, parseRegionFile, regionForCountry } from "../../../edge/core/region-policy.js";

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

  describe("the GPU pools", () => {
    type Raw = { regions: Record<string, { origins: Record<string, unknown> & { pool: Record<string, unknown> } }> };
    const edit = (change: (raw: Raw) => void) => {
      const raw = structuredClone(regions) as unknown as Raw;
      change(raw);
      return raw;
    };

    it("keeps a server always running where no other region may answer, and in every pool", () => {
      expect(() => parseRegionFile(edit((r) => (r.regions.eu!.origins.pool.minServers = 0)))).toThrow(
        /regions\.eu\.origins\.pool\.minServers: an EU region needs at least one server/,
      );
      // us has a fallback, but a pool of none would publish no load to grow on.
      expect(() => parseRegionFile(edit((r) => (r.regions.us!.origins.pool.minServers = 0)))).toThrow(
        /regions\.us\.origins\.pool\.minServers: a pool needs at least one server/,
      );
    });

    it("refuses a minimum above the maximum, and zones outside the location", () => {
      expect(() => parseRegionFile(edit((r) => (r.regions.us!.origins.pool.minServers = 9)))).toThrow(
        /minServers \(9\) is above maxServers \(8\)/,
      );
      expect(() =>
        parseRegionFile(edit((r) => (r.regions.eu!.origins.zones = ["europe-west4-a", "us-central1-a"]))),
      ).toThrow(/regions\.eu\.origins\.zones\.1: us-central1-a is not a zone of europe-west4/);
    });

    it("gives each cloud location one region's pool", () => {
      const shared = edit((r) => {
        r.regions.apac!.origins.location = "us-central1";
        r.regions.apac!.origins.zones = ["us-central1-a"];
      });
      expect(() => parseRegionFile(shared)).toThrow(
        /regions\.apac\.origins\.location: us-central1 already holds us's pool/,
      );
    });

    it("tells a file of the former shape what replaced origins.count", () => {
      const old = edit((r) => {
        r.regions.eu!.origins = { cloud: "gcp", location: "europe-west4", count: 2 } as never;
      });
      expect(() => parseRegionFile(old)).toThrow(/regions\.eu\.origins\.count: replaced by origins\.pool/);
    });

    it("warns when a region without a fallback could lose every server with one zone", () => {
      expect(complianceWarnings(file)).toEqual([]);
      const oneZone = parseRegionFile(edit((r) => (r.regions.eu!.origins.zones = ["europe-west4-a"])));
      expect(complianceWarnings(oneZone)).toEqual([expect.stringMatching(/^eu has no fallback and one zone/)]);
    });
  });
});
