import type { RequestInfo } from "./types.js";

/**
 * The request as channels see it. The client's country: Cloudflare's CF-IPCountry header (which it
 * sets itself, overwriting anything a client sent), else request.cf.country. Locally, where workerd
 * fills request.cf with a placeholder, the header is how a test or a developer says where a client is.
 */
export function requestInfo(
  request: Request,
  body: ArrayBuffer = new ArrayBuffer(0),
): RequestInfo & { body: ArrayBuffer } {
  // Read only when a channel asks (webhooks never do): request.cf is decoded on each access, and most
  // requests need neither it nor a parsed URL.
  const cf = () => (request as Request & { cf?: { country?: unknown; isEUCountry?: unknown } }).cf;
  let url: URL | undefined;
  return {
    headers: request.headers,
    body,
    get url() {
      return (url ??= new URL(request.url));
    },
    get country() {
      const header = request.headers.get("cf-ipcountry");
      const fromCf = header === null ? cf()?.country : undefined;
      const raw = header ?? (typeof fromCf === "string" ? fromCf : undefined);
      // XX: unknown; T1: Tor. Neither says where the user is.
      return raw && /^[A-Za-z]{2}$/.test(raw) && !/^(XX|T1)$/i.test(raw) ? raw.toUpperCase() : undefined;
    },
    get isEuCountry() {
      return cf()?.isEUCountry === "1";
    },
  };
}
