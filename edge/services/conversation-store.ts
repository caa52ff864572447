import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import { createHash } from "node:crypto";
import type { Turn } from "../core/token-budget.js";
import type { Pseudonyms } from "../crypto.js";
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
  /** The message id was answered before with other content (an API client reusing an idempotency key). */
  conflict: boolean;
  /** When the turn began (epoch ms): an erasure after it keeps this turn from being saved. */
  startedAt: number;
}

/**
 * A conversation's state in its region's database. A conversation belongs to a chat (`chatKey`: a
 * private chat, a group, a forum topic); the rate limit, saved replies and an erasure go by the
 * person (`userKey`). In a private chat the two are the same key.
 */
export interface ConversationStore {
  /**
   * The user's rate-limit check, the chat's history and summary, and any saved reply, in one round
   * trip. `content`, for a message whose id its client chose, is what it says: a reply saved for
   * other content under that id is a conflict, not this message's reply.
   */
  begin(chatKey: string, userKey: string, messageId: string, content?: string): Promise<TurnStart>;
  /**
   * Appends the turns to the chat's conversation and keeps the reply for a retried message to deliver
   * instead of asking the model again; both expire with the region's retention. In a shared chat the
   * user's turns carry their key, and the chat is listed under the user for their erasure. Atomic,
   * in one round trip; nothing is written when the user was erased after the turn began.
   */
  save(turn: SavedTurn, ttlSeconds: number): Promise<void>;
  /** Forgets a chat's conversation (/reset): its turns and its summary. */
  clear(chatKey: string): Promise<void>;
  /** Nothing is written when the chat (or its user) was erased after `startedAt`. */
  saveSummary(chatKey: string, summary: ConversationSummary, ttlSeconds: number, startedAt: number): Promise<void>;
  /** The chat's stored turns, oldest first (for a page reload). */
  history(chatKey: string): Promise<Array<Turn & { at: number }>>;
  /** When the user last sent a message in this chat that was answered (the platform's time), if still kept. */
  lastUserMessageAt(chatKey: string): Promise<number | undefined>;
  /** Keeps a reply the channel could not deliver (no free-text window, no template), for the retention period. */
  recordUndelivered(
    userKey: string,
    messageId: string,
    reply: string,
    ttlSeconds: number,
    startedAt: number,
  ): Promise<void>;
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
  /** begin's `content`. */
  content?: string;
  question: { content: string; sentAt: number };
  answer: string;
  /** TurnStart.startedAt. */
  startedAt: number;
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

/** A Lua script with its SHA-1, so it is sent by digest (EVALSHA) and its text only once per Redis. */
interface LuaScript {
  text: string;
  sha1: string;
}

function luaScript(text: string): LuaScript {
  return { text, sha1: createHash("sha1").update(text).digest("hex") };
}

/** Runs `script` by its digest; a database that does not know it yet gets the text (and keeps it). */
async function runScript<T = unknown>(
  redis: Redis,
  script: LuaScript,
  keys: string[],
  args: Array<string | number>,
): Promise<T> {
  try {
    return await redis.evalsha<Array<string | number>, T>(script.sha1, keys, args);
  } catch (err) {
    if (!String(err).toLowerCase().includes("noscript")) throw err;
    return await redis.eval<Array<string | number>, T>(script.text, keys, args);
  }
}

/** How long an erasure is remembered, so that a reply still being written then does not save its turn. */
const ERASED_MARK_SECONDS = 3600;

/**
 * Removes one person's turns, each with the answer that followed it, from a shared chat's conversation
 * (KEYS[1]), keeping its expiry, drops the chat's summary (KEYS[2]), which may retell them, and marks
 * the chat erased now (KEYS[3], ARGV[2]) so a summary being written meanwhile is not saved. Returns
 * how many turns went. Atomic: a turn saved meanwhile is neither lost nor kept twice.
 */
const REMOVE_AUTHOR_SCRIPT = luaScript(`
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
redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
return {removed, summaries}
`);

/**
 * Saves a question and its answer unless the user was erased after the turn began (KEYS[1] holds the
 * erasure's time): appends both turns to the chat's conversation (KEYS[2]) and trims it, keeps the
 * reply for a retried message (KEYS[3]) and, in a shared chat, lists the chat under the user (KEYS[4]).
 * ARGV: began at, ttl, turns kept, the user's turn, the answer's turn, the saved reply, the chat's name
 * in the user's list ("" for none). Returns 1 when saved.
 */
const SAVE_TURN_SCRIPT = luaScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[4], ARGV[5])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[2])
if ARGV[7] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[7])
  redis.call('EXPIRE', KEYS[4], ARGV[2])
