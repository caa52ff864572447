import type { Redis } from "@upstash/redis/cloudflare";
import { createHash } from "node:crypto";
import rateLimit from "./rate-limit.lua";
import removeAuthor from "./remove-author.lua";
import saveTurn from "./save-turn.lua";
import writeUnlessErased from "./write-unless-erased.lua";

/** A Lua script with its SHA-1, so it is sent by digest (EVALSHA) and its text only once per database. */
export interface LuaScript {
  text: string;
  sha1: string;
}

function luaScript(text: string): LuaScript {
  return { text, sha1: createHash("sha1").update(text).digest("hex") };
}

/** The conversation's scripts, each a .lua file beside this one that says what its KEYS and ARGV are. */
export const SCRIPTS = {
  saveTurn: luaScript(saveTurn),
  rateLimit: luaScript(rateLimit),
  writeUnlessErased: luaScript(writeUnlessErased),
  removeAuthor: luaScript(removeAuthor),
} as const;

/** Runs `script` by its digest; a database that does not know it yet gets the text (and keeps it). */
export async function runScript<T = unknown>(
  redis: Pick<Redis, "evalsha" | "eval">,
  script: LuaScript,
  keys: string[],
  args: Array<string | number>,
): Promise<T> {
  try {
    return await redis.evalsha<Array<string | number>, T>(script.sha1, keys, args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return await redis.eval<Array<string | number>, T>(script.text, keys, args);
  }
}

/** The database does not know the script by its digest (NOSCRIPT): it is to be sent its text. */
export function isNoScript(err: unknown): boolean {
  return String(err).toLowerCase().includes("noscript");
}
