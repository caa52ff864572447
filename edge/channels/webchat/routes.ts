import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { AppEnv } from "../../app.js";
import { regionObject, type Config } from "../../config.js";
import type { RequestInfo } from "../types.js";
import { regionForCountry } from "../../core/region-policy.js";
import { requestInfo } from "../request-info.js";
import { CONVERSATION_HEADER, REGION_HEADER } from "./conversation.js";
import { webchatChannel } from "./index.js";
import { CHAT_PAGE } from "./page.js";
import {
  CHAT_TOKEN_TTL_SECONDS,
  newConversationId,
  readChatToken,
  RESUME_WINDOW_SECONDS,
  signChatToken,
} from "./token.js";

const SessionBody = z.object({ token: z.string().max(2048).optional() }).optional();

/**
 * `GET /chat` (the page), `POST /chat/session` (a signed, expiring token; send the previous one to
 * keep the conversation) and `GET /chat/ws?token=…` (the WebSocket, refused before the upgrade
 * without a genuine, unexpired token).
 */
export function webchatRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get("/", (c) => {
    if (!webchatChannel.settings(c.get("config")))
      throw new HTTPException(404, { message: "the web chat is not configured" });
    return c.html(CHAT_PAGE, 200, { "cache-control": "no-cache", "content-security-policy": CSP });
  });

  routes.post("/session", async (c) => {
    const settings = webchatChannel.settings(c.get("config"));
    if (!settings) throw new HTTPException(404, { message: "the web chat is not configured" });
    let body: z.infer<typeof SessionBody>;
    try {
      const text = await c.req.text();
      body = SessionBody.parse(text.trim() ? JSON.parse(text) : undefined);
    } catch {
      throw new HTTPException(400, { message: 'body is empty or {"token":"…"}' });
    }
    const now = Math.floor(Date.now() / 1000);
    const previous = await readChatToken(settings.tokenSecret, body?.token);
    const config = c.get("config");
    // A genuine token keeps its conversation and region (a traveller's history does not move);
    // anything else starts a new conversation in the region of the client's country.
    const resumed =
      previous && previous.exp + RESUME_WINDOW_SECONDS > now && config.regions[previous.r] ? previous : undefined;
    const claims = {
      c: resumed?.c ?? newConversationId(),
      r: resumed?.r ?? regionOfClient(config, requestInfo(c.req.raw)),
      exp: now + CHAT_TOKEN_TTL_SECONDS,
    };
    return c.json({
      token: await signChatToken(settings.tokenSecret, claims),
      expires_at: claims.exp,
      resumed: Boolean(resumed),
    });
  });

  routes.get("/ws", async (c) => {
    const settings = webchatChannel.settings(c.get("config"));
    if (!settings) throw new HTTPException(404, { message: "the web chat is not configured" });
    const request = requestInfo(c.req.raw);
    if (!(await webchatChannel.verify(request, settings))) {
      throw new HTTPException(401, { message: "a valid, unexpired session token is required (POST /chat/session)" });
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HTTPException(426, {
        message: "this endpoint speaks WebSocket only",
        res: new Response(null, { headers: { upgrade: "websocket" } }),
      });
    }
    const claims = (await readChatToken(settings.tokenSecret, request.url.searchParams.get("token")))!;
    const headers = new Headers(c.req.raw.headers);
    headers.set(CONVERSATION_HEADER, claims.c);
    headers.set(REGION_HEADER, claims.r);
    // EU conversations live in Durable Objects of the EU jurisdiction (they store nothing, but the
    // messages pass through them). workerd has no jurisdictions: the local stack turns this off.
    return regionObject(c.get("config"), c.env.CHAT, claims.r, claims.c).fetch(new Request(c.req.raw, { headers }));
  });

  return routes;
}

function regionOfClient(config: Config, request: RequestInfo): string {
  return regionForCountry(config.regionFile, request.country, request.isEuCountry);
}

/** The page loads nothing from elsewhere: its script and style are inline, its socket same-origin. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
