import { describeReminder } from "../services/reminder-book.js";
import { defineCommand } from "./types.js";

/** `/reminders`: the user's pending reminders, where the chat can have them (channels that can push). */
export const reminders = defineCommand({
  name: "reminders",
  who: "anyone",
  help: "help.reminders",
  async run({ edge, message, say }) {
    const canPush = edge.channel(message.address.channel)?.capabilities.push;
    const book = canPush ? edge.reminders?.(message.userKey, message.region) : undefined;
    if (!book) return say("reminders.unavailable");
    const pending = await book.list();
    if (!pending.length) return say("reminders.none");
    return [say("reminders.list"), ...pending.map((r) => `• ${describeReminder(r)}`)].join("\n");
  },
});
