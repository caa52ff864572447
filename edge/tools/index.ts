import * as z from "zod";
import type { ToolOffer } from "../services/origin-client.js";
import { lookupOrder } from "./lookup-order.js";
import { cancelReminder, createReminder, listReminders } from "./reminders.js";
import type { Tool, ToolContext } from "./types.js";

/** Every tool, in one list: adding a tool is one file and one line here. */
const TOOLS: Tool[] = [lookupOrder, createReminder, listReminders, cancelReminder] as unknown as Tool[];

type Definition = ToolOffer["definitions"][number];

/** Each tool's OpenAI function definition, made once per isolate (converting a schema is not cheap). */
const definitions = new Map<Tool, Definition>();
function definition(t: Tool): Definition {
  let d = definitions.get(t);
  if (!d) {
    d = {
      type: "function",
      function: {
        name: t.name,
        description: t.description,
        parameters: z.toJSONSchema(t.args) as Record<string, unknown>,
      },
    };
    definitions.set(t, d);
  }
  return d;
}

/** The tools this deployment offers, as OpenAI function definitions. */
export function toolOffer(ctx: ToolContext): ToolOffer | undefined {
  const enabled = TOOLS.filter((t) => t.enabled(ctx));
  if (!enabled.length) return undefined;
  return { definitions: enabled.map(definition) };
}

export function toolNamed(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}
