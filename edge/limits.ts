/**
 * Every tuning constant of the edge, in one place: its unit is in its name, and its doc comment says
 * why it has this value. What an operator sets per deployment is a setting (config.ts and the
 * channels' settings); what a platform imposes (Telegram's 4,096 characters, WhatsApp's 24-hour
 * window) is in that channel's constants.ts. README's "Limits" table is made from this file
 * (`npm run docs`; `npm run lint` fails when it is stale): each doc comment is its line there, and
 * each `//` heading a section.
 *
 * @module
 */

// Bursts and the chat's inbox (core/inbox-policy.ts, pipeline/inbox.ts)

/** At most this many messages of a burst share one reply; the rest get the next one. */
export const BURST_MAX_MESSAGES = 10;
/** At most this much text (one long Telegram or WhatsApp message's worth) is asked of the model as one burst. */
export const BURST_MAX_CHARS = 4096;
/** A message belongs to the burst being answered when sent within this long of its last one (platforms date messages to the second); later ones get their own reply, so a slow moment never turns into cancelled work. */
export const BURST_GAP_MS = 2000;
/** More of a burst cancels the answer being written and asks again at most this many times, so a user who keeps typing is still answered. */
export const BURST_MAX_RESTARTS = 3;
/** …and only while the burst's first message is younger than this. */
export const BURST_RESTART_WITHIN_MS = 4000;
/** With a minimum wait (BURST_WINDOW_MS), a user who keeps typing is answered at the latest this many windows after their first message. */
export const BURST_MAX_HOLD_WINDOWS = 4;
/** Ids of messages taken in are remembered this long: longer than Telegram (24 h) or Meta (7 days) redeliver, so a redelivery is never answered twice. */
export const INBOX_REMEMBER_MS = 8 * 24 * 3600_000;
/** Remembered ids older than INBOX_REMEMBER_MS are swept at most this often (once nothing waits). */
export const INBOX_PRUNE_EVERY_MS = 3600_000;
/** An inbox whose alarm failed (its region's Redis was down when a dead letter was to be counted) tries again after this long, instead of the runtime's few retries. */
export const INBOX_ALARM_RETRY_MS = 60_000;
/** Retries of a reply (or of a queued message) wait 1 s, 2 s, 4 s… and never longer than this: a transient outage clears without hammering the origin. */
export const RETRY_MAX_DELAY_SECONDS = 60;

// Capacity: every server that may answer is saturated (pipeline/inbox.ts, objects/web-chat-room.ts)

/** A message held for capacity is asked again this often (unless the origin's Retry-After says later), with "typing…" refreshed meanwhile. */
export const CAPACITY_RETRY_SECONDS = 3;
/** After the "busy" note (CAPACITY_HOLD_MS), the full answer is asked for this often, up to CAPACITY_MAX_WAIT_MS. */
export const CAPACITY_RETRY_AFTER_NOTE_SECONDS = 10;
/** A web chat message shows "queued" this long at most before the answer for a model that is down. */
export const WEBCHAT_CAPACITY_MAX_WAIT_MS = 60_000;

// The conversation in the region's Redis (services/conversation/)

/** Turns kept per conversation; the prompt takes a window of the most recent ones (CONTEXT_MAX_MESSAGES). */
export const STORED_TURNS_MAX = 50;
/** How long the rate limiter waits for Redis before letting the message through: a slow database must not hold a user hostage. */
export const RATE_LIMIT_TIMEOUT_MS = 1000;
/** An erasure is remembered this long, so that a reply being written while it ran saves nothing back. */
export const ERASED_MARK_SECONDS = 3600;

// Per-isolate caches of shared state

/** A group's /answer setting is read on the webhook's path for group chatter: cached this long (a change reaches every isolate within it). */
export const GROUP_SETTINGS_CACHE_MS = 10_000;
/** A region's FAQ is read from KV at most this often per isolate. */
export const FAQ_CACHE_MS = 60_000;
/** A chat's pinned region is read from KV at most this often per isolate (a pin changes only on /region and erasure). */
export const REGION_PIN_CACHE_MS = 60_000;
/** The origins' breaker states are re-read from Redis at most this often per isolate; a failure updates them at once. */
export const BREAKER_CACHE_MS = 2000;
/** While one caller re-reads the breaker states, others go on with the last ones for at most this long (a read that hangs is not waited on forever). */
export const BREAKER_READ_PATIENCE_MS = 5000;
/** An origin's failures are counted over this window (ORIGIN_BREAKER_FAILURES of them open its circuit). */
export const BREAKER_FAILURE_WINDOW_SECONDS = 60;
/** A failed model call is tried this many times in all, each on another origin of the region (never once the answer started streaming). */
export const ORIGIN_MAX_ATTEMPTS = 2;
/** A pool's server that is full (429) for a chat: the pool is asked again this many times, the chat's affinity key salted (services/region-model.ts). */
export const POOL_SPILL_TRIES = 2;
/** After a tool ran, a saturated pool is waited out for TIMEOUT_REPLY_MS less a model call (MODEL_TIMEOUT_MS) and this much room to deliver. */
export const TOOL_LOOP_DELIVERY_MARGIN_MS = 10_000;

