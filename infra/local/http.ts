import type http from "node:http";
import type { AddressInfo } from "node:net";

/** Helpers shared by the local stand-ins (Upstash shim, Telegram stand-in, gpt-oss emulator). */

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The request body, or undefined when it grows past `maxBytes` (the connection is then closed). */
export function readBody(req: http.IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts `server` on `port` (0: any free one) and `host`, and answers its base URL. */
export async function listen(server: http.Server, options: { port?: number; host?: string }): Promise<string> {
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}
