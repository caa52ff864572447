import { createHash } from "node:crypto";
import { Hono } from "hono";
import * as z from "zod";
import { regionObject, type RegionalNamespace } from "../../config.js";
import { regionForCountry } from "../../core/region-policy.js";
import { HttpError } from "../../errors.js";
import { TEXT_LANGUAGES, textsFor } from "../../texts/index.js";
import { preferredLanguage } from "../../texts/languages.js";
import { requestInfo } from "../request-info.js";
import type { ChannelHost, Routes } from "../types.js";
import type { WebChatSettings } from "./settings.js";
import { webChatPage, WEBCHAT_SCRIPTS } from "./page.js";
import {
  CLIENT_HEADER,
  CLOSE,
  CONVERSATION_HEADER,
  type NetworkLimit,
  REGION_HEADER,
  TICKET_HEADER,
} from "./constants.js";
import { randomId, readConnectTicket, readWebChatToken, signConnectTicket, signWebChatToken } from "./token.js";
import { WEBCHAT_RESUME_WINDOW_SECONDS, WEBCHAT_TICKET_TTL_SECONDS, WEBCHAT_TOKEN_TTL_SECONDS } from "../../limits.js";

/**
 * The bindings the routes read (wrangler.jsonc): WEBCHAT (class WebChatRoom), and the per-network
 * rate limit of new sessions (Cloudflare's Rate Limiting API; absent, no such limit applies).
 */
interface WebChatBindings {
  WEBCHAT: RegionalNamespace<unknown, { fetch(request: Request): Promise<Response> }>;
  WEBCHAT_SESSIONS?: NetworkLimit;
}

const SessionBody = z.object({ token: z.string().max(2048).optional() }).optional();
const TicketBody = z.object({ token: z.string().max(2048) });

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
 * keep the conversation), `POST /chat/ticket` (the token, in the body, traded for a connect ticket)
 * and `GET /chat/ws?ticket=…` (the WebSocket).
 *
 * Why a ticket, and not the token in the socket's `Sec-WebSocket-Protocol` header: a browser's
 * WebSocket can set no header but that one, and using it for a credential still sends the 30-day
 * credential with every connection, in a header that proxies and request logs (Logpush's
 * RequestHeaders) may keep, and the handshake fails in the browser unless the server echoes a
 * protocol back. A ticket needs nothing of the browser or of Cloudflare beyond a plain URL, and a URL
 * that a log keeps is worthless: the ticket lives seconds, opens one socket of one conversation, and
 * only from the network it was issued to. The token itself travels only in POST bodies.
 */
