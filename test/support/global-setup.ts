import { execFileSync } from "node:child_process";
import net from "node:net";

/**
 * Builds the Worker once, as `wrangler deploy` would, and checks that redis-server is there. Each
 * project that needs it lists this file; the build runs once per test run (the mark is this process's).
 */
export default async function setup(): Promise<void> {
  const port = Number(process.env.REDIS_PORT ?? 6379);
  await new Promise<void>((resolve, reject) => {
    const socket = net.createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve();
    });
    socket.once("error", () =>
      reject(
        new Error(`redis-server is not running on 127.0.0.1:${port}: start it with "redis-server --daemonize yes"`),
      ),
    );
  });
  if (process.env.EDGE_TEST_BUILD === String(process.pid)) return;
  process.stderr.write("[global-setup] building the Worker\n");
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--env", ""], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  process.env.EDGE_TEST_BUILD = String(process.pid);
}
