import type * as z from "zod";
import type { Address } from "../message.js";
import type { Config } from "../config.js";
import type { RegionId } from "../core/region-policy.js";
import type { ReminderBook } from "../services/reminder-book.js";

/**
 * Who is asking, as the channel verified it. A tool acts for this user only: identities never come
 * from the model's arguments, so no prompt can make a tool read another customer's data.
 */
export interface ToolContext {
  /** `<channel>:<account>:<user>`, the verified sender. */
  userKey: string;
  /** The conversation the request came from (a private chat's is the user's key). */
  chatKey: string;
  region: RegionId;
  /** Where the user wrote from: where a reminder is delivered. */
  address: Address;
  config: Config;
  /** The user's reminders, where this deployment keeps them and the channel can deliver them. */
  reminders?: ReminderBook;
  /** The language the user is answered in (core/language.ts): a reminder is said in it. */
  lang?: string;
}

/**
 * A business tool the model may call. Declared once: its arguments' zod schema is both what the model
 * is shown (as JSON Schema) and what its arguments are checked against before `run`.
 */
export interface Tool<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: Args;
  /** Whether the tool is offered here (its settings are present, the channel supports it). */
  enabled(ctx: ToolContext): boolean;
  /** The result handed back to the model (JSON-serialisable), for the verified user only. */
  run(args: z.infer<Args>, ctx: ToolContext): Promise<unknown>;
}

export function defineTool<Args extends z.ZodType>(tool: Tool<Args>): Tool<Args> {
  return tool;
}
