import * as z from "zod";
import { GDPR_COUNTRIES, isEuLocation } from "./eu-countries.js";
import { issueLines } from "./zod-issues.js";

/**
 * The region file (infra/regions.json): which countries each region serves, where its model origins
 * and its database live, how long it keeps conversations, and where, if anywhere, it may fail over.
 * The edge bundles it and Terraform reads it, so a compliance officer edits one file.
 */

/** Region ids are lower case here and in regions.json, upper case in setting names (ORIGIN_URL_EU). */
export const RegionId = z.string().regex(/^[a-z][a-z0-9]{1,15}$/, "region ids are 2–16 lower-case letters and digits");
export type RegionId = z.infer<typeof RegionId>;

/** The languages the product has texts in (texts/): a region may declare only these. */
export const PRODUCT_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ja", "ko"] as const;

const CountryCode = z.string().regex(/^[A-Z]{2}$/, "countries are ISO 3166-1 alpha-2 codes, upper case");

/** A model version's name: lower case, short (it is part of the pool's cloud resource names and of ORIGIN_URL_<R>_<V>). */
export const VersionName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,7}$/, "version names are 1–8 lower-case letters and digits, starting with a letter");
export type VersionName = z.infer<typeof VersionName>;

/** What one version of a region's model is made of: the parts its id is derived from (edge/core/rollout.ts). */
export const ModelVersionSchema = z
  .object({
    weights: z
      .object({
        repository: z
          .string()
          .regex(/^[\w.-]+\/[\w.-]+$/, "a Hugging Face repository, owner/name")
          .describe("The weights' repository, e.g. openai/gpt-oss-20b"),
        revision: z
          .string()
          .regex(/^[\w.-]{1,64}$/)
          .describe("Its revision: a commit (a branch or tag moves; `npm run regions:check` warns)"),
      })
      .strict(),
    vllm: z
      .string()
      .regex(/^[\w./-]+:v?\d+\.\d+\.\d+$/, "a pinned vLLM image, e.g. vllm/vllm-openai:v0.33.0")
      .describe("The vLLM server image the version's boot image carries (gpu-origin/image/build.sh)"),
    serveFlags: z
      .string()
      .regex(/^[\w.-]+\.txt$/, "a file of gpu-origin/, e.g. serve-flags.txt")
      .describe("The file of gpu-origin/ holding its `vllm serve` flags"),
    systemPrompt: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,15}$/)
      .describe("Its system prompt: `default` (the SYSTEM_PROMPT setting) or a name N (the SYSTEM_PROMPT_<N> setting)"),
    pool: z
      .object({
        minServers: z.number().int().min(1).max(64),
        maxServers: z.number().int().min(1).max(64),
      })
      .strict()
      .optional()
      .describe("Its own pool's size, where not the region's origins.pool (a canary's pool may start small)"),
  })
  .strict();
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

const DEFAULT_MODELS = {
  stable: "v1",
  versions: {
    v1: {
      weights: { repository: "openai/gpt-oss-20b", revision: "d666cf3b67006cf8227666739edf25164aaffdeb" },
      vllm: "vllm/vllm-openai:v0.33.0",
      serveFlags: "serve-flags.txt",
      systemPrompt: "default",
    },
  },
};

const ModelsSchema = z
  .object({
    stable: VersionName.describe(
      "The version every chat gets when no rollout runs (ORIGIN_URL_<R> is its pool); a rollout's state (KV) may have promoted another since",
    ),
    versions: z
      .record(VersionName, ModelVersionSchema)
      .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 4, "one to four versions")
      .describe(
        "Every version that may answer (each with its own pool, ORIGIN_URL_<R>_<V>); a rollout moves chats between them",
      ),
  })
  .strict()
  .refine((m) => m.stable in m.versions, { message: "stable must name one of versions", path: ["stable"] });

