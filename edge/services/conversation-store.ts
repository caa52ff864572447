import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Turn } from "../core/token-budget.js";
import { log } from "../log.js";

/** How long the rate limiter waits for Redis before failing open. */
const RATE_LIMIT_TIMEOUT_MS = 1000;

/** Turns kept per conversation in Redis; the prompt takes a window of the most recent ones. */
const MAX_STORED_TURNS = 50;

/**
 * A stored turn: `at` when it was saved, `sentAt` when the user sent it (their turns; epoch ms), `by`
 * the user key of who wrote it where several people share the conversation (a group), so an
 * erasure of that person finds their turns there.
 */
export type StoredTurn = Turn & { at: number; sentAt?: number; by?: string };

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

/**
 * A conversation's state in its region's database. A conversation belongs to a chat (`chatKey`: a
 * private chat, a group, a forum topic); the rate limit, saved replies and an erasure go by the
 * person (`userKey`). In a private chat the two are the same key.
 */
export interface ConversationStore {
  /** The user's rate-limit check, the chat's history and summary, and any saved reply, in one round trip. */
  begin(chatKey: string, userKey: string, messageId: string): Promise<TurnStart>;
  /**
   * Appends the turns to the chat's conversation and keeps the reply for a retried message to deliver
   * instead of asking the model again; both expire with the region's retention. In a shared chat the
   * user's turns carry their key, and the chat is listed under the user for their erasure. Atomic,
   * in one round trip.
   */
  save(turn: SavedTurn, ttlSeconds: number): Promise<void>;
  /** Forgets a chat's conversation (/reset): its turns and its summary. */
  clear(chatKey: string): Promise<void>;
  saveSummary(chatKey: string, summary: ConversationSummary, ttlSeconds: number): Promise<void>;
  /** The chat's stored turns, oldest first (for a page reload). */
  history(chatKey: string): Promise<Turn[]>;
  /** When the user last sent a message in this chat that was answered (the platform's time), if still kept. */
  lastUserMessageAt(chatKey: string): Promise<number | undefined>;
  /** Keeps a reply the channel could not deliver (no free-text window, no template), for the retention period. */
  recordUndelivered(userKey: string, messageId: string, reply: string, ttlSeconds: number): Promise<void>;
  /** The chat became another (a group upgraded to a supergroup): its conversation goes with it. */
  moveChat(from: string, to: string): Promise<void>;
  /**
   * Deletes every key of this user in this database, and their turns (with the replies to them) in
   * the shared chats they wrote in, and counts what was there.
   */
  erase(userKey: string): Promise<ErasedCounts>;
  /** True the first time in `cooldownSeconds` that this user is told to slow down. */
  claimSlowDownNotice(userKey: string, cooldownSeconds: number): Promise<boolean>;
}

/** A question and its answer, to be saved. */
export interface SavedTurn {
  chatKey: string;
  userKey: string;
  messageId: string;
  question: { content: string; sentAt: number };
  answer: string;
}

export interface ErasedCounts {
  /** Messages of the conversation (each turn is one), the user's own and theirs in shared chats. */
  messages: number;
  /** Replies kept for retries, and replies kept undelivered. */
  savedReplies: number;
  undeliveredReplies: number;
  /** Rate-limit counters and notices. */
  rateLimitKeys: number;
  /** Summaries of older turns (the private chat's, and those of shared chats the user wrote in). */
  summaries: number;
}

export interface RateLimitOptions {
  messages: number;
  window: `${number} ${"ms" | "s" | "m" | "h" | "d"}`;
}

/**
 * Removes one person's turns, each with the answer that followed it, from a shared chat's conversation
 * (KEYS[1]), keeping its expiry, and drops the chat's summary (KEYS[2]), which may retell them.
 * Returns how many turns went. Atomic: a turn saved meanwhile is neither lost nor kept twice.
 */
