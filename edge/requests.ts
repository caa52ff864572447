import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HttpError } from "./errors.js";

/**
 * Refuses bodies larger than `maxBytes` with a 413 before they are read (a declared Content-Length
 * is enough; a chunked body is cut off at the limit).
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, "payload_too_large", `body larger than ${maxBytes} bytes`);
    },
  });
}

/** The JSON of a raw body: strict UTF-8 (a leading BOM is dropped); anything else is a 400. */
export function decodeJson(body: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    throw new HttpError(400, "bad_request", "body is not valid JSON");
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(headers: Headers): string | undefined {
  return /^Bearer (\S+)$/.exec(headers.get("authorization") ?? "")?.[1];
}

/** The 401 of a bearer-protected API, with the challenge RFC 6750 asks for. */
export function unauthorized(realm: string, message: string): HttpError {
  return new HttpError(401, "unauthorized", message, { "www-authenticate": `Bearer realm="${realm}"` });
}

/** The 404 of a part of the edge this deployment has not configured. */
export function notConfigured(what: string): HttpError {
  return new HttpError(404, "not_configured", `${what} is not configured`);
}
