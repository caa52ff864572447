import type { Address } from "../channels/types.js";
import { describeInstant } from "../core/local-time.js";

/* A user's reminders as the pipeline sees them; the Durable Object that keeps them is services/reminders.ts. */

export interface Reminder {
  id: string;
  text: string;
  /** Epoch ms when it is due. */
  dueAt: number;
  /** The user's IANA time zone, in which it was asked for and is described. */
  timeZone: string;
}

export interface StoredReminder extends Reminder {
  address: Address;
  /** Deliveries tried and failed so far. */
  attempts?: number;
}

/** What the pipeline calls on a user's reminders (the Durable Object's RPC methods). */
export interface ReminderBook {
  create(input: { text: string; dueAt: number; timeZone: string; address: Address }): Promise<CreateResult>;
  list(): Promise<Reminder[]>;
  cancel(id: string): Promise<boolean>;
  erase(): Promise<number>;
  /** The time zone of the user's latest reminder, if they ever gave one. */
  timeZone(): Promise<string | null>;
}

export type CreateResult = { ok: true; reminder: Reminder } | { ok: false; error: string };

/** A reminder in plain words, for the model and for /reminders. */
export function describeReminder(r: Reminder): string {
  return `${describeInstant(r.dueAt, r.timeZone)}: ${r.text}`;
}