end
return 1
`);

/**
 * Writes KEYS[1] (SET with ARGV[3], or RPUSH when ARGV[4] is "push") with expiry ARGV[2], unless any
 * of KEYS[2…] marks an erasure at or after ARGV[1]. Returns 1 when written.
 */
const WRITE_UNLESS_ERASED_SCRIPT = luaScript(`
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[1]) then return 0 end
end
if ARGV[4] == 'push' then redis.call('RPUSH', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * The limiter's in-isolate cache of blocked users, at module scope so it outlives a request: a user
 * known to be over the limit is refused without a round trip until their window resets.
 */
const blockedCache = new Map<string, number>();

/**
 * Wrapped in an object: the client decodes stored JSON, and a reply may itself look like JSON. `about`
 * is a keyed hash of what the message said, so a reused id with other content is told apart.
 */
type SavedReply = { text: string; about?: string };

/**
 * Every key below is named by keyed pseudonyms of the user, chat and message ids (crypto.ts), never
 * by the ids: no phone number is a key, and no user's keys are a prefix of another's.
 */
export function createConversationStore(redis: Redis, limit: RateLimitOptions, keys: Pseudonyms): ConversationStore {
  const sessionKey = (chat: string) => `session:${chat}`;
  const summaryKey = (chat: string) => `summary:${chat}`;
  // Under the sender, so an erasure finds them.
  const replyKey = (user: string, messageId: string) => `reply:${user}:${keys.of(messageId)}`;
  // The shared chats a user wrote in (their private chat is their own).
  const chatsKey = (user: string) => `chats:${user}`;
  const undeliveredKey = (user: string) => `undelivered:${user}`;
  const noticeKey = (user: string) => `ratelimit:notice:${user}`;
  // When a user (or, for a shared chat, the chat) was last erased.
  const erasedKey = (who: string) => `erased:${who}`;
  const about = (content: string) => keys.of(`content:${content}`);

  /** Everything of the user named `user` (one pseudonym) in this database. */
  async function eraseUnder(user: string): Promise<ErasedCounts> {
    const now = Date.now();
    const [replies, limits, shared] = await Promise.all([
      scanAll(redis, `reply:${user}:*`),
      scanAll(redis, `ratelimit:${user}:*`),
      redis.smembers(chatsKey(user)),
    ]);
    // Their turns in shared chats (groups) go one chat at a time; the chat and its other members stay.
    const inShared = await Promise.all(
      shared.map((chat) =>
        runScript<[number, number]>(
          redis,
          REMOVE_AUTHOR_SCRIPT,
          [sessionKey(chat), summaryKey(chat), erasedKey(chat)],
          [user, now, ERASED_MARK_SECONDS],
        ),
      ),
    );
    const tx = redis.multi();
    tx.llen(sessionKey(user));
    tx.llen(undeliveredKey(user));
    tx.exists(noticeKey(user));
    tx.exists(summaryKey(user));
    tx.del(
      sessionKey(user),
      undeliveredKey(user),
      noticeKey(user),
      summaryKey(user),
      chatsKey(user),
      ...replies,
      ...limits,
    );
    // A reply being written now must not save its turn back.
    tx.set(erasedKey(user), now, { ex: ERASED_MARK_SECONDS });
    const [messages, undelivered, noticed, summarized] = (await tx.exec()) as number[];
    return {
      messages: messages! + inShared.reduce((n, [removed]) => n + removed, 0),
      savedReplies: replies.length,
      undeliveredReplies: undelivered!,
      rateLimitKeys: limits.length + noticed!,
      summaries: summarized! + inShared.reduce((n, [, summaries]) => n + summaries, 0),
    };
  }

  return {
    async begin(chatKey, userKey, messageId, content) {
      const startedAt = Date.now();
      const chat = keys.of(chatKey);
      const user = keys.of(userKey);
      const batch = new CommandBatch(redis);
      const history = batch.add<StoredTurn[]>((p) => p.lrange(sessionKey(chat), -MAX_STORED_TURNS, -1));
      const saved = batch.add<SavedReply | null>((p) => p.get(replyKey(user, messageId)));
      const summary = batch.add<ConversationSummary | null>((p) => p.get(summaryKey(chat)));
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
      const limited = limiter.limit(user);
      // Flush once the limiter has queued its script, or answered from its cache without one.
      await Promise.race([batch.scriptQueued, limited]);
      batch.flush();
      const [result, turns, savedReply, summarized] = await Promise.all([limited, history, saved, summary]);
      if (result.reason === "timeout") log.warn("ratelimit.fail_open", { waitedMs: RATE_LIMIT_TIMEOUT_MS });
      const conflict = content !== undefined && savedReply?.about !== undefined && savedReply.about !== about(content);
      return {
        allowed: result.success,
        history: (turns ?? []).map(({ role, content, at }) => ({ role, content, at })),
        summary: summarized ?? null,
        savedReply: conflict ? null : (savedReply?.text ?? null),
        conflict,
        startedAt,
      };
    },

    async save({ chatKey, userKey, messageId, content, question, answer, startedAt }, ttlSeconds) {
      const at = Date.now();
      const chat = keys.of(chatKey);
      const user = keys.of(userKey);
      const shared = chatKey !== userKey;
      const asked: StoredTurn = {
        role: "user",
        content: question.content,
        sentAt: question.sentAt,
        at,
        ...(shared ? { by: user } : {}),
      };
      const answered: StoredTurn = { role: "assistant", content: answer, at };
      const reply: SavedReply = content === undefined ? { text: answer } : { text: answer, about: about(content) };
      await runScript(
        redis,
        SAVE_TURN_SCRIPT,
        [erasedKey(user), sessionKey(chat), replyKey(user, messageId), chatsKey(user)],
        [
          startedAt,
          ttlSeconds,
          MAX_STORED_TURNS,
          JSON.stringify(asked),
          JSON.stringify(answered),
          JSON.stringify(reply),
          shared ? chat : "",
        ],
      );
    },

    async clear(chatKey) {
      const chat = keys.of(chatKey);
      await redis.del(sessionKey(chat), summaryKey(chat));
    },

    async saveSummary(chatKey, summary, ttlSeconds, startedAt) {
      const chat = keys.of(chatKey);
      // A private chat is its user's: their erasure counts as the chat's.
      await runScript(
        redis,
        WRITE_UNLESS_ERASED_SCRIPT,
        [summaryKey(chat), erasedKey(chat)],
        [startedAt, ttlSeconds, JSON.stringify(summary), "set"],
      );
    },

    async history(chatKey) {
      const turns = await redis.lrange<StoredTurn>(sessionKey(keys.of(chatKey)), -MAX_STORED_TURNS, -1);
      return turns.map(({ role, content, at }) => ({ role, content, at }));
    },

    async lastUserMessageAt(chatKey) {
      // Turns are saved in pairs, question then answer: the last two hold the latest question.
      const turns = await redis.lrange<StoredTurn>(sessionKey(keys.of(chatKey)), -2, -1);
      return turns.findLast((t) => t.role === "user")?.sentAt;
    },

    async recordUndelivered(userKey, messageId, reply, ttlSeconds, startedAt) {
      const user = keys.of(userKey);
      await runScript(
        redis,
        WRITE_UNLESS_ERASED_SCRIPT,
        [undeliveredKey(user), erasedKey(user)],
        [startedAt, ttlSeconds, JSON.stringify({ messageId: keys.of(messageId), text: reply, at: Date.now() }), "push"],
      );
    },

    async moveChat(from, to) {
      const [old, next] = [keys.of(from), keys.of(to)];
      // RENAME fails on a missing key: move only what exists. The old chat receives nothing any more.
      const [session, summary] = await Promise.all([redis.exists(sessionKey(old)), redis.exists(summaryKey(old))]);
      if (!session && !summary) return;
      const tx = redis.multi();
      if (session) tx.rename(sessionKey(old), sessionKey(next));
      if (summary) tx.rename(summaryKey(old), summaryKey(next));
      await tx.exec();
    },

    async erase(userKey) {
      // While a key rotation is under way, what was written under the previous key goes too.
      const names = [keys.of(userKey), ...(keys.previous ? [keys.previous(userKey)] : [])];
      const counts = await Promise.all(names.map(eraseUnder));
      return counts.reduce((sum, c) => ({
        messages: sum.messages + c.messages,
        savedReplies: sum.savedReplies + c.savedReplies,
        undeliveredReplies: sum.undeliveredReplies + c.undeliveredReplies,
        rateLimitKeys: sum.rateLimitKeys + c.rateLimitKeys,
        summaries: sum.summaries + c.summaries,
      }));
    },

    async claimSlowDownNotice(userKey, cooldownSeconds) {
      return (await redis.set(noticeKey(keys.of(userKey)), 1, { nx: true, ex: cooldownSeconds })) === "OK";
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
