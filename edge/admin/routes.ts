import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app.js";
import { secretsEqual } from "../channels/verify.js";
import { log } from "../log.js";
import { FaqUpload } from "../core/faq-schema.js";
import { eraseUser } from "../pipeline/erase.js";

/** FAQ uploads are a few hundred entries; 2 MiB leaves room without inviting abuse. */
const MAX_FAQ_BYTES = 2 * 1024 * 1024;

/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time):
 * `PUT /admin/faq/:region` replaces a region's offline FAQ (validated whole: a bad body writes
 * nothing), `GET /admin/faq/:region` reads it back, `DELETE /admin/users/:channel/:userId` erases a
 * user's data and says what was erased.
 */
export function adminRoutes() {
  const admin = new Hono<AppEnv>();

  admin.use(async (c, next) => {
    const token = c.get("config").adminToken;
    if (!token) throw new HTTPException(404, { message: "the admin API is not configured" });
    const given = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!(await secretsEqual(given, token))) {
      throw new HTTPException(401, {
        message: "a valid admin token is required",
        res: new Response(null, { headers: { "www-authenticate": 'Bearer realm="admin"' } }),
      });
    }
    await next();
  });

  admin.put(
    "/faq/:region",
    bodyLimit({
      maxSize: MAX_FAQ_BYTES,
      onError: () => {
        throw new HTTPException(413, { message: `an FAQ is at most ${MAX_FAQ_BYTES} bytes` });
      },
    }),
    async (c) => {
      const { config, faq } = c.get("edge");
      const region = c.req.param("region");
      const languages = config.regionFile.regions[region]?.faqLanguages;
      if (!languages) throw new HTTPException(404, { message: `no region "${region}" in infra/regions.json` });
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new HTTPException(400, { message: "body is not valid JSON" });
      }
      const parsed = FaqUpload.safeParse(body);
      const problems = parsed.success
        ? []
        : parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
      if (parsed.success) {
        parsed.data.entries.forEach((e, i) => {
          if (!languages.includes(e.lang))
            problems.push(
              `entries.${i}.lang: "${e.lang}" is not a language of ${region}'s FAQ (${languages.join(", ")})`,
            );
        });
      }
      if (!parsed.success || problems.length) {
        return c.json(
          { error: { code: "bad_request", message: "the FAQ was not changed", problems: problems.slice(0, 50) } },
          400,
        );
      }
      await faq.replace(region, parsed.data.entries);
      const byLanguage: Record<string, number> = {};
      for (const e of parsed.data.entries) byLanguage[e.lang] = (byLanguage[e.lang] ?? 0) + 1;
      log.info("admin.faq_replaced", { region, entries: parsed.data.entries.length });
      return c.json({ region, entries: parsed.data.entries.length, languages: byLanguage });
    },
  );

  admin.get("/faq/:region", async (c) => {
    const { config, faq } = c.get("edge");
    const region = c.req.param("region");
    if (!config.regionFile.regions[region])
      throw new HTTPException(404, { message: `no region "${region}" in infra/regions.json` });
    return c.json({ region, entries: await faq.load(region) });
  });

  admin.delete("/users/:channel/:userId", async (c) => {
    const report = await eraseUser(c.get("edge"), c.req.param("channel"), c.req.param("userId"));
    if (!report)
      throw new HTTPException(404, { message: `unknown or unconfigured channel "${c.req.param("channel")}"` });
    return c.json(report);
  });

  return admin;
}
