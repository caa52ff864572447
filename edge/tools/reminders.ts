import * as z from "zod";
import { describeInstant, isTimeZone, localToInstant } from "../core/local-time.js";
import { describeReminder } from "../services/reminder-book.js";
import { defineTool, type ToolContext } from "./types.js";

/** Offered where the user has a reminder book: channels that can reach a user unprompted (respond.ts). */
const offered = (ctx: ToolContext) => Boolean(ctx.reminders);

/**
 * `create_reminder(when, time_zone?, text)`: a reminder delivered on the user's channel when due. The
 * time is the user's wall-clock time; their zone is what they said, or the zone of their previous
 * reminder; without either the model is told to ask. The result says the time back in plain words.
 */
export const createReminder = defineTool({
  name: "create_reminder",
  description:
    "Set a reminder that is sent to the user at a given local date and time. Use the user's own time zone; " +
    "if you do not know it and the tool says so, ask the user where they are. Confirm the time back to the user in plain words.",
  args: z.object({
    when: z
      .string()
      .trim()
      .refine((v) => localToInstant(v, "UTC") !== undefined, "the user's local date and time as YYYY-MM-DDTHH:MM"),
    time_zone: z
      .string()
      .trim()
      .refine(isTimeZone, "an IANA time zone name such as Europe/Berlin or America/New_York")
      .optional()
      .describe("IANA time zone of the user, e.g. Europe/Berlin; omit to use the one the user gave before"),
    text: z.string().trim().min(1).max(500).describe("what to remind the user of, in their words"),
  }),
  enabled: offered,
  async run({ when, time_zone, text }, ctx) {
    // A reminder answers no particular message: it neither quotes one nor keeps its platform id.
    const { messageId: _answered, quote: _quote, ...address } = ctx.address;
    const owner = { userKey: ctx.userKey, chatKey: ctx.chatKey, region: ctx.region };
    const result = await ctx.reminders!.create({
      text,
      when,
      ...(time_zone ? { timeZone: time_zone } : {}),
      address,
      owner,
      ...(ctx.lang ? { lang: ctx.lang } : {}),
    });
    return result.ok
      ? { created: true, id: result.reminder.id, due: result.due }
      : { created: false, error: result.error };
  },
});

/** `list_reminders()`: the user's pending reminders, soonest first, times in their zone. */
export const listReminders = defineTool({
  name: "list_reminders",
  description: "List the user's pending reminders with their ids and times.",
  args: z.object({}),
  enabled: offered,
  async run(_args, ctx) {
    const reminders = await ctx.reminders!.list();
    return { reminders: reminders.map((r) => ({ id: r.id, due: describeInstant(r.dueAt, r.timeZone), text: r.text })) };
  },
});

/** `cancel_reminder(id)`: cancels one of the user's own reminders (ids of others are simply not found). */
export const cancelReminder = defineTool({
  name: "cancel_reminder",
  description: "Cancel one of the user's reminders by its id (from list_reminders).",
  args: z.object({
    id: z
      .string()
      .trim()
      .regex(/^[a-f0-9-]{1,36}$/, "a reminder id from list_reminders"),
  }),
  enabled: offered,
  async run({ id }, ctx) {
    const cancelled = await ctx.reminders!.cancel(id);
    return cancelled
      ? { cancelled: true, id }
      : { cancelled: false, id, note: "The user has no reminder with this id." };
  },
});
