/**
 * Structured logs: one JSON object a line, with ids, region, timings and outcomes. Message text,
 * tokens and keys are never passed here; callers log identifiers only.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

function emit(level: "info" | "warn" | "error", event: string, fields: LogFields): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (event: string, fields: LogFields = {}) => emit("info", event, fields),
  warn: (event: string, fields: LogFields = {}) => emit("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => emit("error", event, fields),
};

/** The class name of an error, safe to log (messages may quote a request). */
export function errorKind(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/**
 * A stable, short reference to a message id for logs. Ids can hold personal data (a WhatsApp wamid
 * embeds the sender's number), so logs carry this 64-bit FNV-1a digest instead: enough to correlate
 * the lines of one message, not to recover the id.
 */
export function ref(id: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < id.length; i++) {
    h ^= BigInt(id.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
