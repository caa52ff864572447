import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { telegramChannel } from "./channels/telegram/index.js";
import { whatsappChannel } from "./channels/whatsapp/index.js";
import { adminRoutes } from "./admin/routes.js";
import { httpApiRoutes } from "./channels/http/routes.js";
import { webchatRoutes } from "./channels/webchat/routes.js";
import { webhookRoutes } from "./channels/webhook.js";
import { compress } from "./compress.js";
import type { Config } from "./config.js";
import { ConfigError } from "./errors.js";
import { errorKind, log } from "./log.js";
import { edgeContext, type EdgeContext } from "./pipeline/context.js";
import { healthRoutes } from "./pipeline/health.js";

export type AppEnv = { Bindings: Env; Variables: { config: Config; edge: EdgeContext } };

/** The edge's HTTP surface: every route of the contract in DESIGN.md, and the one error handler. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(compress());
  app.use(async (c, next) => {
    const edge = edgeContext(c.env);
    c.set("edge", edge);
    c.set("config", edge.config);
    await next();
  });

  app.route("/webhooks/telegram", webhookRoutes(telegramChannel));
  app.route("/webhooks/whatsapp", webhookRoutes(whatsappChannel));
  app.route("/v1/messages", httpApiRoutes());
  app.route("/chat", webchatRoutes());
  app.route("/admin", adminRoutes());
  app.route("/healthz", healthRoutes());

  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such route" } }, 404));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = c.json({ error: { code: codeFor(err.status), message: err.message } }, err.status);
      // Headers a handler attached to the error (WWW-Authenticate, Retry-After) go out with it.
      err.res?.headers.forEach((value, name) => res.headers.set(name, value));
      return res;
    }
    if (err instanceof ConfigError) {
      // The message names the setting, never its value; it is for the operator's logs only.
      log.error("config.invalid", { detail: err.message });
      return c.json({ error: { code: "misconfigured", message: "the service is not configured correctly" } }, 503);
    }
    // The route pattern, not the path: a path can hold a user id (DELETE /admin/users/whatsapp/<number>).
    log.error("request.failed", { route: c.req.routePath, error: errorKind(err) });
    return c.json({ error: { code: "internal_error", message: "something went wrong" } }, 500);
  });

  return app;
}

function codeFor(status: number): string {
  const codes: Record<number, string> = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    429: "rate_limited",
    503: "unavailable",
  };
  return codes[status] ?? "error";
}
