import { z } from "zod";

/** Region ids are lower case here and in regions.json, upper case in setting names (ORIGIN_URL_EU). */
export const RegionId = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, "region ids are lower-case letters and digits");
export type RegionId = z.infer<typeof RegionId>;

const CountryCode = z.string().regex(/^[A-Z]{2}$/, "countries are ISO 3166-1 alpha-2 codes, upper case");

export const RegionSchema = z.object({
  name: z.string().min(1),
  countries: z.array(CountryCode).min(1),
  dataLocation: z.object({
    /** Upstash region of this region's database, e.g. eu-central-1. */
    upstash: z.string().min(1),
    /** Cloud region of this region's GPU origins, e.g. europe-west4. */
    gpu: z.string().min(1),
  }),
  /** How long a conversation is kept after its last message. */
  sessionTtlSeconds: z.number().int().min(60).max(60 * 60 * 24 * 30),
  /** Regions whose models may answer when this region's are down, in order. Empty: never leave. */
  fallbacks: z.array(RegionId),
  faqLanguages: z.array(z.string().regex(/^[a-z]{2}$/)).min(1),
});
export type Region = z.infer<typeof RegionSchema>;

export const RegionFileSchema = z
  .object({
    $schema: z.string().optional(),
    defaultRegion: RegionId,
    regions: z.record(RegionId, RegionSchema),
  })
  .superRefine((file, ctx) => {
    const ids = Object.keys(file.regions);
    if (!ids.includes(file.defaultRegion)) {
      ctx.addIssue({ code: "custom", path: ["defaultRegion"], message: `"${file.defaultRegion}" is not a region of this file` });
    }
    for (const [id, region] of Object.entries(file.regions)) {
      for (const fb of region.fallbacks) {
        if (!ids.includes(fb)) ctx.addIssue({ code: "custom", path: ["regions", id, "fallbacks"], message: `unknown region "${fb}"` });
        if (fb === id) ctx.addIssue({ code: "custom", path: ["regions", id, "fallbacks"], message: "a region cannot fall back to itself" });
      }
    }
  });
export type RegionFile = z.infer<typeof RegionFileSchema>;

/** Parses the region file, with an error message that names each bad field. */
export function parseRegionFile(raw: unknown): RegionFile {
  const parsed = RegionFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`infra/regions.json is invalid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** The region whose country list holds `country`, else the default region. */
export function regionForCountry(file: RegionFile, country: string | undefined | null): RegionId {
  if (country) {
    const code = country.toUpperCase();
    for (const [id, region] of Object.entries(file.regions)) if (region.countries.includes(code)) return id;
  }
  return file.defaultRegion;
}
