import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Turn } from "../core/token-budget.js";
import { log } from "../log.js";

/** How long the rate limiter waits for Redis before failing open. */
const RATE_LIMIT_TIMEOUT_MS = 1000;

/** Turns kept per conversation in Redis; the prompt takes a window of the most recent ones. */
const MAX_STORED_TURNS = 50;

/** A stored turn: `at` when it was saved, `sentAt` when the user sent it (their turns; epoch ms). */
export type StoredTurn = Turn & { at: number; sentAt?: number };

/** What older turns, fallen out of the prompt's window, said: written by the model in the background. */
export interface ConversationSummary {
  text: string;
  /** The summary covers every turn saved up to this time (epoch ms). */
  coversUntil: number;
}

export interface TurnStart {
  allowed: boolean;
  history: StoredTurn[];
  summary: ConversationSummary | null;
  /** A reply already computed for this message by an earlier attempt. */
  savedReply: string | null;
}

/** A conversation's state in its region's database. */
export interface ConversationStore {
  /** Rate-limit check, history and any saved reply for `messageId`, in one round trip. */
  begin(userKey: string, messageId: string): Promise<TurnStart>;
  /**
   * Appends the turns and keeps the reply for a retried queue message to deliver instead of asking the
   * model again; both expire with the region's retention. Atomic, in one round trip.
   */
  save(
    userKey: string,
    messageId: string,
    turns: Array<Turn & { sentAt?: number }>,
    reply: string,
    ttlSeconds: number,
  ): Promise<void>;
  clear(userKey: string): Promise<void>;
  saveSummary(userKey: string, summary: ConversationSummary, ttlSeconds: number): Promise<void>;
  /** The stored turns, oldest first (for a page reload). */
  history(userKey: string): Promise<Turn[]>;
  /** When the user last sent a message that was answered (the platform's time), if it is still kept. */
  lastUserMessageAt(userKey: string): Promise<number | undefined>;
  /** Keeps a reply the channel could not deliver (no free-text window, no template), for the retention period. */
  recordUndelivered(userKey: string, messageId: string, reply: string, ttlSeconds: number): Promise<void>;
  /** Deletes every key of this user in this database and counts what was there. */
  erase(userKey: string): Promise<ErasedCounts>;
  /** True the first time in `cooldownSeconds` that this user is told to slow down. */
  claimSlowDownNotice(userKey: string, cooldownSeconds: number): Promise<boolean>;
}

export interface ErasedCounts {
  /** Messages of the conversation (each turn is one). */
  messages: number;
  /** Replies kept for retries, and replies kept undelivered. */
  savedReplies: number;
  undeliveredReplies: number;
  /** Rate-limit counters and notices. */
  rateLimitKeys: number;
  /** Summaries of older turns (0 or 1). */
  summaries: number;
}

export interface RateLimitOptions {
  messages: number;
  window: `${number} ${"ms" | "s" | "m" | "h" | "d"}`;
}

/**
 * The limiter's in-isolate cache of blocked users, at module scope so it outlives a request: a user
 * known to be over the limit is refused without a round trip until their window resets.
 */
const blockedCache = new Map<string, number>();

/** Wrapped in an object: the client decodes stored JSON, and a reply may itself look like JSON. */
type SavedReply = { text: string };

