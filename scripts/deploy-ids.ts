/**
 * Fills the KV namespace ids Terraform created into wrangler.jsonc's environments:
 *
 *   terraform -chdir=terraform output -json > tf-output.json
 *   npm run deploy:ids -- tf-output.json
 *
 * Reads the `edge` output ({ "<env>": { "kv_faq_id": "…", "kv_region_pins_id": "…", "kv_rollouts_id": "…" } })
 * and replaces each `TERRAFORM_OUTPUT:<env>.<name>` placeholder, leaving the rest of the file (and its
 * comments) as is.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { WRANGLER_CONFIG } from "../infra/local/worker-bindings.js";
import { PLACEHOLDER_PREFIX } from "./deploy-check.js";

export function fillIds(
  config: string,
  output: { edge?: { value?: Record<string, Record<string, string>> } },
): { config: string; filled: number; missing: string[] } {
  const values = output.edge?.value ?? {};
  let filled = 0;
  const missing: string[] = [];
  const text = config.replace(
    new RegExp(`"${PLACEHOLDER_PREFIX}([\\w-]+)\\.([\\w-]+)"`, "g"),
    (whole, env: string, name: string) => {
      const value = values[env]?.[name];
      if (!value) {
        missing.push(`${env}.${name}`);
        return whole;
      }
      filled += 1;
      return JSON.stringify(value);
    },
  );
  return { config: text, filled, missing };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const output = JSON.parse(readFileSync(file ?? 0, "utf8")) as Parameters<typeof fillIds>[1];
  const result = fillIds(readFileSync(WRANGLER_CONFIG, "utf8"), output);
  writeFileSync(WRANGLER_CONFIG, result.config);
  console.log(
    `filled ${result.filled} id(s)${result.missing.length ? `; not in the output: ${result.missing.join(", ")}` : ""}`,
  );
  if (result.missing.length) process.exit(1);
}
