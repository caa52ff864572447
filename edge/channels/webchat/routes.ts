import { createHash } from "node:crypto";
import { Hono } from "hono";
import * as z from "zod";
import { regionObject, type RegionalNamespace } from "../../config.js";
import { regionForCountry } from "../../core/region-policy.js";
import { HttpError } from "../../errors.js";
import { requestInfo } from "../request-info.js";
import type { ChannelHost, Routes } from "../types.js";
import type { WebChatSettings } from "./settings.js";
import { WEBCHAT_PAGE, WEBCHAT_SCRIPTS } from "./page.js";
import { CLIENT_HEADER, CONVERSATION_HEADER, type NetworkLimit, REGION_HEADER } from "./constants.js";
import { newConversationId, readWebChatToken, signWebChatToken } from "./token.js";
import { WEBCHAT_RESUME_WINDOW_SECONDS, WEBCHAT_TOKEN_TTL_SECONDS } from "../../limits.js";

/**
 * The bindings the routes read (wrangler.jsonc): WEBCHAT (class WebChatRoom), and the per-network
 * rate limit of new sessions (Cloudflare's Rate Limiting API; absent, no such limit applies).
 */
interface WebChatBindings {
  WEBCHAT: RegionalNamespace<unknown, { fetch(request: Request): Promise<Response> }>;
  WEBCHAT_SESSIONS?: NetworkLimit;
}

const SessionBody = z.object({ token: z.string().max(2048).optional() }).optional();

/**
 * The page loads nothing from elsewhere: its scripts and style are inline, its socket same-origin.
 * Only its own two scripts run (allowed by their SHA-256, so an injected one would not), and Trusted
 * Types with no policy forbid making HTML from a string anywhere on it.
 */
const CSP = [
  "default-src 'none'",
  `script-src ${WEBCHAT_SCRIPTS.map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`).join(" ")}`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

/**
 * `GET /chat` (the page), `POST /chat/session` (a signed, expiring token; send the previous one to
 * keep the conversation) and `GET /chat/ws?token=…` (the WebSocket, refused before the upgrade
 * without a genuine, unexpired token).
 */
export function webChatRoutes(host: ChannelHost, settings: WebChatSettings): Routes {
  const routes: Routes = new Hono();
  routes.get("/", (c) => c.html(WEBCHAT_PAGE, 200, { "cache-control": "no-cache", "content-security-policy": CSP }));

  routes.post("/session", async (c) => {
    // Sessions are free to make: each network (IP address) may make only so many a minute.
    const limiter = (c.env as WebChatBindings).WEBCHAT_SESSIONS;
    if (limiter && !(await limiter.limit({ key: clientOf(c.req.raw, host) })).success) {
      throw new HttpError(429, "too_many_sessions", "too many new chats from this network; wait a minute", {
        "retry-after": "60",
      });
    }
    let body: z.infer<typeof SessionBody>;
    try {
      const text = await c.req.text();
      body = SessionBody.parse(text.trim() ? JSON.parse(text) : undefined);
    } catch {
      throw new HttpError(400, "bad_request", 'body is empty or {"token":"…"}');
    }
    const now = Math.floor(Date.now() / 1000);
    const previous = await readWebChatToken(settings.tokenSecret, body?.token);
    const { config } = host;
    // A genuine token keeps its conversation and region (a traveller's history does not move);
    // anything else starts a new conversation in the region of the client's country.
    const resumed =
      previous && previous.exp + WEBCHAT_RESUME_WINDOW_SECONDS > now && config.regions[previous.r]
        ? previous
        : undefined;
    const request = requestInfo(c.req.raw);
    const claims = {
      c: resumed?.c ?? newConversationId(),
      r: resumed?.r ?? regionForCountry(config.regionFile, request.country, request.isEuCountry),
      exp: now + WEBCHAT_TOKEN_TTL_SECONDS,
    };
    const token = await signWebChatToken(settings.tokenSecret, claims);
    return c.json({ token, expires_at: claims.exp, resumed: Boolean(resumed) });
  });

  routes.get("/ws", async (c) => {
    const claims = await readWebChatToken(settings.tokenSecret, new URL(c.req.url).searchParams.get("token"));
    if (!claims || claims.exp <= Date.now() / 1000) {
      throw new HttpError(401, "unauthorized", "a valid, unexpired session token is required (POST /chat/session)");
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, "upgrade_required", "this endpoint speaks WebSocket only", { upgrade: "websocket" });
    }
    // A browser says which page opens the socket; only the edge's own page and the allowed ones may.
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin && !settings.allowedOrigins.includes(origin)) {
      throw new HttpError(403, "forbidden_origin", "this page may not open the chat (WEBCHAT_ALLOWED_ORIGINS)");
    }
    const headers = new Headers(c.req.raw.headers);
    headers.set(CONVERSATION_HEADER, claims.c);
    headers.set(REGION_HEADER, claims.r);
    headers.set(CLIENT_HEADER, clientOf(c.req.raw, host));
    // EU conversations live in Durable Objects of the EU jurisdiction (they store nothing, but the
    // messages pass through them). workerd has no jurisdictions: the local stack turns this off.
    const room = regionObject(host.config, (c.env as WebChatBindings).WEBCHAT, claims.r, claims.c);
    return room.fetch(new Request(c.req.raw, { headers }));
  });
  return routes;
}

/**
 * The client's network, as a keyed pseudonym of its IP address: Cloudflare's CF-Connecting-IP (set by
 * Cloudflare itself). Locally, where nothing sets it, every client counts as one network unless a
 * test or a developer says otherwise with the header.
 */
function clientOf(request: Request, host: ChannelHost): string {
  return host.keys.of(`ip:${request.headers.get("cf-connecting-ip") ?? "local"}`);
}
