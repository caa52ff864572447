/** Commands every channel understands. */
const COMMANDS = ["start", "help", "reset", "forget", "region", "reminders", "answer"] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ParsedCommand {
  name: CommandName;
  args: string;
}

const COMMAND = /^\/([a-zA-Z0-9_]{1,32})(?:@([a-zA-Z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/;

/**
 * Reads a leading slash command. `/reset@MyBot` counts only when the mention names this bot (group
 * chats address commands to one bot among several); unknown commands are ordinary text.
 */
export function parseCommand(text: string, botUsername?: string): ParsedCommand | undefined {
  const m = COMMAND.exec(text.trim());
  if (!m) return undefined;
  const [, raw = "", mention, args = ""] = m;
  if (mention && botUsername && mention.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const name = raw.toLowerCase();
  if (!(COMMANDS as readonly string[]).includes(name)) return undefined;
  return { name: name as CommandName, args: args.trim() };
}

export const REPLIES = {
  start:
    "Hello! I am the assistant of this service. Ask me anything in your own words.\n\n" +
    "/help shows what I can do, /reset starts a new conversation.",
  help:
    "Write to me as you would to a person and I will answer. I remember the recent conversation, " +
    "so you can ask follow-up questions.\n\n" +
    "/reset forgets this conversation and starts afresh\n" +
    "/forget deletes everything kept about you\n" +
    "/region shows where your conversation is kept\n" +
    "/reminders lists your reminders (ask me to remind you of something)\n" +
    "/help shows this message\n\n" +
    "In a group I answer when you mention me, reply to one of my messages, or send a command. " +
    "A group admin can make me answer every message with /answer all (and stop with /answer mentions).",
  reminders: "Reminders are not available in this chat.",
  reset: "Done: I have forgotten this conversation. What would you like to talk about?",
  slowDown: "You are sending messages faster than I can answer. Please wait a moment, then try again.",
  textOnly: "I can read text only. Please write your question as a message.",
  attachmentNote: "(I can read only the text you sent with it, not the attachment itself.)",
  answerAll: "From now on I answer every message in this chat.",
  answerMentions: "From now on I answer here only when you mention me, reply to one of my messages or send a command.",
  answerUsage:
    "Send /answer all to have me answer every message here, or /answer mentions to have me answer only when addressed.",
  answerAdminsOnly: "Only an administrator of this group can change when I answer.",
  answerPrivate: "In a private chat I answer every message; /answer is for groups.",
  tooLong:
    "Your message is too long for me to read at once. Please shorten it to what matters (your question, an " +
    "order number) and send it again.",
  modelUnavailable: "Sorry, I cannot answer that right now. Please try again later.",
  modelTimeout: "Sorry, that took me too long. Please try again, perhaps with a shorter question.",
} as const;
