import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import regions from "../../infra/regions.json" with { type: "json" };
import type { ArgSchema, Kind, ProviderSchemas, TypeSchema } from "../../scripts/terraform-schemas.js";
import { parseTerraform, usages, type Block, type TerraformFile } from "../support/terraform-usage.js";

/**
 * The Terraform code against the providers' own schemas at the versions it pins (the fixture comes
 * from the providers' published bindings and source: scripts/terraform-schemas.ts). terraform cannot
 * download providers here, so this is what `terraform validate` would find: an unknown resource type,
 * an argument or block the provider does not have, a missing required argument, a value it refuses.
 */
const SCHEMAS = JSON.parse(readFileSync("test/fixtures/terraform/provider-schemas.json", "utf8")) as Record<
  string,
  ProviderSchemas
>;
const META_ARGUMENTS = new Set([
  "count",
  "for_each",
  "depends_on",
  "lifecycle",
  "provider",
  "provisioner",
  "connection",
]);

let files: TerraformFile[];
beforeAll(async () => {
  files = await parseTerraform("terraform");
});

/** Problems of one block against its schema, as `path: what`. */
function check(body: Block, schema: TypeSchema, path: string): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (META_ARGUMENTS.has(key)) continue;
    const arg: ArgSchema | undefined = schema[key];
    if (!arg) {
      problems.push(`${path}.${key}: not an argument of the provider's schema`);
      continue;
    }
    if (arg.values && typeof value === "string" && !value.includes("${") && !arg.values.includes(value))
      problems.push(`${path}.${key}: "${value}" is not one of ${arg.values.join(", ")}`);
    if (!arg.block) continue;
    const nested = Array.isArray(value) ? value : [value];
    for (const item of nested)
      if (item && typeof item === "object") problems.push(...check(item as Block, arg.block, `${path}.${key}`));
  }
  for (const [key, arg] of Object.entries(schema))
    if (arg.required && !(key in body)) problems.push(`${path}: the required argument ${key} is missing`);
  return problems;
}

function providerOf(type: string): ProviderSchemas | undefined {
  return SCHEMAS[type.slice(0, type.indexOf("_"))];
}

describe("terraform against the providers' schemas", () => {
  it("uses only resource, data source and ephemeral resource types its pinned providers have", () => {
    const unknown = usages(files)
      .filter((u) => !providerOf(u.type)?.types[u.kind].includes(u.type))
      .map((u) => `${u.file}: ${u.kind} ${u.type}`);
    expect(unknown).toEqual([]);
  });

  it("gives every block only arguments its provider has, and every required one", () => {
    const problems = usages(files).flatMap((u) => {
      const schema = providerOf(u.type)?.schemas[u.kind as Kind]?.[u.type];
      if (!schema) return [`${u.file}: no schema for ${u.kind} ${u.type} (npm run terraform:schemas)`];
      return check(u.body, schema, `${u.file}: ${u.type}.${u.name}`);
    });
    expect(problems).toEqual([]);
  });

  it("places each database where Upstash can put a primary region", () => {
    const allowed = SCHEMAS.upstash!.schemas.resource!.upstash_redis_database!.primary_region!.values!;
    for (const [id, r] of Object.entries(regions.regions)) expect(allowed, id).toContain(r.database.location);
  });

  it("declares, in every module and root, each provider it uses, pinned to the version checked here", () => {
    const dirs = new Map<string, Set<string>>();
    for (const u of usages(files)) {
      const used = dirs.get(dirname(u.file)) ?? new Set();
      used.add(u.type.slice(0, u.type.indexOf("_")));
      dirs.set(dirname(u.file), used);
    }
    for (const [dir, used] of dirs) {
      const declared = new Map<string, { source: string; version: string }>();
      for (const f of files.filter((x) => dirname(x.file) === dir)) {
        const terraform = (f.hcl.terraform ?? []) as Array<{
          required_providers?: Array<Record<string, { source: string; version: string }>>;
        }>;
        for (const t of terraform)
          for (const block of t.required_providers ?? [])
            for (const [n, p] of Object.entries(block)) declared.set(n, p);
      }
      for (const name of used) {
        const pinned = SCHEMAS[name]!;
        expect(declared.get(name)?.source, `${dir}: ${name}`).toBe(pinned.source);
        const constraint = declared.get(name)!.version;
        expect(constraint, `${dir}: ${name}`).toMatch(/^~> \d+\.\d+\.\d+$/);
        expect(constraint.slice(3), `${dir}: ${name} is checked at ${pinned.version}`).toBe(pinned.version);
      }
    }
  });
});

describe("one root per environment", () => {
  const envs = readdirSync("terraform/environments");

  it("has staging and production, each with its own remote state and the shared configuration", () => {
    expect(envs.sort()).toEqual(["production", "staging"]);
    for (const env of envs) {
      const dir = join("terraform/environments", env);
      const backend = readFileSync(join(dir, "backend.tf"), "utf8");
      expect(backend).toMatch(/backend "gcs"/);
      expect(backend).toContain(`prefix = "im-edge-gateway/${env}"`);
      expect(readFileSync(join(dir, "environment.auto.tfvars"), "utf8")).toContain(`environment = "${env}"`);
      for (const f of ["main.tf", "variables.tf", "outputs.tf", "providers.tf"]) {
        expect(lstatSync(join(dir, f)).isSymbolicLink(), `${env}/${f}`).toBe(true);
        expect(readlinkSync(join(dir, f))).toBe(`../../shared/${f}`);
      }
    }
  });

  it("keeps state, plans, provider caches and settings files out of git", () => {
    const ignore = readFileSync(".gitignore", "utf8");
    for (const pattern of [".terraform/", "*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfplan"])
      expect(ignore.split("\n")).toContain(pattern);
    expect(existsSync("terraform/terraform.tfstate")).toBe(false);
  });
});
