import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sendJson } from "./http.js";
import { RespConnection, type Reply } from "./resp.js";

/**
 * A local stand-in for Upstash's Redis REST API, in front of a real redis-server, so the edge runs
 * the real @upstash/redis and @upstash/ratelimit clients locally.
 *
 * Speaks what those clients use: `POST /` with one command as a JSON array, `POST /pipeline` and
 * `POST /multi-exec` with an array of commands, path-style commands (`GET /get/key`), bearer tokens,
 * and `Upstash-Encoding: base64` (bulk strings base64-encoded; the status "OK" left as is, which is
 * how the client decodes it). Each database listens on its own port and keeps its data in its own
 * Redis logical database, as each Upstash database has its own endpoint.
 *
 * Scripts: @upstash/ratelimit starts its Lua with `#!lua flags=allow-key-locking`, a flag Upstash
 * accepts and stock Redis rejects. The shim drops that flag from EVAL and SCRIPT LOAD, and maps the
 * SHA-1 the client computed (of the flagged text) to the one Redis holds (of the stripped text), so
 * EVALSHA keeps costing one round trip.
 */
export interface ShimDatabaseOptions {
  /** A name for logs and stats, e.g. the region id. */
  name: string;
  /** Redis logical database that holds this database's keys. */
  db: number;
  token: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ShimOptions {
  redisHost?: string;
  redisPort?: number;
  host?: string;
  databases: ShimDatabaseOptions[];
}

export interface ShimDatabaseStats {
  /** HTTP requests, each one Upstash round trip. */
  requests: number;
  /** Redis commands carried by those requests. */
  commands: number;
  /** The same, by command name (upper case): what each billed command is for. */
  byCommand: Record<string, number>;
}

export interface UpstashShim {
  urls: Record<string, string>;
  /**
   * Holds requests for `ms` before answering (a slow or stalled Upstash), for fault tests: every
   * request, or only those whose body contains `onlyContaining`.
   */
  stall(ms: number, onlyContaining?: string): void;
  stats(): Record<string, ShimDatabaseStats>;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startUpstashShim(options: ShimOptions): Promise<UpstashShim> {
  const host = options.host ?? "127.0.0.1";
  const scripts = new ScriptRegistry();
  const servers: http.Server[] = [];
  const connections: RespConnection[] = [];
  const urls: Record<string, string> = {};
  const stats: Record<string, ShimDatabaseStats> = {};
  const stalling = { until: 0, onlyContaining: undefined as string | undefined };

  for (const database of options.databases) {
    const redis = new RespConnection(options.redisHost ?? "127.0.0.1", options.redisPort ?? 6379, database.db);
    connections.push(redis);
    const counters = (stats[database.name] = { requests: 0, commands: 0, byCommand: {} });
    const server = http.createServer((req, res) => {
      handle(req, res, { redis, scripts, token: database.token, counters, stalling }).catch((err: unknown) => {
        sendJson(res, 500, { error: `ERR ${(err as Error).message}` });
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(database.port ?? 0, host, () => resolve());
    });
    servers.push(server);
    urls[database.name] = `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  return {
    urls,
    stall: (ms, onlyContaining) => void Object.assign(stalling, { until: Date.now() + ms, onlyContaining }),
    stats: () => structuredClone(stats),
    resetStats: () => {
      for (const s of Object.values(stats)) Object.assign(s, { requests: 0, commands: 0, byCommand: {} });
    },
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      );
      for (const c of connections) c.close();
    },
  };
}

interface Context {
  redis: RespConnection;
  scripts: ScriptRegistry;
  token: string;
  counters: ShimDatabaseStats;
  stalling: { until: number; onlyContaining: string | undefined };
}

type Command = string[];

function countCommands(counters: ShimDatabaseStats, commands: ReadonlyArray<ReadonlyArray<unknown>>): void {
  counters.commands += commands.length;
  for (const [name, script] of commands) {
    // A script is named by its digest's first 8 hex digits (EVAL's by its text's), to tell scripts apart.
    const upper = String(name).toUpperCase();
    const key =
      upper === "EVALSHA"
        ? `EVALSHA ${String(script).slice(0, 8)}`
        : upper === "EVAL"
          ? `EVAL ${createHash("sha1").update(String(script)).digest("hex").slice(0, 8)}`
          : upper;
    counters.byCommand[key] = (counters.byCommand[key] ?? 0) + 1;
  }
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context): Promise<void> {
  const url = new URL(req.url ?? "/", "http://shim");
  if (!authorized(req, url, ctx.token)) return sendJson(res, 401, { error: "Unauthorized" });
  const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) return sendJson(res, 413, { error: "ERR request body too large" });
  ctx.counters.requests += 1;
  const wait = ctx.stalling.until - Date.now();
  if (wait > 0 && (!ctx.stalling.onlyContaining || body.includes(ctx.stalling.onlyContaining)))
    await new Promise((r) => setTimeout(r, wait));

  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return sendJson(res, 400, { error: "ERR failed to parse the request body as JSON" });
    }
  }

  if (url.pathname === "/pipeline" || url.pathname === "/multi-exec") {
    const commands = toCommands(parsed);
    if (!commands)
      return sendJson(res, 400, {
        error: "ERR the body must be an array of commands, each an array of strings and numbers",
      });
    countCommands(ctx.counters, commands);
    const replies = url.pathname === "/pipeline" ? await run(ctx, commands) : await runTransaction(ctx, commands);
    if (!replies) return sendJson(res, 400, { error: "EXECABORT Transaction discarded" });
    return sendJson(
      res,
      200,
      replies.map((r) => envelope(r, base64)),
    );
  }

  // One command: the JSON array body, or the path segments (`/set/key/value`) followed by the body.
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const command =
    segments.length > 0 ? [...segments, ...(parsed === undefined ? [] : [String(parsed)])] : toCommand(parsed);
  if (!command || command.length === 0)
    return sendJson(res, 400, { error: "ERR the body must be a command: an array of strings and numbers" });
  countCommands(ctx.counters, [command]);
  const [result] = await run(ctx, [command]);
  const out = envelope(result!, base64);
  sendJson(res, "error" in out ? 400 : 200, out);
}

function authorized(req: http.IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : (url.searchParams.get("_token") ?? "");
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

function toCommand(value: unknown): Command | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (!value.every((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")) return undefined;
  return value.map(String);
}

function toCommands(value: unknown): Command[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const commands = value.map(toCommand);
  return commands.every((c): c is Command => c !== undefined) ? commands : undefined;
}

/** Runs commands as one pipelined write, with the script rewriting described above. */
async function run(ctx: Context, commands: Command[]): Promise<Reply[]> {
  const rewritten = commands.map((c) => ctx.scripts.rewrite(c));
  const replies = await ctx.redis.send(rewritten.map((r) => r.command));
  // EVALSHA of a script Redis no longer holds (flushed or restarted) but the shim has seen: run it.
  return Promise.all(
    replies.map(async (r, i) => {
      const fallback = rewritten[i]!.onNoScript;
      if (r.type === "error" && r.value.startsWith("NOSCRIPT") && fallback) {
        const [again] = await ctx.redis.send([fallback]);
        return again!;
      }
      return rewritten[i]!.mapReply(r);
    }),
  );
}

/** MULTI … EXEC in one write; returns the replies of the commands, or undefined when EXEC aborted. */
async function runTransaction(ctx: Context, commands: Command[]): Promise<Reply[] | undefined> {
  const rewritten = commands.map((c) => ctx.scripts.rewrite(c));
  const replies = await ctx.redis.send([["MULTI"], ...rewritten.map((r) => r.command), ["EXEC"]]);
  const exec = replies.at(-1)!;
  if (exec.type !== "array" || exec.value === null) return undefined;
  return exec.value.map((r, i) => rewritten[i]!.mapReply(r));
}

function envelope(r: Reply, base64: boolean): { result: unknown } | { error: string } {
  if (r.type === "error") return { error: r.value };
  return { result: encode(r, base64) };
}

function encode(r: Reply, base64: boolean): unknown {
  switch (r.type) {
    case "status":
      return !base64 || r.value === "OK" ? r.value : Buffer.from(r.value).toString("base64");
    case "error":
      return r.value;
    case "integer":
      return r.value;
    case "bulk":
      return r.value === null ? null : r.value.toString(base64 ? "base64" : "utf8");
    case "array":
      return r.value === null ? null : r.value.map((item) => encode(item, base64));
  }
}

interface Rewritten {
  command: Command;
  mapReply: (r: Reply) => Reply;
  onNoScript?: Command;
}

const KEY_LOCKING_FLAG = "allow-key-locking";

class ScriptRegistry {
  /** SHA-1 the client computed → the stripped script and the SHA-1 Redis knows it by. */
  private readonly byClientSha = new Map<string, { sha: string; script: string }>();

  rewrite(command: Command): Rewritten {
    const name = command[0]!.toUpperCase();
    const identity = (r: Reply) => r;
    if ((name === "EVAL" || name === "EVAL_RO") && command[1] !== undefined) {
      const script = this.register(command[1]);
      return { command: [command[0]!, script, ...command.slice(2)], mapReply: identity };
    }
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && command[1] !== undefined) {
      const known = this.byClientSha.get(command[1].toLowerCase());
      if (!known) return { command, mapReply: identity };
      return {
        command: [command[0]!, known.sha, ...command.slice(2)],
        mapReply: identity,
        onNoScript: [name === "EVALSHA" ? "EVAL" : "EVAL_RO", known.script, ...command.slice(2)],
      };
    }
    if (name === "SCRIPT" && command[1]?.toUpperCase() === "LOAD" && command[2] !== undefined) {
      const clientSha = sha1(command[2]);
      const script = this.register(command[2]);
      // Answer with the hash the client expects, so its later EVALSHA matches.
      return {
        command: [command[0]!, command[1], script],
        mapReply: (r) => (r.type === "error" ? r : { type: "bulk", value: Buffer.from(clientSha) }),
      };
    }
    return { command, mapReply: identity };
  }

  private register(original: string): string {
    const stripped = stripKeyLockingFlag(original);
    if (stripped !== original) this.byClientSha.set(sha1(original), { sha: sha1(stripped), script: stripped });
    return stripped;
  }
}

/** Removes `allow-key-locking` from a `#!lua flags=…` first line, keeping any other flag. */
export function stripKeyLockingFlag(script: string): string {
  const newline = script.indexOf("\n");
  const first = newline < 0 ? script : script.slice(0, newline);
  const m = /^#!lua(?:\s+flags=(\S*))?\s*$/.exec(first);
  if (!m || !m[1]) return script;
  const flags = m[1].split(",").filter((f) => f && f !== KEY_LOCKING_FLAG);
  const shebang = flags.length ? `#!lua flags=${flags.join(",")}` : "#!lua";
  return shebang + (newline < 0 ? "" : script.slice(newline));
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
