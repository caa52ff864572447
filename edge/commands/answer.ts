import { defineCommand } from "./types.js";

/**
 * `/answer all|mentions` in a group: whether the bot answers every message there or only when
 * addressed. Only the group's administrators may change it; a private chat is always answered.
 */
export const answer = defineCommand({
  name: "answer",
  who: "group administrators",
  async run({ edge, message, sender, args, say }) {
    const inGroup = edge.channel(message.address.channel)?.capabilities.groups && message.chatKey !== message.userKey;
    if (!inGroup) return say("answer.private");
    const mode = args.trim().toLowerCase();
    if (mode !== "all" && mode !== "mentions") return say("answer.usage");
    const admin = message.senderId && (await sender.isGroupAdmin?.(message.address, message.senderId));
    if (!admin) return say("answer.adminsOnly");
    // Kept in the region the channel resolves group messages to: where the webhook looks it up.
    await edge.region(message.region).groupSettings.setAnswersAll(message.chatKey, mode === "all");
    return say(mode === "all" ? "answer.all" : "answer.mentions");
  },
});
