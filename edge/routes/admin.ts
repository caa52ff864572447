import { Hono } from "hono";
import * as z from "zod";
import { FaqUpload } from "../core/faq-schema.js";
import { issueLines } from "../core/zod-issues.js";
import { secretsEqual } from "../crypto.js";
import type { Edge } from "../edge.js";
import { HttpError } from "../errors.js";
import { bearerToken, decodeJson, limitBody, notConfigured, unauthorized } from "../requests.js";
import { log } from "../log.js";
import { eraseUser } from "../pipeline/erase.js";
import { VersionName } from "../core/region-policy.js";
import { ADMIN_ERASURE_MAX_BYTES, ADMIN_FAQ_MAX_BYTES } from "../limits.js";

const RolloutCommandBody = z
  .strictObject({
    action: z.enum(["start", "pause", "resume", "promote", "rollback", "decide"]),
    version: VersionName.optional(),
    stages: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .max(10)
      .refine((s) => s.every((p, i) => i === 0 || p > s[i - 1]!) && s.at(-1) === 100, "rising, ending at 100")
      .optional(),
  })
  .refine((b) => b.stages === undefined || b.action === "start", { message: "stages go with start", path: ["stages"] })
  .refine((b) => b.action !== "start" || b.version !== undefined, {
    message: "start needs a version",
    path: ["version"],
  });

/** The rollouts' one writer; a deployment without it (no binding) has no rollouts. */
function desk(edge: Edge) {
  const found = edge.rolloutDesk?.();
  if (!found) throw notConfigured("model rollouts (the ROLLOUT_DESK binding)");
  return found;
}

/** A region's rollout: its state, and each version's id and what it did since the candidate's stage began. */
async function rolloutStatus(edge: Edge, region: string) {
  const services = edge.region(region);
  const state = await desk(edge).status(region);
  const versions = Object.fromEntries(Object.entries(services.versions).map(([name, v]) => [name, v.id]));
  const since = state.candidate?.stageSince ?? Date.now() - edge.config.rollout.windowMinutes * 60_000;
  const figures = await edge.versionFigures(region, Object.values(versions), since).catch(() => undefined);
  return { region, state, versions, figuresSince: new Date(since).toISOString(), figures: figures ?? null };
}

const ErasureRequest = z.strictObject({
  channel: z.string().min(1).max(32),
  user_id: z.string().min(1).max(256),
});

/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time):
 * `PUT /admin/faq/:region` replaces a region's offline FAQ (validated whole: a bad body writes
 * nothing), `GET /admin/faq/:region` reads it back, `POST /admin/erasures` with
 * `{"channel","user_id"}` erases a user's data and says what was erased. A user's id goes in the
 * body, never in the path: request logs (wrangler's, the platform's) keep paths.
 */
export function adminRoutes(edge: Edge) {
  const admin = new Hono();
  const { config, faq } = edge;

  admin.use(async (c, next) => {
    if (!config.adminToken) throw notConfigured("the admin API");
    if (!(await secretsEqual(bearerToken(c.req.raw.headers), config.adminToken))) {
      throw unauthorized("admin", "a valid admin token is required");
    }
    await next();
  });

  /** A region of regions.json named in the path (a 404 for anything else). */
  const regionParam = (region: string) => {
    if (!Object.hasOwn(config.regionFile.regions, region)) {
      throw new HttpError(404, "not_found", `no region "${region}" in infra/regions.json`);
    }
    return region;
  };

  admin.put("/faq/:region", limitBody(ADMIN_FAQ_MAX_BYTES), async (c) => {
    const region = regionParam(c.req.param("region"));
    const languages = config.regionFile.regions[region]!.faqLanguages;
    const parsed = FaqUpload.safeParse(decodeJson(await c.req.arrayBuffer()));
    const problems = parsed.success ? [] : issueLines(parsed.error, "body");
    if (parsed.success) {
      parsed.data.entries.forEach((e, i) => {
        if (!languages.includes(e.lang)) {
          problems.push(
            `entries.${i}.lang: "${e.lang}" is not a language of ${region}'s FAQ (${languages.join(", ")})`,
          );
        }
      });
    }
    if (!parsed.success || problems.length) {
      const error = { code: "bad_request", message: "the FAQ was not changed", problems: problems.slice(0, 50) };
      return c.json({ error }, 400);
    }
    await faq.replace(region, parsed.data.entries);
    const byLanguage: Record<string, number> = {};
    for (const e of parsed.data.entries) byLanguage[e.lang] = (byLanguage[e.lang] ?? 0) + 1;
    log.info("admin.faq_replaced", { region, entries: parsed.data.entries.length });
    // A FAQ language without an entry: its users get the default language's answers, with a note.
    const missing = languages.filter((l) => !byLanguage[l]);
    return c.json({
      region,
      entries: parsed.data.entries.length,
      languages: byLanguage,
      ...(missing.length
        ? {
            missing,
            note: `no entries in ${missing.join(", ")}: those users get answers in another language, with a note`,
          }
        : {}),
    });
  });

  admin.get("/faq/:region", async (c) => {
    const region = regionParam(c.req.param("region"));
    return c.json({ region, entries: await faq.load(region) });
  });

  admin.post("/erasures", limitBody(ADMIN_ERASURE_MAX_BYTES), async (c) => {
    const parsed = ErasureRequest.safeParse(decodeJson(await c.req.arrayBuffer()));
    if (!parsed.success) throw new HttpError(400, "bad_request", issueLines(parsed.error, "body").join("; "));
    const { channel, user_id: userId } = parsed.data;
    const report = await eraseUser(edge, channel, userId);
    if (!report) throw new HttpError(404, "not_found", `unknown or unconfigured channel "${channel}"`);
    return c.json(report);
  });

  // A region's model rollout (docs/ARCHITECTURE.md, "Model versions"; `npm run rollout`), through
  // its one writer, the RolloutDesk.
  admin.get("/rollout/:region", async (c) => c.json(await rolloutStatus(edge, regionParam(c.req.param("region")))));

  admin.post("/rollout/:region", limitBody(ADMIN_ERASURE_MAX_BYTES), async (c) => {
    const region = regionParam(c.req.param("region"));
    const parsed = RolloutCommandBody.safeParse(decodeJson(await c.req.arrayBuffer()));
    if (!parsed.success) throw new HttpError(400, "bad_request", issueLines(parsed.error, "body").join("; "));
    const { action, version, stages } = parsed.data;
    if (action === "decide") {
      const said = await desk(edge).judge(region, true);
      return c.json({ said, ...(await rolloutStatus(edge, region)) });
    }
    const services = edge.region(region);
    if (version !== undefined && !Object.hasOwn(services.versions, version))
      throw new HttpError(
        404,
        "not_found",
        `${region} has no model version "${version}" in infra/regions.json (${Object.keys(services.versions).join(", ")})`,
      );
    const done = await desk(edge).command(region, { action, version, stages });
    if ("refused" in done) throw new HttpError(409, "conflict", done.refused);
    return c.json(await rolloutStatus(edge, region));
  });

  // The former erasure route took the user's id in its path; it erases nothing now.
  admin.delete("/users/*", () => {
    throw new HttpError(410, "gone", 'erasures are POST /admin/erasures {"channel","user_id"}: no user id in a URL');
  });

  return admin;
}
