import type { RegionId } from "../core/region-policy.js";
import type { Address } from "../message.js";
import { describeInstant } from "../core/local-time.js";

/* A user's reminders as the pipeline sees them; the Durable Object that keeps them is objects/user-reminders.ts. */

export interface Reminder {
  id: string;
  text: string;
  /** Epoch ms when it is due. */
  dueAt: number;
  /** The user's IANA time zone, in which it was asked for and is described. */
  timeZone: string;
}

/** Whose reminder it is: where their conversation is kept. */
export interface ReminderOwner {
  userKey: string;
  /** The conversation it was set in (absent on reminders set before it was recorded: the user's). */
  chatKey?: string;
  region: RegionId;
}

export interface StoredReminder extends Reminder {
  address: Address;
  /** Absent on reminders set before it was recorded. */
  owner?: ReminderOwner;
  /** Deliveries tried and failed so far. */
  attempts?: number;
  /** The language it is said in when it fires (NewReminder.lang); absent on reminders set before. */
  lang?: string;
}

export interface NewReminder {
  text: string;
  /** The user's wall-clock time, "2026-11-22T09:00". */
  when: string;
  /** The user's IANA time zone; without it, the zone of their previous reminder. */
  timeZone?: string;
  address: Address;
  owner: ReminderOwner;
  /** The language the reminder is said in (the user's when they set it). */
  lang?: string;
}

/** What the pipeline calls on a user's reminders (the Durable Object's RPC methods: one call each). */
export interface ReminderBook {
  create(input: NewReminder): Promise<CreateResult>;
  list(): Promise<Reminder[]>;
  cancel(id: string): Promise<boolean>;
  erase(): Promise<number>;
}

/** `due` is the time in plain words in the user's zone; `error` says what the model should do instead. */
export type CreateResult = { ok: true; reminder: Reminder; due: string } | { ok: false; error: string };

/** A reminder in plain words, for the model and for /reminders. */
export function describeReminder(r: Reminder): string {
  return `${describeInstant(r.dueAt, r.timeZone)}: ${r.text}`;
}
