import { defineCommand } from "./types.js";

/** `/reset`: forgets this chat's conversation (in a group, the group's) and its summary. */
export const reset = defineCommand({
  name: "reset",
  who: "anyone",
  help: "help.reset",
  async run({ edge, message, say }) {
    await edge.region(message.region).conversations.clear(message.chatKey);
    return say("reset.done");
  },
});
