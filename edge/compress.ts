import type { MiddlewareHandler } from "hono";
import { COMPRESS_MIN_BYTES } from "./limits.js";

const COMPRESSIBLE = /^(application\/json|text\/html|text\/plain|text\/css|application\/javascript)\b/;

/**
 * Brotli for clients that accept it, gzip otherwise, for JSON and HTML. The Workers runtime does the
 * compressing: a response that declares `Content-Encoding: br` or `gzip` over a plain body is encoded
 * on the way out. Event streams are left alone (compression would hold deltas back), and so are
 * WebSocket upgrades, bodies that are already encoded, and bodies known to be small.
 *
 * @example
 * app.use(compress());
 */
export function compress(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (res.status === 101 || res.status === 204 || !res.body || res.headers.has("content-encoding")) return;
    const length = res.headers.get("content-length");
    if (length !== null && Number(length) < COMPRESS_MIN_BYTES) return;
    if (!COMPRESSIBLE.test(res.headers.get("content-type") ?? "")) return;
    const accepted = acceptedEncodings(c.req.header("accept-encoding") ?? "");
    const encoding = accepted.has("br") ? "br" : accepted.has("gzip") ? "gzip" : undefined;
    if (!encoding) return;
    const headers = new Headers(res.headers);
    headers.set("content-encoding", encoding);
    headers.delete("content-length");
    headers.append("vary", "Accept-Encoding");
    c.res = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

function acceptedEncodings(header: string): Set<string> {
  const out = new Set<string>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && (!q || Number(q.slice(2)) > 0)) out.add(name);
  }
  return out;
}
