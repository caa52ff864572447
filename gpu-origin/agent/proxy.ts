import http from "node:http";
import zlib from "node:zlib";
import type { AdmissionGate, Refusal } from "#agent/admission";
import { sendError } from "#agent/http";

export interface ProxyOptions {
  /** vLLM's base URL (http, localhost). */
  upstream: URL;
  gate: AdmissionGate;
  /** Whether the readiness probe currently passes. */
  isReady: () => boolean;
  retryAfterSeconds: number;
  /** vLLM refused the connection (it restarted, or died): the server is not ready until a probe says so. */
  upstreamDown?: () => void;
  /** Gzip token streams for clients that accept it (AGENT_COMPRESS_STREAMS; on by default). */
  compress?: boolean;
}

/**
 * Whether to gzip this response: a stream of server-sent events not already encoded, for a client
 * that accepts gzip. Each event is flushed as it comes (a sync flush: a few bytes each), and the
 * compressor's window spans the stream, so each event's repeated JSON (id, model, field names) costs
 * a few bytes: the stream leaves the GPU server at a fraction of its size (egress is billed by the GB).
 */
function gzipFor(req: http.IncomingMessage, upstreamRes: http.IncomingMessage): boolean {
  const accepts = String(req.headers["accept-encoding"] ?? "")
    .split(",")
    .some((part) => {
      const [name, ...params] = part.split(";").map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return name === "gzip" && (q === undefined || Number(q.slice(2)) > 0);
    });
  return (
    accepts &&
    String(upstreamRes.headers["content-type"] ?? "").startsWith("text/event-stream") &&
    upstreamRes.headers["content-encoding"] === undefined
  );
}

// Headers that describe one connection, not the message (RFC 9110 §7.6.1): never forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase()),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
  }
  return out;
}

/**
 * The admission proxy: every POST (a generation) is admitted or refused at once (429 with
 * Retry-After when full, 503 while not ready or draining) and, once in, counted until its response
 * ends; other methods (GET /v1/models) are not counted, but get 503 too while not ready or draining.
 * Responses stream through as vLLM writes them (no buffering: each server-sent event is written on
 * as it arrives). A client that goes away (the edge cancelled the reply) closes the connection to
 * vLLM, which then aborts the request and frees its sequence and KV blocks.
 */
export function createProxyHandler(options: ProxyOptions): http.RequestListener {
  const { upstream, gate } = options;
  const refuse = (res: http.ServerResponse, reason: Refusal) => {
    if (reason === "full") {
      return sendError(
        res,
        429,
        "RateLimitError",
        `Every sequence of this server is taken (${gate.capacity} requests in flight); retry after ${options.retryAfterSeconds} s.`,
        { "retry-after": String(options.retryAfterSeconds) },
      );
    }
    // With Retry-After: this server cannot, another of the pool can (the edge tries one, as for a 429,
    // and does not count it as the pool failing).
    sendError(
      res,
      503,
      "ServiceUnavailableError",
      reason === "draining" ? "This server is shutting down." : "This server is not ready.",
      { "retry-after": String(options.retryAfterSeconds) },
    );
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // A connection of its own per request (agent: false): no idle socket that vLLM's server may close
    // under a reused request, and closing it is how a cancellation reaches vLLM.
    const upstreamReq = http.request({
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      // (vLLM encodes nothing; the encoding toward the client is decided here.)
      headers: { ...endToEnd(req.headers), host: upstream.host, "accept-encoding": "identity" },
      agent: false,
    });
    upstreamReq.on("response", (upstreamRes) => {
      const gzip = options.compress !== false && gzipFor(req, upstreamRes);
      const headers = endToEnd(upstreamRes.headers);
      if (gzip) {
        delete headers["content-length"];
        headers["content-encoding"] = "gzip";
        headers.vary = "accept-encoding";
      }
      res.writeHead(upstreamRes.statusCode ?? 502, headers);
      res.flushHeaders();
      if (gzip) {
        const encoder = zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
        encoder.on("error", () => res.destroy());
        // A client that went away (a cancelled reply) frees the compressor at once, not at the next GC.
        res.once("close", () => encoder.destroy());
        upstreamRes.pipe(encoder).pipe(res);
      } else upstreamRes.pipe(res);
      // vLLM went away mid-answer: the client must see the stream cut, not a clean end.
      upstreamRes.on("close", () => {
        if (!upstreamRes.complete) res.destroy();
      });
    });
    upstreamReq.on("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      // Nothing listens (vLLM restarting, or gone): not ready until a probe completes again, and this
      // request goes to another server of the pool.
      if (error.code === "ECONNREFUSED" || error.code === "ECONNRESET") {
        options.upstreamDown?.();
        return refuse(res, "not_ready");
      }
      sendError(res, 502, "BadGatewayError", "The model server did not answer.");
    });
    res.once("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  };

  return (req, res) => {
    if (req.method === "POST") {
      const affinity = req.headers["x-chat-affinity"];
      const admission = gate.tryAdmit(options.isReady(), typeof affinity === "string" ? affinity : undefined);
      if (!admission.admitted) {
        req.resume();
        return refuse(res, admission.reason);
      }
      // 'close' comes once per response, whether it finished or the client went away.
      res.once("close", admission.release);
    } else if (gate.draining || !options.isReady()) {
      req.resume();
      return refuse(res, gate.draining ? "draining" : "not_ready");
    }
    try {
      forward(req, res);
    } catch {
      // A request Node's client will not send as it came (a malformed header): refused, and the
      // agent, which every request of this server goes through, keeps running.
      if (!res.headersSent) sendError(res, 400, "BadRequestError", "The request could not be forwarded.");
      else res.destroy();
    }
  };
}
