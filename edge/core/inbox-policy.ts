import {
  BURST_GAP_MS,
  CAPACITY_RETRY_AFTER_NOTE_SECONDS,
  CAPACITY_RETRY_SECONDS,
  BURST_MAX_CHARS,
  BURST_MAX_HOLD_WINDOWS,
  BURST_MAX_MESSAGES,
  BURST_MAX_RESTARTS,
  BURST_RESTART_WITHIN_MS,
  INBOX_PRUNE_EVERY_MS,
  INBOX_REMEMBER_MS,
  RETRY_MAX_DELAY_SECONDS,
} from "../limits.js";
import { groupBursts, type HeldMessage } from "./bursts.js";

/**
 * The decisions of a chat's inbox (pipeline/inbox.ts), as pure functions of what waits, what is being
 * written and the time: which messages the next reply answers, whether a new one cancels the reply
 * being written, when what waits is due, whether a failed reply is tried again or given up on, and
 * how a burst becomes one message. The inbox does the storing and the calling; this says what to do.
 */

/** A message waiting in the inbox, as far as the decisions go. */
export interface Waiting extends HeldMessage {
  /** When the edge acknowledged it (epoch ms). */
  acceptedAt: number;
  /** Replies tried for it so far. */
  attempts?: number;
}

/** The reply the model is writing now. */
export interface Writing<W extends Waiting = Waiting> {
  /** The messages it answers, in the order sent. */
  group: readonly W[];
  /** Its first message has gone out: from here on, what arrives gets the next reply. */
  delivering: boolean;
  /** It was already cancelled. */
  cancelled: boolean;
}

const BURST_LIMITS = { messages: BURST_MAX_MESSAGES, chars: BURST_MAX_CHARS } as const;

/** The messages the next reply answers (a burst, or one command or media message), or none. */
export function nextReply<W extends Waiting>(waiting: Iterable<W>): W[] | undefined {
  return groupBursts([...waiting], BURST_LIMITS)[0];
}

/**
 * Whether `arrived` cancels the reply being written (the inbox then asks again with the whole burst):
 * it would share that reply by the grouping rule (same sender, plain text, within the burst's limits,
 * not a reply being retried), it was sent within BURST_GAP_MS of the burst's last message, the reply
 * has not started going out, and the burst was asked again fewer than BURST_MAX_RESTARTS times, within
 * BURST_RESTART_WITHIN_MS of its first message's acknowledgement.
 */
export function supersedes<W extends Waiting>(
  writing: Writing<W> | undefined,
  arrived: W,
  restarts: number,
  now: number,
): boolean {
  if (!writing || writing.delivering || writing.cancelled) return false;
  const first = writing.group[0];
  if (!first) return false;
  const [together] = groupBursts([...writing.group, arrived], BURST_LIMITS);
  const joins = together!.length === writing.group.length + 1;
  const close = arrived.sentAt - Math.max(...writing.group.map((g) => g.sentAt)) <= BURST_GAP_MS;
  return joins && close && restarts < BURST_MAX_RESTARTS && now - first.acceptedAt <= BURST_RESTART_WITHIN_MS;
}

/**
 * When what waits is to be answered: at once, by default; with a minimum wait (`windowMs`,
 * BURST_WINDOW_MS), a window after the last message taken in, and at most BURST_MAX_HOLD_WINDOWS
 * windows after the first, for users who keep typing.
 */
export function dueAt(waiting: Iterable<Pick<Waiting, "acceptedAt">>, windowMs: number, now: number): number {
  if (windowMs === 0) return now;
  let oldest = Infinity;
  let newest = 0;
  for (const { acceptedAt } of waiting) {
    oldest = Math.min(oldest, acceptedAt);
    newest = Math.max(newest, acceptedAt);
  }
  if (newest === 0) return now;
  return Math.min(newest + windowMs, oldest + BURST_MAX_HOLD_WINDOWS * windowMs);
}

/** 1 s, 2 s, 4 s… capped at RETRY_MAX_DELAY_SECONDS: the wait before try `attempts` + 1. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_DELAY_SECONDS, 2 ** Math.max(0, attempts - 1));
}

/**
 * After try number `attempt` of a reply failed: give up (its messages are dead-lettered and counted)
 * once `maxAttempts` were made; otherwise try again after the platform's own wait (`retryAfterSeconds`,
 * rounded up) or the backoff.
 */
export function afterFailure(
  attempt: number,
  maxAttempts: number,
  retryAfterSeconds?: number,
): { giveUp: true } | { giveUp: false; delaySeconds: number } {
  if (attempt >= maxAttempts) return { giveUp: true };
  const delaySeconds = retryAfterSeconds !== undefined ? Math.ceil(retryAfterSeconds) : retryDelaySeconds(attempt);
  return { giveUp: false, delaySeconds };
}

/**
 * How a reply is to be asked for when every server that may answer is saturated, for messages held
 * since `heldSince` (undefined: not held): hold them (ask again later, "typing…" meanwhile) for
 * `budget.holdMs` (CAPACITY_HOLD_MS); then answer with a short note (or a near FAQ answer) once, the
 * full answer still to follow; past `budget.maxWaitMs`, answer as for a model that is down, and be done.
 */
export function capacityMode(
  heldSince: number | undefined,
  noteSent: boolean,
  now: number,
  budget: { holdMs: number; maxWaitMs: number },
): "hold" | "interim" | "final" {
  if (heldSince === undefined) return "hold";
  if (now - heldSince >= budget.maxWaitMs) return "final";
  if (!noteSent && now - heldSince >= budget.holdMs) return "interim";
  return "hold";
}

/**
 * When to ask again for held messages, in seconds: the origin's Retry-After when it says later, else
 * CAPACITY_RETRY_SECONDS while holding and CAPACITY_RETRY_AFTER_NOTE_SECONDS once the note went out;
 * never more than a minute.
 */
export function capacityRetrySeconds(retryAfterSeconds: number | undefined, noteSent: boolean): number {
  const own = noteSent ? CAPACITY_RETRY_AFTER_NOTE_SECONDS : CAPACITY_RETRY_SECONDS;
  return Math.min(60, Math.max(own, Math.ceil(retryAfterSeconds ?? 0)));
}

/** Whether remembered ids are due to be swept again (the last sweep was at `prunedAt`). */
export function pruneDue(prunedAt: number, now: number): boolean {
  return now - prunedAt > INBOX_PRUNE_EVERY_MS;
}

/** Whether an id remembered at `rememberedAt` is forgotten now (no platform redelivers that late). */
export function forgotten(rememberedAt: number, now: number): boolean {
  return now - rememberedAt > INBOX_REMEMBER_MS;
}

/** What merging needs of a message: its content, of which a text may carry a caption's attachment. */
interface Mergeable {
  content: { kind: string; text?: string; attachment?: string };
}

/**
 * Messages answered by one reply, as one message: their texts in the order sent, one per line, under
 * the last one's id (a retry finds the reply saved under it) and address (the reply follows it). An
 * attachment among them is named once, so the answer says once that it was not seen.
 */
export function mergeBurst<M extends Mergeable>(messages: readonly M[]): M {
  const last = messages[messages.length - 1]!;
  if (messages.length === 1) return last;
  const texts = messages.map((m) => (m.content.kind === "text" ? m.content : undefined));
  const text = texts.map((t) => t?.text ?? "").join("\n");
  const attachment = texts.find((t) => t?.attachment)?.attachment;
  const content = { kind: "text", text, ...(attachment ? { attachment } : {}) };
  return { ...last, content: content as M["content"] };
}
