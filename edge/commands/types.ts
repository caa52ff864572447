import type { Edge } from "../edge.js";
import type { ChannelSender, InboundMessage } from "../message.js";
import type { Say, TextKey } from "../texts/index.js";

/** What a command is run with: the edge, the message that asked for it, and how to answer. */
export interface CommandContext {
  readonly edge: Edge;
  /** The command's message (its user, chat, region and channel). */
  readonly message: InboundMessage;
  /** What followed the command's name (`/region us` → "us"). */
  readonly args: string;
  /** The channel's outbound side (a group's administrators are asked of it). */
  readonly sender: ChannelSender;
  /** The product's texts in the user's language. */
  readonly say: Say;
  /** Every command, in the registry's order (for /help). */
  readonly commands: readonly Command[];
}

/**
 * One slash command: its name, who may use it, its line in /help, and what it does. Each is a file of
 * commands/, listed once in commands/index.ts; its texts live in the catalog (texts/en.ts).
 *
 * @example
 * export const reset = defineCommand({
 *   name: "reset", who: "anyone", help: "help.reset",
 *   async run({ edge, message, say }) { await edge.region(message.region).conversations.clear(message.chatKey); return say("reset.done"); },
 * });
 */
export interface Command {
  /** What users type after the slash, lower case (`/Reset` and `/reset@YourBot` count too). */
  readonly name: string;
  /** Who may run it: anyone, or (in a group) only its administrators, which the command checks itself. */
  readonly who: "anyone" | "group administrators";
  /** Its line in /help, if it has one. */
  readonly help?: TextKey;
  /** The reply. A command answers every time; what it changes is in the user's region. */
  run(context: CommandContext): Promise<string>;
}

/** Declares a command (a function only so that its object is checked where it is written). */
export function defineCommand(command: Command): Command {
  return command;
}