const RegionSchema = z
  .object({
    name: z.string().min(1).describe("What the region is called in reports"),
    jurisdiction: z
      .enum(["eu"])
      .nullable()
      .describe('"eu" where the GDPR applies to the region\'s data and model calls; null elsewhere'),
    countries: z.array(CountryCode).min(1).describe("Countries whose users this region serves"),
    origins: z
      .object({
        cloud: z.enum(["gcp"]).describe("Where the GPU origins run"),
        location: z.string().min(1).describe("Cloud region of the origins, e.g. europe-west4"),
        zones: z
          .array(z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, "zones are GCP zone names, e.g. europe-west4-a"))
          .min(1)
          .max(4)
          .describe(
            "Zones of the location the pool's servers are spread over (each must offer A100s); two or more survive a zone's loss",
          ),
        pool: z
          .object({
            minServers: z
              .number()
              .int()
              .min(0)
              .max(64)
              .describe(
                "Servers always running, whatever the traffic (at least 1: the servers' load is the autoscaler's signal)",
              ),
            maxServers: z
              .number()
              .int()
              .min(1)
              .max(64)
              .describe("The most servers the autoscaler may run (the spend cap)"),
            target: z
              .object({
                queueLoad: z
                  .number()
                  .min(0.05)
                  .max(1)
                  .describe(
                    "Per server, (requests running + waiting) / --max-num-seqs the autoscaler keeps on average (docs/CAPACITY.md derives it)",
                  ),
                kvCacheUsage: z
                  .number()
                  .min(0.3)
                  .max(0.95)
                  .describe("Per server, vLLM's KV-cache usage (0–1) above which the autoscaler adds servers"),
              })
              .strict(),
          })
          .strict()
          .describe("The region's autoscaled pool of GPU servers (one A100 each), behind one URL (ORIGIN_URL_<R>)"),
        overflow: z
          .object({
            name: z.string().min(1).describe("Who runs it, e.g. OVHcloud AI Endpoints"),
            location: z.string().min(1).describe("Where it runs, e.g. Gravelines (FR)"),
            jurisdiction: z
              .enum(["eu"])
              .nullable()
              .describe("Its jurisdiction: it must be the region's own (an EU region's overflow stays in the EU)"),
          })
          .strict()
          .nullable()
          .optional()
          .describe(
            "A hosted OpenAI-compatible gpt-oss-20b endpoint asked only while the region's own pool is saturated (OVERFLOW_URL_<R>, OVERFLOW_API_KEY_<R>, OVERFLOW_MODEL_<R>); null: none",
          ),
      })
      .describe("The region's vLLM origins serving openai/gpt-oss-20b"),
    database: z
      .object({
        provider: z.enum(["upstash"]),
        location: z.string().min(1).describe("Upstash region of the database, e.g. eu-central-1"),
      })
      .describe("Where the region's conversations, rate limits and delivery records live"),
    retention: z
      .object({
        sessionTtlSeconds: z
          .number()
          .int()
          .min(60)
          .max(60 * 60 * 24 * 30)
          .describe("How long a conversation is kept after its last message"),
      })
      .describe("How long personal data is kept"),
    fallbacks: z
      .array(RegionId)
      .describe("Regions whose models may answer when this region's are all down, in order; empty: never leave"),
    userSelectable: z.boolean().describe("Whether a Telegram user may move to this region with /region"),
    faqLanguages: z
      .array(z.string().regex(/^[a-z]{2}$/))
      .min(1)
      .describe("Languages of the region's offline FAQ; the first is its default"),
    languages: z
      .array(z.enum(PRODUCT_LANGUAGES))
      .min(1)
      .optional()
      .describe(
        "Languages the region's users are answered in: the product's own texts, and the language detected in what they write is chosen only among these; the first is the default. Without it: faqLanguages",
      ),
    models: ModelsSchema.default(DEFAULT_MODELS).describe(
      "The versions of the model this region serves (weights, vLLM, serve flags, system prompt) and the stable one",
    ),
  })
  .strict();

