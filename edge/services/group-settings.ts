import type { Redis } from "@upstash/redis/cloudflare";
import type { Pseudonyms } from "../crypto.js";
import { isolateCache, miss } from "./isolate-cache.js";
import { GROUP_SETTINGS_CACHE_MS } from "../limits.js";

/**
 * What a group chose for itself (`/answer all` or `/answer mentions`), in the region's Redis. Read on
 * the webhook's path for group messages not addressed to the bot, so it is cached per isolate for a
 * few seconds; a change reaches other isolates within that time.
 */
export interface GroupSettingsStore {
  /** Whether the bot answers every message of this chat, not only those addressed to it. */
  answersAll(chatKey: string): Promise<boolean>;
  setAnswersAll(chatKey: string, all: boolean): Promise<void>;
  /** The chat became another (a group upgraded to a supergroup): its setting goes with it. */
  move(from: string, to: string): Promise<void>;
}

export function groupSettingsStore(
  redis: Pick<Redis, "get" | "set" | "del" | "rename">,
  keys: Pseudonyms,
): GroupSettingsStore {
  const key = (chatKey: string) => `chat:${keys.of(chatKey)}:answer`;
  const cache = isolateCache<boolean>(GROUP_SETTINGS_CACHE_MS);
  return {
    async answersAll(chatKey) {
      const hit = cache.get(chatKey);
      if (hit !== miss) return hit;
      const all = (await redis.get<string>(key(chatKey))) === "all";
      cache.set(chatKey, all);
      return all;
    },
    async setAnswersAll(chatKey, all) {
      if (all) await redis.set(key(chatKey), "all");
      else await redis.del(key(chatKey));
      cache.set(chatKey, all);
    },
    async move(from, to) {
      const all = await this.answersAll(from);
      if (!all) return;
      await this.setAnswersAll(to, true);
      await this.setAnswersAll(from, false);
    },
  };
}
