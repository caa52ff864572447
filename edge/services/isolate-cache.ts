/**
 * Values kept in an isolate's memory for `ttlMs`, at most `maxEntries` of them (a busy isolate
 * forgets the least recently written first). For settings read on the hot path that change rarely
 * (a chat's region pin, a group's /answer setting). Holds plain values only: never a promise, which
 * would settle in the context of the request that made it.
 */
export interface IsolateCache<V> {
  /** The value, or `miss` when it is not held or too old (a held value may itself be undefined). */
  get(key: string): V | typeof miss;
  set(key: string, value: V): void;
  delete(key: string): void;
}

export const miss: unique symbol = Symbol("miss");

export function isolateCache<V>(ttlMs: number, maxEntries = 10_000): IsolateCache<V> {
  const entries = new Map<string, { at: number; value: V }>();
  return {
    get(key) {
      const hit = entries.get(key);
      return hit && Date.now() - hit.at < ttlMs ? hit.value : miss;
    },
    set(key, value) {
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { at: Date.now(), value });
    },
    delete: (key) => void entries.delete(key),
  };
}
