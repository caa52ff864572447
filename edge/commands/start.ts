import { defineCommand } from "./types.js";

/** `/start`: what Telegram sends when a person opens the bot; a greeting on every channel. */
export const start = defineCommand({
  name: "start",
  who: "anyone",
  run: async ({ say }) => say("start"),
});