// Delivery on the platforms

/** A reply faster than this needs no "typing…": it would only flash, and it costs a platform call. */
export const TYPING_DELAY_MS = 700;
/** A platform's rate limit (retry_after, WhatsApp's pair rate) is waited out in place for at most this long in all; longer ones go back to the inbox's retries. */
export const PLATFORM_MAX_INLINE_WAIT_SECONDS = 30;
/** A Bot API call rate-limited with a short retry_after is tried this many times in all. */
export const TELEGRAM_API_MAX_ATTEMPTS = 4;
/** getMe runs before a group webhook is acknowledged (to read mentions): past this, the message is read without the bot's username. */
export const TELEGRAM_GET_ME_TIMEOUT_MS = 3000;
/** Drafts (sendMessageDraft) go at most this often per answer, one at a time, the latest text winning. */
export const TELEGRAM_DRAFT_INTERVAL_MS = 300;
/** A draft not answered within this is given up on (the reply itself is what matters). */
export const TELEGRAM_DRAFT_TIMEOUT_MS = 3000;
/** A draft older than this no longer counts as shown (Telegram keeps one about 30 s), so "typing…" takes over before it fades. */
export const TELEGRAM_DRAFT_VISIBLE_MS = 25_000;
/** Once one answer's draft timer fires late (the isolate is behind its work), every answer of the isolate goes without drafts this long. */
export const TELEGRAM_DRAFT_LAG_HOLD_MS = 5000;

// Reminders (objects/user-reminders.ts)

/** The most reminders one user may have pending. */
export const REMINDERS_MAX = 20;
/** A reminder whose delivery failed is due again after this long… */
export const REMINDER_RETRY_MS = 60_000;
/** …at most this many times in all. */
export const REMINDER_MAX_ATTEMPTS = 5;

// The web chat (channels/webchat/, objects/web-chat-room.ts); per network: wrangler.jsonc's rate limits

/** The longest message a person can send on the web chat and the HTTP API, in characters; whether the model can read it is INPUT_TOKEN_BUDGET's rule. */
export const MESSAGE_TEXT_MAX_CHARS = 16_000;
/** Largest web chat frame read, in bytes: a guard on the transport only. */
export const WEBCHAT_MAX_FRAME_BYTES = 64 * 1024;
/** Tabs (sockets) one conversation may have open at once. */
export const WEBCHAT_MAX_SOCKETS = 8;
/** Messages of one conversation waiting for their answer; a socket sending more is told to wait. */
export const WEBCHAT_MAX_WAITING = 3;
/** Frames one socket may send in WEBCHAT_FRAME_WINDOW_MS (heartbeats do not count: the runtime answers them). */
export const WEBCHAT_MAX_FRAMES = 20;
/** The window of WEBCHAT_MAX_FRAMES. */
export const WEBCHAT_FRAME_WINDOW_MS = 10_000;
/** A socket that keeps flooding past this many frames in a window is closed (1008, policy violation). */
export const WEBCHAT_FLOOD_CLOSE_AFTER = 3 * WEBCHAT_MAX_FRAMES;
/** How long a web chat session token opens sockets. */
export const WEBCHAT_TOKEN_TTL_SECONDS = 24 * 3600;
/** How long after expiry a token can still be traded for a new one of the same conversation. */
export const WEBCHAT_RESUME_WINDOW_SECONDS = 30 * 24 * 3600;
/** How long a connect ticket (what the page trades its token for, to open one socket) is good for: one handshake's time, with slack for a slow network. */
export const WEBCHAT_TICKET_TTL_SECONDS = 30;

// Request bodies

/** An HTTP API request holds one message: a few kilobytes; anything bigger is not a chat message. */
export const HTTP_MAX_BODY_BYTES = 64 * 1024;
/** FAQ uploads are a few hundred entries: this leaves room without inviting abuse. */
export const ADMIN_FAQ_MAX_BYTES = 2 * 1024 * 1024;
/** An erasure request names a channel and a user id. */
export const ADMIN_ERASURE_MAX_BYTES = 4096;
/** Below this, compressing a response costs more than it saves (a webhook's `{"ok":true}`). */
export const COMPRESS_MIN_BYTES = 1024;
/** /healthz waits this long for each region's database and origins before calling them down. */
export const HEALTH_PROBE_TIMEOUT_MS = 1500;