export function createConversationStore(redis: Redis, limit: RateLimitOptions): ConversationStore {
  const sessionKey = (userKey: string) => `session:${userKey}`;
  const summaryKey = (userKey: string) => `summary:${userKey}`;
  // Under the user's key, so an erasure finds them.
  const replyKey = (userKey: string, messageId: string) => `reply:${userKey}:${messageId}`;

  return {
    async begin(userKey, messageId) {
      const batch = new CommandBatch(redis);
      const history = batch.add<StoredTurn[]>((p) => p.lrange(sessionKey(userKey), -MAX_STORED_TURNS, -1));
      const saved = batch.add<SavedReply | null>((p) => p.get(replyKey(userKey, messageId)));
      const summary = batch.add<ConversationSummary | null>((p) => p.get(summaryKey(userKey)));
      const limiter = new Ratelimit({
        // The limiter calls only evalsha/eval (and eval on NOSCRIPT); the batch carries them in the pipeline.
        redis: batch.scriptPort as unknown as Redis,
        limiter: Ratelimit.slidingWindow(limit.messages, limit.window),
        prefix: "ratelimit",
        ephemeralCache: blockedCache,
        analytics: false,
        // A slow Redis must not hold a user hostage: past this, the limiter lets the message through.
        timeout: RATE_LIMIT_TIMEOUT_MS,
      });
      const limited = limiter.limit(userKey);
      // Flush once the limiter has queued its script, or answered from its cache without one.
      await Promise.race([batch.scriptQueued, limited]);
      batch.flush();
      const [result, turns, savedReply, summarized] = await Promise.all([limited, history, saved, summary]);
      if (result.reason === "timeout") log.warn("ratelimit.fail_open", { waitedMs: RATE_LIMIT_TIMEOUT_MS });
      return {
        allowed: result.success,
        history: (turns ?? []).map(({ role, content, at }) => ({ role, content, at })),
        summary: summarized ?? null,
        savedReply: savedReply?.text ?? null,
      };
    },

    async save(userKey, messageId, turns, reply, ttlSeconds) {
      const now = Date.now();
      const tx = redis.multi();
      tx.rpush(sessionKey(userKey), ...turns.map((t): StoredTurn => ({ ...t, at: now })));
      tx.ltrim(sessionKey(userKey), -MAX_STORED_TURNS, -1);
      tx.expire(sessionKey(userKey), ttlSeconds);
      tx.set(replyKey(userKey, messageId), { text: reply } satisfies SavedReply, { ex: ttlSeconds });
      await tx.exec();
    },

    async clear(userKey) {
      await redis.del(sessionKey(userKey), summaryKey(userKey));
    },

    async saveSummary(userKey, summary, ttlSeconds) {
      await redis.set(summaryKey(userKey), summary, { ex: ttlSeconds });
    },

    async history(userKey) {
      const turns = await redis.lrange<StoredTurn>(sessionKey(userKey), -MAX_STORED_TURNS, -1);
      return turns.map(({ role, content }) => ({ role, content }));
    },

    async lastUserMessageAt(userKey) {
      // Turns are saved in pairs, question then answer: the last two hold the latest question.
      const turns = await redis.lrange<StoredTurn>(sessionKey(userKey), -2, -1);
      return turns.findLast((t) => t.role === "user")?.sentAt;
    },

    async recordUndelivered(userKey, messageId, reply, ttlSeconds) {
      const tx = redis.multi();
      tx.rpush(`undelivered:${userKey}`, { messageId, text: reply, at: Date.now() });
      tx.expire(`undelivered:${userKey}`, ttlSeconds);
      await tx.exec();
    },

    async erase(userKey) {
      // `<prefix><user key>:` then anything: user 42's pattern must not reach user 421.
      const pattern = (prefix: string) => `${prefix}${escapeGlob(userKey)}:*`;
      const [replies, limits] = await Promise.all([
        scanAll(redis, pattern("reply:")),
        scanAll(redis, pattern("ratelimit:")),
      ]);
      const notice = `ratelimit:notice:${userKey}`;
      const tx = redis.multi();
      tx.llen(sessionKey(userKey));
      tx.llen(`undelivered:${userKey}`);
      tx.exists(notice);
      tx.exists(summaryKey(userKey));
      tx.del(sessionKey(userKey), `undelivered:${userKey}`, notice, summaryKey(userKey), ...replies, ...limits);
      const [messages, undelivered, noticed, summarized] = (await tx.exec()) as [
        number,
        number,
        number,
        number,
        number,
      ];
      return {
        messages,
        savedReplies: replies.length,
        undeliveredReplies: undelivered,
        rateLimitKeys: limits.length + noticed,
        summaries: summarized,
      };
    },

    async claimSlowDownNotice(userKey, cooldownSeconds) {
      return (await redis.set(`ratelimit:notice:${userKey}`, 1, { nx: true, ex: cooldownSeconds })) === "OK";
    },
  };
}

type Pipeline = ReturnType<Redis["pipeline"]>;

/**
 * Collects commands into one Upstash pipeline, so reads of different concerns (the rate limiter's
 * script, the history) cost one round trip. Commands added after the flush go straight to Redis.
 */
class CommandBatch {
  private readonly pipeline: Pipeline;
  private readonly waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private flushed = false;
  private onScript!: () => void;
  /** Resolves when the first script command was queued. */
  readonly scriptQueued = new Promise<void>((r) => (this.onScript = r));

  readonly scriptPort = {
    evalsha: (sha: string, keys: string[], args: unknown[]) => {
      this.onScript();
      return this.flushed ? this.redis.evalsha(sha, keys, args) : this.add((p) => p.evalsha(sha, keys, args));
    },
    eval: (script: string, keys: string[], args: unknown[]) => {
      this.onScript();
      return this.flushed ? this.redis.eval(script, keys, args) : this.add((p) => p.eval(script, keys, args));
    },
  };

  constructor(private readonly redis: Redis) {
    this.pipeline = redis.pipeline();
  }

  add<T>(queue: (p: Pipeline) => unknown): Promise<T> {
    queue(this.pipeline);
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: resolve as (v: unknown) => void, reject }));
  }

  flush(): void {
    this.flushed = true;
    this.pipeline.exec<unknown[]>({ keepErrors: true }).then(
      (results) =>
        results.forEach((r, i) => {
          const w = this.waiting[i]!;
          if (r.error) w.reject(new Error(String(r.error)));
          else w.resolve(r.result);
        }),
      (err: Error) => this.waiting.forEach((w) => w.reject(err)),
    );
  }
}

/** Every key matching `pattern` (SCAN, so a large database is never blocked). */
async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | number = 0;
  do {
    const [next, batch]: [string | number, string[]] = await redis.scan(cursor, { match: pattern, count: 500 });
    keys.push(...batch);
    cursor = next;
  } while (String(cursor) !== "0");
  return [...new Set(keys)];
}

/** A user key as a literal inside a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
