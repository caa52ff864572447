import { PlatformError } from "../../errors.js";
import { errorKind, log } from "../../log.js";
import type { Address, AnswerPreview } from "../../message.js";
import type { BotApi } from "./api.js";
import { entitiesOf, telegramChunks } from "./format.js";
import { TELEGRAM_DRAFT_LAG_HOLD_MS, TELEGRAM_DRAFT_VISIBLE_MS } from "../../limits.js";

/**
 * Whether the isolate is behind its work, as its answers' drafts find it (a draft's timer firing
 * late): one shared by all the answers an isolate drafts, so that once one finds it behind, the others
 * (and those that start in the next seconds) send none either, instead of each finding out with
 * drafts of its own. A slow Bot API alone is not the isolate's lag: it stops only that answer's drafts.
 */
export interface DraftLag {
  behind(): boolean;
  report(): void;
}

export function draftLag(holdMs = TELEGRAM_DRAFT_LAG_HOLD_MS): DraftLag {
  let until = 0;
  return {
    behind: () => Date.now() < until,
    report: () => {
      until = Date.now() + holdMs;
    },
  };
}

/**
 * The answer shown in a private chat while it is written, with the Bot API's sendMessageDraft: an
 * ephemeral preview (Telegram keeps it about 30 s) that the reply itself, sent with sendMessage,
 * replaces. Drafts go one at a time, at most every `intervalMs`, the latest text winning (the first
 * with the answer's first piece); a 429
 * pauses them for its retry_after instead of delaying anything; any other refusal stops them for
 * this reply. They never hold up or fail the reply.
 *
 * Drafts yield under load: once a draft takes longer than the interval to be answered, or the timer
 * for the next one fires a third of an interval late (the isolate is behind its work), no more are
 * sent for this answer: the reply follows anyway, and more would only add to the load delaying it.
 * With a shared `lag`, a late timer stops the other answers of the isolate too, for a few seconds.
 */
export function draftPreview(
  api: BotApi,
  to: Address,
  draftId: number,
  options: { intervalMs: number; textLimit: number; lag?: DraftLag },
): AnswerPreview {
  const base = { chat_id: to.chat, draft_id: draftId, ...(to.thread ? { message_thread_id: Number(to.thread) } : {}) };
  let latest: string | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastAt = 0;
  let pausedUntil = 0;
  let stopped = false;
  /** When the answer's text was last shown (0: nothing shown, or taken back). */
  let shownAt = 0;
  /** A draft took longer than the interval, or a timer fired late: no more drafts for this answer. */
  let behind = false;

  const send = async (markdown: string): Promise<void> => {
    // An answer longer than one message: the part being written is the one shown.
    const part = markdown ? telegramChunks(markdown, options.textLimit, { partial: true }).at(-1) : undefined;
    const sentAt = Date.now();
    try {
      await api.call(
        "sendMessageDraft",
        {
          ...base,
          text: part?.text ?? "",
          ...(part?.spans?.length ? { entities: entitiesOf({ text: part.text, spans: part.spans }) } : {}),
        },
        { waitOnRateLimit: false },
      );
      shownAt = markdown ? Date.now() : 0;
      if (Date.now() - sentAt > options.intervalMs) behind = true;
    } catch (err) {
      if (err instanceof PlatformError && err.status === 429) {
        pausedUntil = Date.now() + (err.retryAfterSeconds ?? 1) * 1000;
        return;
      }
      stopped = true;
      log.warn("telegram.draft_failed", { error: errorKind(err) });
    }
  };

  const pump = (): void => {
    timer = undefined;
    if (options.lag?.behind()) behind = true;
    if (stopped || behind || inFlight || latest === undefined) return;
    const due = Math.max(lastAt + options.intervalMs, pausedUntil);
    const wait = due - Date.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        // A timer firing a third of an interval late: the isolate is behind its work.
        if (Date.now() - due > options.intervalMs / 3) {
          behind = true;
          options.lag?.report();
        }
        pump();
      }, wait);
      return;
    }
    const text = latest;
    latest = undefined;
    lastAt = Date.now();
    inFlight = send(text).finally(() => {
      inFlight = undefined;
      if (latest !== undefined) pump();
    });
  };

  const stop = async () => {
    stopped = true;
    latest = undefined;
    if (timer !== undefined) clearTimeout(timer);
    await inFlight;
  };

  return {
    update(textSoFar) {
      if (stopped || !textSoFar.trim()) return;
      latest = textSoFar;
      if (timer === undefined) pump();
    },
    finish: stop,
    showing: () => shownAt > 0 && Date.now() - shownAt < TELEGRAM_DRAFT_VISIBLE_MS,
    async discard() {
      const wasShown = shownAt > 0 || inFlight !== undefined;
      await stop();
      // What was shown is taken back: an empty draft is Telegram's "Thinking…" placeholder, which the
      // next answer (or the reply) replaces.
      if (wasShown) await send("");
    },
  };
}
