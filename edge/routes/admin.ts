import { Hono } from "hono";
import { FaqUpload } from "../core/faq-schema.js";
import { issueLines } from "../core/zod-issues.js";
import { secretsEqual } from "../crypto.js";
import type { Edge } from "../edge.js";
import { HttpError } from "../errors.js";
import { bearerToken, decodeJson, limitBody, notConfigured, unauthorized } from "../http.js";
import { log } from "../log.js";
import { eraseUser } from "../pipeline/erase.js";

/** FAQ uploads are a few hundred entries; 2 MiB leaves room without inviting abuse. */
const MAX_FAQ_BYTES = 2 * 1024 * 1024;

/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time):
 * `PUT /admin/faq/:region` replaces a region's offline FAQ (validated whole: a bad body writes
 * nothing), `GET /admin/faq/:region` reads it back, `DELETE /admin/users/:channel/:userId` erases a
 * user's data and says what was erased.
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

  admin.put("/faq/:region", limitBody(MAX_FAQ_BYTES), async (c) => {
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
    return c.json({ region, entries: parsed.data.entries.length, languages: byLanguage });
  });

  admin.get("/faq/:region", async (c) => {
    const region = regionParam(c.req.param("region"));
    return c.json({ region, entries: await faq.load(region) });
  });

  admin.delete("/users/:channel/:userId", async (c) => {
    const report = await eraseUser(edge, c.req.param("channel"), c.req.param("userId"));
    if (!report) throw new HttpError(404, "not_found", `unknown or unconfigured channel "${c.req.param("channel")}"`);
    return c.json(report);
  });

  return admin;
}
