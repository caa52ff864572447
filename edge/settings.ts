import * as z from "zod";
import type { RegionFile } from "./core/region-policy.js";

/**
 * How settings (the Worker's vars and secrets) are declared: a zod schema per group, every variable
 * optional or defaulted, so one parse names every malformed setting at once. The core settings are
 * one group (config.ts); each channel declares its own (its registry entry), and is on once any of
 * its `required` settings is given; then all of them must be.
 */

export const Duration = z.string().regex(/^\d+\s?(ms|s|m|h|d)$/, 'a duration like "1 s", "10 s" or "1 m"');
export const Url = z.url({ protocol: /^https?$/ });
export const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** An http(s) base URL without its trailing slashes. */
export const BaseUrl = Url.transform((u) => u.replace(/\/+$/, ""));

/**
 * What the README's settings table says of a setting (`npm run docs` writes the table from these).
 *
 * @example
 * BURST_WINDOW_MS: setting(Int(0, 10_000).default(0), { description: "a minimum wait before a reply" })
 */
export interface SettingDoc {
  /** What it does: the table's "meaning" column. */
  description: string;
  /** What applies when it is not given, where the schema has no default ("required", "none (channel off)"). */
  unset?: string;
  /** Its value is a credential: `wrangler secret put` in production, never a plain var. */
  secret?: boolean;
  /** Its former name, still read when the new one is not given. */
  formerly?: string;
  /** How the table shows a default too long to print (SYSTEM_PROMPT's). */
  shownDefault?: string;
}

/** A setting's schema with its documentation attached (read back by settingDoc). */
export function setting<T extends z.ZodType>(schema: T, doc: SettingDoc): T {
  return schema.meta({ ...doc }) as T;
}

export function settingDoc(schema: z.ZodType): SettingDoc | undefined {
  return schema.meta() as SettingDoc | undefined;
}

/** A settings group as the config parser sees it (settingsGroup declares one with its types). */
export interface SettingsGroup<S> {
  /** Every variable of the group; none of them required by the schema itself. */
  readonly schema: z.ZodType;
  /** Variables that turn the group on when any is given, and are then all required. */
  readonly required: readonly string[];
  /** The group's settings from what `schema` parsed (all of `required` present). Throws ConfigError on a bad combination. */
  build(values: unknown, file: RegionFile): S;
}

/**
 * Declares a settings group: `build` sees the variables as the schema parsed them.
 *
 * @example
 * settingsGroup({ schema: z.object({ WEBCHAT_TOKEN_SECRET: z.string().min(32).optional() }),
 *   required: ["WEBCHAT_TOKEN_SECRET"], build: (s) => ({ tokenSecret: s.WEBCHAT_TOKEN_SECRET! }) })
 */
export function settingsGroup<S, Shape extends z.ZodRawShape>(group: {
  schema: z.ZodObject<Shape>;
  required: ReadonlyArray<keyof Shape & string>;
  build(values: z.output<z.ZodObject<Shape>>, file: RegionFile): S;
}): SettingsGroup<S> {
  return {
    schema: group.schema,
    required: group.required,
    build: (values, file) => group.build(values as z.output<z.ZodObject<Shape>>, file),
  };
}
