import type * as z from "zod";

/**
 * A zod error as lines a person can act on: `entries.3.lang: a two-letter language code`. Issues at
 * the top level are named `root`.
 */
export function issueLines(error: z.ZodError, root = "(root)"): string[] {
  return error.issues.map((i) => `${i.path.join(".") || root}: ${i.message}`);
}