export const RegionFileSchema = z
  .object({
    $schema: z.string().optional(),
    defaultRegion: RegionId.describe(
      "Region of users whose country is in no region, and of the Telegram bot unless TELEGRAM_REGION says otherwise",
    ),
    regions: z.record(RegionId, RegionSchema),
    logs: z
      .object({
        cloud: z.enum(["gcp"]).describe("Where the archive is kept"),
        location: z.string().min(1).describe("Cloud location of the archive bucket, e.g. europe-west4"),
        retentionDays: z.number().int().min(1).max(3650).describe("Days archived logs are kept, then deleted"),
      })
      .strict()
      .describe("The edge Worker's logs (references and timings, never message text or user ids), archived by Logpush"),
  })
  .strict()
  .superRefine((file, ctx) => {
    const ids = Object.keys(file.regions);
    if (!ids.includes(file.defaultRegion)) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultRegion"],
        message: `"${file.defaultRegion}" is not a region of this file`,
      });
    }
    // One pool per cloud location (its load balancer's proxy-only subnet is one per network and location).
    const byLocation = new Map<string, string>();
    for (const [id, region] of Object.entries(file.regions)) {
      const other = byLocation.get(region.origins.location);
      if (other)
        ctx.addIssue({
          code: "custom",
          path: ["regions", id, "origins", "location"],
          message: `${region.origins.location} already holds ${other}'s pool: one region per location`,
        });
      else byLocation.set(region.origins.location, id);
    }
    for (const [id, region] of Object.entries(file.regions)) {
      const { pool, zones, location } = region.origins;
      if (pool.minServers > pool.maxServers)
        ctx.addIssue({
          code: "custom",
          path: ["regions", id, "origins", "pool", "minServers"],
          message: `minServers (${pool.minServers}) is above maxServers (${pool.maxServers})`,
        });
      // With no server running, the first message would wait for one to boot (minutes) with no other
      // region to answer: never for an EU region or one without fallbacks. And elsewhere, a pool of no
      // server publishes no load (the autoscaler's signal comes from the servers), so nothing would
      // ever start one.
      if (pool.minServers === 0)
        ctx.addIssue({
          code: "custom",
          path: ["regions", id, "origins", "pool", "minServers"],
          message:
            region.jurisdiction === "eu"
              ? "an EU region needs at least one server always running (its users cannot be answered elsewhere)"
              : region.fallbacks.length === 0
                ? "a region without fallbacks needs at least one server always running"
                : "a pool needs at least one server: its servers' load is what the autoscaler grows it on",
        });
      for (const [i, zone] of zones.entries()) {
        if (!zone.startsWith(`${location}-`))
          ctx.addIssue({
            code: "custom",
            path: ["regions", id, "origins", "zones", i],
            message: `${zone} is not a zone of ${location}`,
          });
      }
      if (new Set(zones).size !== zones.length)
        ctx.addIssue({ code: "custom", path: ["regions", id, "origins", "zones"], message: "a zone is listed twice" });
      const declared: readonly string[] = region.languages ?? region.faqLanguages;
      for (const lang of region.faqLanguages)
        if (!declared.includes(lang))
          ctx.addIssue({
            code: "custom",
            path: ["regions", id, "faqLanguages"],
            message: `"${lang}" is not one of the region's languages (${declared.join(", ")})`,
          });
      for (const [name, version] of Object.entries(region.models.versions)) {
        if (version.pool && version.pool.minServers > version.pool.maxServers)
          ctx.addIssue({
            code: "custom",
            path: ["regions", id, "models", "versions", name, "pool", "minServers"],
            message: `minServers (${version.pool.minServers}) is above maxServers (${version.pool.maxServers})`,
          });
      }
      const overflow = region.origins.overflow;
      if (overflow && overflow.jurisdiction !== region.jurisdiction) {
        ctx.addIssue({
          code: "custom",
          path: ["regions", id, "origins", "overflow", "jurisdiction"],
          message: `an overflow must share the region's jurisdiction (${String(region.jurisdiction)})`,
        });
      }
      for (const fb of region.fallbacks) {
        if (!ids.includes(fb))
          ctx.addIssue({ code: "custom", path: ["regions", id, "fallbacks"], message: `unknown region "${fb}"` });
        if (fb === id)
          ctx.addIssue({
            code: "custom",
            path: ["regions", id, "fallbacks"],
            message: "a region cannot fall back to itself",
          });
      }
    }
  });
export type RegionFile = z.infer<typeof RegionFileSchema>;

/** Parses the region file, with an error message that names each bad field. */
export function parseRegionFile(raw: unknown): RegionFile {
  const moved = replacedFields(raw);
  if (moved.length) throw new Error(`infra/regions.json is invalid:\n${moved.map((line) => `  ${line}`).join("\n")}`);
  const parsed = RegionFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = issueLines(parsed.error).map((line) => `  ${line}`);
    throw new Error(`infra/regions.json is invalid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Fields a former version of the file had, with what replaced them (a clearer error than "unrecognized key"). */
function replacedFields(raw: unknown): string[] {
  const regions = (raw as { regions?: Record<string, { origins?: Record<string, unknown> }> } | null)?.regions;
  if (!regions || typeof regions !== "object") return [];
  return Object.entries(regions).flatMap(([id, r]) =>
    r?.origins && "count" in r.origins
      ? [
          `regions.${id}.origins.count: replaced by origins.pool ({ minServers, maxServers, target }) and origins.zones: the region's servers are an autoscaled pool now`,
        ]
      : [],
  );
}

/** The languages a region's users are answered in (its `languages`, else its FAQ's); the first is its default. */
export function regionLanguages(file: RegionFile, region: RegionId): readonly string[] {
  const r = file.regions[region];
  return r ? (r.languages ?? r.faqLanguages) : ["en"];
}

/**
 * The region whose country list holds `country`; else, for a client Cloudflare places in the EU, the
 * first EU-jurisdiction region; else the default region.
 */
export function regionForCountry(file: RegionFile, country: string | undefined | null, isEuCountry = false): RegionId {
  const code = country?.toUpperCase();
  if (code) {
    for (const [id, region] of Object.entries(file.regions)) if (region.countries.includes(code)) return id;
  }
  if (isEuCountry || (code && GDPR_COUNTRIES.has(code))) {
    const eu = Object.entries(file.regions).find(([, r]) => r.jurisdiction === "eu");
    if (eu) return eu[0];
  }
  return file.defaultRegion;
}

