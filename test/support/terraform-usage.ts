import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";

export type Block = Record<string, unknown>;
/** One resource, data source or ephemeral resource block of the Terraform code, as hcl2json reads it. */
export interface Usage {
  file: string;
  kind: "resource" | "data" | "ephemeral";
  type: string;
  name: string;
  body: Block;
}
export interface TerraformFile {
  file: string;
  hcl: Record<string, unknown>;
}

/** Every .tf file under `root` (symlinked environment files counted once, by their real path). */
function terraformFiles(root: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith(".")) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".tf")) {
        const real = realpathSync(path);
        if (!seen.has(real)) {
          seen.add(real);
          out.push(path);
        }
      }
    }
  };
  walk(root);
  return out;
}

export async function parseTerraform(root: string): Promise<TerraformFile[]> {
  return Promise.all(
    terraformFiles(root).map(async (file) => ({
      file,
      hcl: (await parse(file, readFileSync(file, "utf8"))) as Record<string, unknown>,
    })),
  );
}

export function usages(files: TerraformFile[]): Usage[] {
  const out: Usage[] = [];
  for (const { file, hcl } of files)
    for (const kind of ["resource", "data", "ephemeral"] as const)
      for (const [type, byName] of Object.entries((hcl[kind] ?? {}) as Record<string, Record<string, Block[]>>))
        for (const [name, bodies] of Object.entries(byName))
          for (const body of bodies) out.push({ file, kind, type, name, body });
  return out;
}

/** The types the code uses, for scripts/terraform-schemas.ts (synchronous: it runs before any test). */
export function terraformUsage(root: string): Array<{ kind: Usage["kind"]; type: string }> {
  const out: Array<{ kind: Usage["kind"]; type: string }> = [];
  for (const file of terraformFiles(root)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(resource|data|ephemeral)\s+"([\w-]+)"\s+"[\w-]+"/gm))
      out.push({ kind: m[1] as Usage["kind"], type: m[2]! });
  }
  return out;
}