const REMOVE_AUTHOR_SCRIPT = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local keep, removed, skipping = {}, 0, false
for _, item in ipairs(items) do
  local ok, turn = pcall(cjson.decode, item)
  if ok and type(turn) == 'table' and turn.role == 'user' then skipping = (turn.by == ARGV[1]) end
  if skipping then removed = removed + 1 else keep[#keep + 1] = item end
end
local summaries = 0
if removed > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  summaries = redis.call('DEL', KEYS[2])
  redis.call('DEL', KEYS[1])
  for i = 1, #keep, 500 do redis.call('RPUSH', KEYS[1], unpack(keep, i, math.min(i + 499, #keep))) end
  if #keep > 0 and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return {removed, summaries}
`;

/**
 * The limiter's in-isolate cache of blocked users, at module scope so it outlives a request: a user
 * known to be over the limit is refused without a round trip until their window resets.
 */
const blockedCache = new Map<string, number>();

/** Wrapped in an object: the client decodes stored JSON, and a reply may itself look like JSON. */
type SavedReply = { text: string };

export function createConversationStore(redis: Redis, limit: RateLimitOptions): ConversationStore {
  const sessionKey = (chatKey: string) => `session:${chatKey}`;
  const summaryKey = (chatKey: string) => `summary:${chatKey}`;
  // Under the sender's key, so an erasure finds them.
  const replyKey = (userKey: string, messageId: string) => `reply:${userKey}:${messageId}`;
  // The shared chats a user wrote in (their private chat is their own key).
  const chatsKey = (userKey: string) => `chats:${userKey}`;

  return {
    async begin(chatKey, userKey, messageId) {
      const batch = new CommandBatch(redis);
      const history = batch.add<StoredTurn[]>((p) => p.lrange(sessionKey(chatKey), -MAX_STORED_TURNS, -1));
      const saved = batch.add<SavedReply | null>((p) => p.get(replyKey(userKey, messageId)));
      const summary = batch.add<ConversationSummary | null>((p) => p.get(summaryKey(chatKey)));
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

    async save({ chatKey, userKey, messageId, question, answer }, ttlSeconds) {
      const at = Date.now();
      const shared = chatKey !== userKey;
      const turns: StoredTurn[] = [
        { role: "user", content: question.content, sentAt: question.sentAt, at, ...(shared ? { by: userKey } : {}) },
        { role: "assistant", content: answer, at },
      ];
      const tx = redis.multi();
      tx.rpush(sessionKey(chatKey), ...turns);
      tx.ltrim(sessionKey(chatKey), -MAX_STORED_TURNS, -1);
      tx.expire(sessionKey(chatKey), ttlSeconds);
      tx.set(replyKey(userKey, messageId), { text: answer } satisfies SavedReply, { ex: ttlSeconds });
      if (shared) {
        tx.sadd(chatsKey(userKey), chatKey);
        tx.expire(chatsKey(userKey), ttlSeconds);
      }
      await tx.exec();
    },

    async clear(chatKey) {
      await redis.del(sessionKey(chatKey), summaryKey(chatKey));
    },

    async saveSummary(chatKey, summary, ttlSeconds) {
      await redis.set(summaryKey(chatKey), summary, { ex: ttlSeconds });
    },

    async history(chatKey) {
      const turns = await redis.lrange<StoredTurn>(sessionKey(chatKey), -MAX_STORED_TURNS, -1);
      return turns.map(({ role, content }) => ({ role, content }));
    },

    async lastUserMessageAt(chatKey) {
      // Turns are saved in pairs, question then answer: the last two hold the latest question.
      const turns = await redis.lrange<StoredTurn>(sessionKey(chatKey), -2, -1);
      return turns.findLast((t) => t.role === "user")?.sentAt;
    },

    async recordUndelivered(userKey, messageId, reply, ttlSeconds) {
      const tx = redis.multi();
      tx.rpush(`undelivered:${userKey}`, { messageId, text: reply, at: Date.now() });
      tx.expire(`undelivered:${userKey}`, ttlSeconds);
      await tx.exec();
    },

    async moveChat(from, to) {
      // RENAME fails on a missing key: move only what exists. The old chat receives nothing any more.
      const [session, summary] = await Promise.all([redis.exists(sessionKey(from)), redis.exists(summaryKey(from))]);
      if (!session && !summary) return;
      const tx = redis.multi();
      if (session) tx.rename(sessionKey(from), sessionKey(to));
      if (summary) tx.rename(summaryKey(from), summaryKey(to));
      await tx.exec();
    },

    async erase(userKey) {
      // `<prefix><user key>:` then anything: user 42's pattern must not reach user 421.
      const pattern = (prefix: string) => `${prefix}${escapeGlob(userKey)}:*`;
      const [replies, limits, shared] = await Promise.all([
        scanAll(redis, pattern("reply:")),
        scanAll(redis, pattern("ratelimit:")),
        redis.smembers(chatsKey(userKey)),
      ]);
      // Their turns in shared chats (groups) go one chat at a time; the chat and its other members stay.
      const inShared = await Promise.all(
        shared.map((chat) =>
          redis.eval<[string], [number, number]>(REMOVE_AUTHOR_SCRIPT, [sessionKey(chat), summaryKey(chat)], [userKey]),
        ),
      );
      const notice = `ratelimit:notice:${userKey}`;
      const tx = redis.multi();
      tx.llen(sessionKey(userKey));
      tx.llen(`undelivered:${userKey}`);
      tx.exists(notice);
      tx.exists(summaryKey(userKey));
      tx.del(
        sessionKey(userKey),
        `undelivered:${userKey}`,
        notice,
        summaryKey(userKey),
        chatsKey(userKey),
        ...replies,
        ...limits,
      );
      const [messages, undelivered, noticed, summarized] = (await tx.exec()) as [
        number,
        number,
        number,
        number,
        number,
      ];
      return {
        messages: messages + inShared.reduce((n, [removed]) => n + removed, 0),
        savedReplies: replies.length,
        undeliveredReplies: undelivered,
        rateLimitKeys: limits.length + noticed,
        summaries: summarized + inShared.reduce((n, [, summaries]) => n + summaries, 0),
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