/** One model that may answer a user of a region, in the order modelCandidates gives. */
export interface ModelCandidate {
  region: RegionId;
  /** The region's own pool of servers, or the hosted endpoint it overflows to (origins.overflow). */
  kind: "pool" | "overflow";
  /**
   * When it is asked: `always` (the user's own pool, first); `saturated`, only while every candidate
   * before it was saturated (the overflow: never for an outage); `afterFailure`, when the candidates
   * before it failed (a fallback region), and for a saturated pool only if it shares the jurisdiction.
   */
  when: "always" | "saturated" | "afterFailure";
  /** It is in the jurisdiction of the user's region (an overflow always is: the schema requires it). */
  sameJurisdiction: boolean;
}

/**
 * The models that may answer a user of `region`, in order: the region's own pool, its overflow
 * endpoint while the pool is saturated, then the fallback regions the file allows. Nothing else, ever.
 */
export function modelCandidates(file: RegionFile, region: RegionId): ModelCandidate[] {
  const own = file.regions[region];
  if (!own) return [];
  return [
    { region, kind: "pool", when: "always", sameJurisdiction: true },
    ...(own.origins.overflow
      ? [{ region, kind: "overflow" as const, when: "saturated" as const, sameJurisdiction: true }]
      : []),
    ...own.fallbacks.map((f) => ({
      region: f,
      kind: "pool" as const,
      when: "afterFailure" as const,
      sameJurisdiction: file.regions[f]?.jurisdiction === own.jurisdiction,
    })),
  ];
}

/** What a compliance officer should look at: promises of the file that a change would break. */
export function complianceWarnings(file: RegionFile): string[] {
  const warnings: string[] = [];
  const owners = new Map<string, RegionId[]>();
  for (const [id, region] of Object.entries(file.regions)) {
    for (const c of region.countries) owners.set(c, [...(owners.get(c) ?? []), id]);
  }
  for (const [country, ids] of owners) {
    if (ids.length > 1)
      warnings.push(`${country} is in more than one region (${ids.join(", ")}); only the first, ${ids[0]}, is used`);
  }
  for (const [id, region] of Object.entries(file.regions)) {
    const gdprHere = region.countries.filter((c) => GDPR_COUNTRIES.has(c));
    if (region.jurisdiction !== "eu" && gdprHere.length) {
      warnings.push(
        `EU/EEA countries ${gdprHere.join(", ")} are mapped to ${id}, which is not an EU-jurisdiction region`,
      );
    }
    if (region.jurisdiction === "eu") {
      for (const fb of region.fallbacks) {
        if (file.regions[fb]?.jurisdiction !== "eu")
          warnings.push(`${id} falls back to ${fb}: EU users' messages would leave the EU`);
      }
      if (!isEuLocation(region.database.location))
        warnings.push(`${id}'s database location ${region.database.location} is outside the EU`);
      if (!isEuLocation(region.origins.location))
        warnings.push(`${id}'s origins location ${region.origins.location} is outside the EU`);
    }
    // A zone's loss (or its A100s sold out) must leave a server running where no other region may answer.
    const { pool, zones } = region.origins;
    if (region.fallbacks.length === 0 && (zones.length < 2 || pool.minServers < 2))
      warnings.push(
        `${id} has no fallback and ${zones.length < 2 ? "one zone" : "a minimum of one server"}: a zone's loss leaves its users with the offline FAQ until a server boots elsewhere`,
      );
    for (const [name, version] of Object.entries(region.models.versions)) {
      if (!/^[0-9a-f]{40}$/.test(version.weights.revision))
        warnings.push(
          `${id}'s model version ${name} names the weights' revision "${version.weights.revision}", which moves: pin a commit`,
        );
    }
  }
  const euRegions = Object.entries(file.regions).filter(([, r]) => r.jurisdiction === "eu");
  if (euRegions.length && !isEuLocation(file.logs.location))
    warnings.push(
      `the logs archive (${file.logs.location}) is outside the EU, while ${euRegions.map(([id]) => id).join(", ")} is an EU-jurisdiction region`,
    );
  const fallback = file.regions[file.defaultRegion];
  if (fallback && fallback.jurisdiction !== "eu") {
    const unlisted = [...GDPR_COUNTRIES].filter((c) => !owners.has(c));
    if (unlisted.length) {
      warnings.push(
        `EU/EEA countries ${unlisted.join(", ")} are in no region and fall to the default ${file.defaultRegion}, which is not an EU-jurisdiction region`,
      );
    }
  }
  return warnings;
}
