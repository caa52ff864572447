import type { Say } from "../texts/index.js";
import { defineCommand, type Command } from "./types.js";

/** `/help`: what the assistant does, every command's line (the registry's order), and group manners. */
export const help = defineCommand({
  name: "help",
  who: "anyone",
  help: "help.help",
  run: async ({ say, commands }) => helpText(say, commands),
});

/** The /help reply for these commands. */
export function helpText(say: Say, commands: readonly Command[]): string {
  const lines = commands.flatMap((c) => (c.help ? [say(c.help)] : []));
  return [say("help.intro"), lines.join("\n"), say("help.groups")].join("\n\n");
}
