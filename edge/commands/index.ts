import type { ParsedCommand } from "../core/commands.js";
import { textsFor } from "../texts/index.js";
import { answer } from "./answer.js";
import { forget } from "./forget.js";
import { help } from "./help.js";
import { region } from "./region.js";
import { reminders } from "./reminders.js";
import { reset } from "./reset.js";
import { start } from "./start.js";
import type { Command, CommandContext } from "./types.js";

/**
 * Every command, in one list (the order /help lists them in): adding a command is a file here, one
 * line in this list, and its texts in texts/en.ts. Channels learn the names through their host.
 */
export const COMMANDS = [start, reset, forget, region, reminders, help, answer] as const satisfies readonly Command[];

/** The names the channels' parsers recognise after a slash; anything else is ordinary text. */
export const COMMAND_NAMES: ReadonlySet<string> = new Set(COMMANDS.map((c) => c.name));

/** Runs the command a message asked for and returns its reply. */
export function runCommand(
  parsed: ParsedCommand,
  context: Omit<CommandContext, "args" | "say" | "commands">,
  lang = "en",
): Promise<string> {
  // Parsers only hand on registered names; help is the answer to anything else.
  const command = COMMANDS.find((c) => c.name === parsed.name) ?? help;
  return command.run({ ...context, args: parsed.args, say: textsFor(lang), commands: COMMANDS });
}
