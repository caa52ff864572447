/**
 * The region file's tools:
 *
 *   npm run regions:check [-- path/to/regions.json]   validate and print the compliance report
 *   npm run regions:schema                            regenerate infra/regions.schema.json for editors
 *
 * `check` exits 0 for a valid file without warnings, 1 when there are warnings (a compliance officer
 * must look), 2 when the file is invalid.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { complianceWarnings, parseRegionFile, RegionFileSchema, type RegionFile } from "../edge/core/region-policy.js";

export function regionReport(file: RegionFile): { text: string; warnings: string[] } {
  const lines: string[] = [];
  lines.push(`Default region (countries in no region, and the Telegram bot): ${file.defaultRegion}`, "");
  for (const [id, r] of Object.entries(file.regions)) {
    const R = id.toUpperCase();
    lines.push(`${id} — ${r.name}${r.jurisdiction === "eu" ? " (EU jurisdiction: GDPR)" : ""}`);
    lines.push(`  countries:   ${r.countries.join(", ")}`);
    const { pool } = r.origins;
    lines.push(
      `  model:       ${pool.minServers}–${pool.maxServers} servers, autoscaled, on ${r.origins.cloud} ${r.origins.zones.join(", ")} (ORIGIN_URL_${R})`,
    );
    if (r.origins.overflow)
      lines.push(
        `  overflow:    ${r.origins.overflow.name}, ${r.origins.overflow.location}, only while the pool is saturated (OVERFLOW_URL_${R})`,
      );
    lines.push(`  data:        ${r.database.provider} ${r.database.location} (UPSTASH_REDIS_REST_URL_${R})`);
    lines.push(
      `  retention:   conversations kept ${formatDuration(r.retention.sessionTtlSeconds)} after the last message`,
    );
    lines.push(
      `  fallbacks:   ${r.fallbacks.length ? r.fallbacks.join(" → ") : "none: when its models are down, users get the offline FAQ"}`,
    );
    lines.push(`  /region:     ${r.userSelectable ? "Telegram users may choose it" : "not selectable"}`);
    lines.push(`  Languages:   ${(r.languages ?? r.faqLanguages).join(", ")} (the first is the default)`);
    lines.push(`  FAQ:         ${r.faqLanguages.join(", ")}`, "");
  }
  lines.push(
    `Logs: the edge's logs (no message text, no user ids) are archived in ${file.logs.cloud} ${file.logs.location} and deleted after ${file.logs.retentionDays} days`,
    "",
  );
  const warnings = complianceWarnings(file);
  lines.push(warnings.length ? `Warnings (${warnings.length}):` : "No warnings.");
  for (const w of warnings) lines.push(`  ! ${w}`);
  return { text: lines.join("\n"), warnings };
}

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  return `${Math.round(seconds / 60)} minute(s)`;
}

export function regionJsonSchema(): string {
  const schema = z.toJSONSchema(RegionFileSchema, { target: "draft-2020-12", unrepresentable: "any" });
  return `${JSON.stringify({ title: "Region file of the IM edge gateway", ...schema }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, path = "infra/regions.json"] = process.argv.slice(2);
  if (command === "schema") {
    writeFileSync("infra/regions.schema.json", regionJsonSchema());
    console.log("wrote infra/regions.schema.json");
  } else if (command === "check") {
    let file: RegionFile;
    try {
      file = parseRegionFile(JSON.parse(readFileSync(path, "utf8")));
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    }
    const { text, warnings } = regionReport(file);
    console.log(text);
    process.exit(warnings.length ? 1 : 0);
  } else {
    console.error("usage: tsx scripts/regions.ts check [file] | schema");
    process.exit(2);
  }
}
