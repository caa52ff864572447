import { execFileSync } from "node:child_process";
import net from "node:net";

/** Builds the Worker once, as `wrangler deploy` would, and checks that redis-server is there. */
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
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--env", ""], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}
