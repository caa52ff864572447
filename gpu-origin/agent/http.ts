import type http from "node:http";

/** Small HTTP helpers shared by the proxy and the control listener. */

/**
 * An error in the shape vLLM's OpenAI-compatible server answers with (`{"error": {message, type,
 * param, code}}`), so the edge reads one shape whether vLLM or its admission refused.
 */
export function sendError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code: status } }, headers);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** A log line for journald: `[gpu-origin-agent] <event> key=value …`. Callers pass no content and no keys. */
export function log(event: string, fields: Record<string, string | number | boolean> = {}): void {
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`[gpu-origin-agent] ${[event, ...pairs].join(" ")}\n`);
}
