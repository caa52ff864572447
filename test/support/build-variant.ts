import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The Worker built as `wrangler deploy` builds it, from this checkout with another infra/regions.json
 * (the edge bundles the file; a suite that needs two model versions in a region builds its own).
 * Returns the directory of the bundle, under dist-variants/ of the checkout.
 */
export function buildWithRegions(name: string, change: (file: Record<string, unknown>) => void): string {
  const root = process.cwd();
  const work = mkdtempSync(path.join(tmpdir(), `edge-${name}-`));
  try {
    for (const part of ["edge", "infra", "wrangler.jsonc", "package.json", "tsconfig.json"])
      cpSync(path.join(root, part), path.join(work, part), { recursive: true });
    symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"));
    const file = JSON.parse(readFileSync(path.join(root, "infra/regions.json"), "utf8")) as Record<string, unknown>;
    change(file);
    writeFileSync(path.join(work, "infra/regions.json"), JSON.stringify(file, null, 2));
    const out = path.join(root, "dist-variants", name);
    rmSync(out, { recursive: true, force: true });
    execFileSync(path.join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", out, "--env", ""], {
      cwd: work,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    return path.relative(root, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
