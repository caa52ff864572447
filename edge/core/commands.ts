/** A slash command as a channel reads it: its name (lower case) and what followed it. */
export interface ParsedCommand {
  name: string;
  args: string;
}

const COMMAND = /^\/([a-zA-Z0-9_]{1,32})(?:@([a-zA-Z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/;

/**
 * Reads a leading slash command among `known` (the registry's names, commands/index.ts).
 * `/reset@MyBot` counts only when the mention names this bot (group chats address commands to one
 * bot among several); unknown commands are ordinary text.
 */
export function parseCommand(
  text: string,
  known: ReadonlySet<string>,
  botUsername?: string,
): ParsedCommand | undefined {
  const m = COMMAND.exec(text.trim());
  if (!m) return undefined;
  const [, raw = "", mention, args = ""] = m;
  if (mention && botUsername && mention.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const name = raw.toLowerCase();
  if (!known.has(name)) return undefined;
  return { name, args: args.trim() };
}