export function webChatRoutes(host: ChannelHost, settings: WebChatSettings): Routes {
  const routes: Routes = new Hono();
  routes.get("/", (c) => {
    // In the browser's language, the best of those the product's texts are written in.
    const lang = pageLanguage(c.req.raw);
    return c.html(webChatPage(lang), 200, {
      "cache-control": "no-cache",
      "content-language": lang,
      vary: "accept-language",
      "content-security-policy": CSP,
    });
  });

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
      c: resumed?.c ?? randomId(),
      r: resumed?.r ?? regionForCountry(config.regionFile, request.country, request.isEuCountry),
      exp: now + WEBCHAT_TOKEN_TTL_SECONDS,
    };
    const token = await signWebChatToken(settings.tokenSecret, claims);
    return c.json({ token, expires_at: claims.exp, resumed: Boolean(resumed) });
  });

  routes.post("/ticket", async (c) => {
    let body: z.infer<typeof TicketBody>;
    try {
      body = TicketBody.parse(JSON.parse(await c.req.text()));
    } catch {
      throw new HttpError(400, "bad_request", 'body is {"token":"…"}');
    }
    const now = Math.floor(Date.now() / 1000);
    const session = await readWebChatToken(settings.tokenSecret, body.token);
    if (!session || session.exp <= now || !host.config.regions[session.r]) {
      // The page then trades its token for a fresh one (POST /chat/session), which resumes the conversation.
      throw new HttpError(401, "unauthorized", "a valid, unexpired session token is required (POST /chat/session)");
    }
    const claims = {
      c: session.c,
      r: session.r,
      exp: now + WEBCHAT_TICKET_TTL_SECONDS,
      n: randomId(),
      k: networkOf(c.req.raw, host),
    };
    const ticket = await signConnectTicket(settings.tokenSecret, claims);
    return c.json({ ticket, expires_at: claims.exp }, 200, { "cache-control": "no-store" });
  });

  routes.get("/ws", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, "upgrade_required", "this endpoint speaks WebSocket only", { upgrade: "websocket" });
    }
    // A browser says which page opens the socket; only the edge's own page and the allowed ones may.
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin && !settings.allowedOrigins.includes(origin)) {
      throw new HttpError(403, "forbidden_origin", "this page may not open the chat (WEBCHAT_ALLOWED_ORIGINS)");
    }
    // Never log this URL: a page from before tickets still puts its token in it.
    const query = new URL(c.req.url).searchParams;
    if (!query.has("ticket") && query.has("token")) {
      // A page loaded before tickets: its script cannot fetch one, so it is told to reload (it shows
      // an error frame's message). Its token is not read.
      return closeAtOnce(CLOSE.tokenInUrl, 410, "the token no longer opens the socket: reload the page", {
        type: "error",
        code: "reload",
        message: textsFor(pageLanguage(c.req.raw))("webchat.reload"),
      });
    }
    const ticket = await readConnectTicket(settings.tokenSecret, query.get("ticket"));
    const refused = !ticket
      ? "not a ticket"
      : ticket.exp <= Date.now() / 1000
        ? "ticket expired"
        : ticket.k !== networkOf(c.req.raw, host)
          ? "ticket issued to another network"
          : undefined;
    if (!ticket || refused) return closeAtOnce(CLOSE.ticketRefused, 401, `${refused}: fetch a new one`);
    const headers = new Headers(c.req.raw.headers);
    headers.set(CONVERSATION_HEADER, ticket.c);
    headers.set(REGION_HEADER, ticket.r);
    // The per-network message limit goes by the client's address, as the session limit does (the
    // ticket's wider network only says the socket comes from where the ticket went).
    headers.set(CLIENT_HEADER, clientOf(c.req.raw, host));
    headers.set(TICKET_HEADER, ticket.n);
    // The room spends the ticket: a second use closes with CLOSE.ticketRefused. EU conversations live
    // in Durable Objects of the EU jurisdiction (they keep only spent tickets' nonces, but the messages
    // pass through them). workerd has no jurisdictions: the local stack turns this off.
    const room = regionObject(host.config, (c.env as WebChatBindings).WEBCHAT, ticket.r, ticket.c);
    return room.fetch(new Request(c.req.raw, { headers }));
  });
  return routes;
}

/** The language a page (or a page's socket, before any room) is spoken to in: Accept-Language's best, else English. */
function pageLanguage(request: Request): string {
  return preferredLanguage(request.headers.get("accept-language"), TEXT_LANGUAGES) ?? "en";
}

/**
 * The client's network, as a keyed pseudonym of its IP address: Cloudflare's CF-Connecting-IP (set by
 * Cloudflare itself). Locally, where nothing sets it, every client counts as one network unless a
 * test or a developer says otherwise with the header.
 */
function clientOf(request: Request, host: ChannelHost): string {
  return host.keys.of(`ip:${request.headers.get("cf-connecting-ip") ?? "local"}`);
}

/**
 * The network a ticket is bound to: a keyed pseudonym of the client address's network, an IPv4 /24 or
 * an IPv6 /48, not of the address itself, since a carrier's NAT may hand one phone's two connections
 * (the ticket's POST and the socket) different addresses of its pool.
 */
function networkOf(request: Request, host: ChannelHost): string {
  const ip = request.headers.get("cf-connecting-ip") ?? "local";
  const v4 = /^(\d+\.\d+\.\d+)\.\d+$/.exec(ip);
  const network = v4 ? `${v4[1]}.0/24` : ip.includes(":") ? `${expandV6(ip).slice(0, 3).join(":")}::/48` : ip;
  return host.keys.of(`net:${network}`);
}

/** An IPv6 address's eight groups, `::` filled in. */
function expandV6(ip: string): string[] {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0");
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, ""));
}

/** What the runtime's WebSocketPair is used for here (typed by shape: this file also runs in Node). */
type SocketPair = new () => {
  0: unknown;
  1: { accept(): void; send(text: string): void; close(code: number, reason: string): void };
};

/**
 * A socket refused where the browser can see why: accepted, sent `frame` if any, and closed with
 * `code` at once (a browser's WebSocket reports a handshake refused with an HTTP status only as 1006).
 * Outside workerd (the unit tests' Node) there is no socket to accept: the HTTP status it stands for.
 */
function closeAtOnce(code: number, status: 401 | 410, reason: string, frame?: object): Response {
  const Pair = (globalThis as { WebSocketPair?: SocketPair }).WebSocketPair;
  if (!Pair) throw new HttpError(status, status === 401 ? "unauthorized" : "gone", reason);
  const { 0: client, 1: server } = new Pair();
  server.accept();
  if (frame) server.send(JSON.stringify(frame));
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client } as ResponseInit);
}
