import type { RequestInfo } from "./types.js";

/**
 * The request as channels see it. The client's country: Cloudflare's CF-IPCountry header (which it
 * sets itself, overwriting anything a client sent), else request.cf.country. Locally, where workerd
 * fills request.cf with a placeholder, the header is how a test or a developer says where a client is.
 */
export function requestInfo(request: Request): RequestInfo {
  const cf = (request as Request & { cf?: { country?: unknown; isEUCountry?: unknown } }).cf;
  const raw = request.headers.get("cf-ipcountry") ?? (typeof cf?.country === "string" ? cf.country : undefined);
  // XX: unknown; T1: Tor. Neither says where the user is.
  const country = raw && /^[A-Za-z]{2}$/.test(raw) && !/^(XX|T1)$/i.test(raw) ? raw.toUpperCase() : undefined;
  return { headers: request.headers, url: new URL(request.url), country, isEuCountry: cf?.isEUCountry === "1" };
}
