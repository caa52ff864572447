import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { channelSettings, type Channel } from "./channels/types.js";
import { compress } from "./compress.js";
import type { Edge } from "./edge.js";
import { CapacityShort, ConfigError, EdgeError, HttpError, MalformedPayload } from "./errors.js";
import { notConfigured } from "./requests.js";
import { errorKind, log } from "./log.js";
import { adminRoutes } from "./routes/admin.js";
import { healthRoutes } from "./routes/health.js";

type App = Hono;

/**
 * The edge's HTTP surface: each channel's routes (from the registry), the admin API and /healthz,
 * and the one place errors become HTTP responses.
 */
export function createApp(edge: Edge): App {
  const app: App = new Hono();
  app.use(securityHeaders);
  app.use(compress());
  for (const channel of edge.channels) app.route(channel.path, channelRoutes(edge, channel));
  app.route("/admin", adminRoutes(edge));
  app.route("/healthz", healthRoutes(edge));
  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such route" } }, 404));
  app.onError((err, c) => errorResponse(err, c.req.routePath));
  return app;
}

/**
 * On every answer: browsers must not guess content types (a JSON error read as HTML), and a page's
 * address (a chat token in a query) is never sent on as a Referer. A WebSocket's 101 has its
 * headers fixed by the runtime and is left alone.
 */
const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
};

/** A channel's routes where it is configured; a 404 that says so where it is not. */
function channelRoutes<S>(edge: Edge, channel: Channel<S>): App {
  const settings = channelSettings(edge.config, channel);
  if (settings !== undefined) return channel.routes(edge, settings);
  return new Hono().all("*", () => {
    throw notConfigured(`the ${channel.name} channel`);
  });
}

const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  429: "rate_limited",
  503: "unavailable",
};

/**
 * Any error as the JSON response a client gets: `{"error":{"code","message"}}`, with the status and
 * headers of an HttpError, 400 for a payload that is not the channel's shape, 503 naming no value for
 * a configuration error, and 500 without details for anything else. `route` is the route pattern
 * (never the path, which can hold a user id) for the log line.
 */
export function errorResponse(err: unknown, route?: string): Response {
  const json = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    Response.json({ error: { code, message } }, { status, headers });
  if (err instanceof HttpError) return json(err.status, err.code, err.message, err.headers);
  if (err instanceof MalformedPayload) return json(400, err.code, err.message);
  // Every server that may answer is saturated: come back shortly (a scale-out is under way).
  if (err instanceof CapacityShort)
    return json(503, "capacity", "every server is busy; retry shortly", {
      "retry-after": String(Math.max(1, Math.ceil(err.retryAfterSeconds))),
    });
  if (err instanceof HTTPException) return json(err.status, STATUS_CODES[err.status] ?? "error", err.message);
  if (err instanceof ConfigError) {
    // The message names the setting, never its value; it is for the operator's logs only.
    log.error("config.invalid", { detail: err.message });
    return json(503, err.code, "the service is not configured correctly");
  }
  log.error("request.failed", { route, error: errorKind(err), code: err instanceof EdgeError ? err.code : undefined });
  return json(500, "internal_error", "something went wrong");
}
