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
