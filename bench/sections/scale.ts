import { execFileSync } from "node:child_process";
import http from "node:http";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { startStack, webChatSocketUrl } from "../../infra/local/edge-stack.js";
import { BENCH_REDIS_DB, type Row } from "../support.js";

/** 5,000 web chat conversations open at once, each its own Durable Object with a hibernatable socket. */
export async function webchatScale(): Promise<Row[]> {
  const rows: Row[] = [];
  // Web chat conversations store nothing in their objects but spent tickets' nonces (history lives in
  // Redis): without storage files, workerd's open-files limit is not what caps the count.
  const stack = await startStack({ port: 0, redisDb: BENCH_REDIS_DB, ephemeralDurableObjects: true });
  const sockets: WebSocket[] = [];
  try {
    const workerdRss = () => {
      const out = execFileSync("ps", ["-eo", "rss=,comm="], { encoding: "utf8" });
      return (
        out
          .split("\n")
          .filter((l) => l.includes("workerd"))
          .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0) * 1024
      );
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    // Each visitor from a network of its own: the per-network limit of new chats is not what is measured.
    let visitor = 0;
    const session = () =>
      new Promise<{ token: string; network: Record<string, string> }>((resolve, reject) => {
        const network = {
          "cf-connecting-ip": `10.${(++visitor >> 16) & 255}.${(visitor >> 8) & 255}.${visitor & 255}`,
        };
        const req = http.request(
          {
            host: stack.url.hostname,
            port: stack.url.port,
            path: "/chat/session",
            method: "POST",
            agent,
            headers: {
              "cf-ipcountry": "DE",
              ...network,
              "accept-encoding": "identity",
            },
          },
          (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c));
            res.on("end", () => resolve({ token: (JSON.parse(body) as { token: string }).token, network }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const base = workerdRss();
    const total = 5000;
    const t0 = performance.now();
    let refused = 0;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, total - i) }, async () => {
          // The page's way in: the token traded for a connect ticket, from the same network.
          const { token, network } = await session();
          const ws = new WebSocket(await webChatSocketUrl(stack.url, token, network), {
            perMessageDeflate: false,
            headers: network,
          });
          const opened = await new Promise<boolean>((resolve) => {
            ws.once("message", () => resolve(true)); // the history frame
            ws.once("error", () => resolve(false));
          });
          if (opened) sockets.push(ws);
          else refused += 1;
        }),
      );
    }
    const openMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3000));
    const held = workerdRss();
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    // Sockets still answer after the objects went idle: a heartbeat from a sample of them.
    const sample = sockets.slice(0, 50);
    await Promise.all(
      sample.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once("message", () => resolve());
            ws.send('{"type":"ping"}');
          }),
      ),
    );
    // Each conversation costs workerd a socket and its object's SQLite files: the process's file limit caps them.
    const files = refused > 0 ? `, ${refused} refused (open files limit ${openFilesLimit()})` : "";
    rows.push([
      "web chat: concurrent WebSocket conversations",
      `${open} of ${total} open${files}, ${(openMs / 1000).toFixed(1)} s to open`,
      `${((held - base) / 2 ** 20).toFixed(0)} MiB workerd`,
      `${((held - base) / open / 1024).toFixed(1)} KiB per connection`,
    ]);
  } finally {
    for (const s of sockets) s.terminate();
    await stack.close();
  }
  return rows;
}

function openFilesLimit(): string {
  try {
    return execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
