/**
 * `npm run terraform:schemas -- <terraform-provider-upstash checkout> <terraform-provider-random checkout>`:
 * writes test/fixtures/terraform/provider-schemas.json, the argument schemas of every resource, data
 * source and ephemeral resource type the Terraform code uses, from the providers' own definitions at
 * the versions terraform/ pins:
 *
 * - google, cloudflare, random, tls: the prebuilt CDKTF bindings on the npm registry (their jsii
 *   manifest is generated from the provider's schema; its README names the provider version);
 * - upstash (no CDKTF bindings) and random's ephemeral resources (CDKTF has none): the providers' Go
 *   source at the release tag (SDKv2 and plugin-framework schema literals).
 *
 * Every type name of each provider is kept too, so a misspelt type is caught; full schemas only for
 * the types in use (run again after using a new one). The test (test/unit/terraform-schemas.test.ts)
 * checks every argument and block of every .tf file against this file.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { terraformUsage } from "../test/support/terraform-usage.js";

export const SCHEMAS_FILE = "test/fixtures/terraform/provider-schemas.json";

/** An argument: a plain attribute, or a block (or nested attribute) with its own arguments. */
export interface ArgSchema {
  required?: true;
  block?: Record<string, ArgSchema>;
  /** The values the provider accepts, where its schema lists them. */
  values?: string[];
}
export type TypeSchema = Record<string, ArgSchema>;
export type Kind = "resource" | "data" | "ephemeral";

export interface ProviderSchemas {
  source: string;
  version: string;
  from: string;
  types: Record<Kind, string[]>;
  schemas: Partial<Record<Kind, Record<string, TypeSchema>>>;
}

const CDKTF = {
  google: "@cdktf/provider-google@16.12.1",
  cloudflare: "@cdktf/provider-cloudflare@13.9.1",
  random: "@cdktf/provider-random@12.0.1",
  tls: "@cdktf/provider-tls@11.0.1",
};

interface JsiiType {
  kind: string;
  datatype?: boolean;
  fqn: string;
  docs?: { summary?: string; remarks?: string };
  properties?: Array<{
    name: string;
    optional?: boolean;
    docs?: { summary?: string; remarks?: string; custom?: Record<string, string> };
    type: JsiiRef;
  }>;
  interfaces?: string[];
}
type JsiiRef = {
  fqn?: string;
  primitive?: string;
  collection?: { kind: string; elementtype: JsiiRef };
  union?: { types: JsiiRef[] };
};

function fromJsii(pkg: string, dir: string, wanted: Partial<Record<Kind, Set<string>>>): ProviderSchemas {
  const tarball = execFileSync("npm", ["pack", pkg, "--silent", "--pack-destination", dir], {
    encoding: "utf8",
  }).trim();
  const integrity = execFileSync("npm", ["view", pkg, "dist.integrity"], { encoding: "utf8" }).trim();
  const jsii = JSON.parse(
    execFileSync("tar", ["xzf", join(dir, tarball), "package/.jsii", "-O"], { encoding: "utf8", maxBuffer: 1 << 30 }),
  ) as { types: Record<string, JsiiType> };
  const readme = execFileSync("tar", ["xzf", join(dir, tarball), "package/README.md", "-O"], { encoding: "utf8" });
  const found = /bindings for ([\w-]+\/[\w-]+) provider version ([\d.]+)/.exec(readme);
  if (!found) throw new Error(`${pkg}: its README names no provider version`);
  const [, source = "", version = ""] = found;
  const types: Record<Kind, string[]> = { resource: [], data: [], ephemeral: [] };
  const schemas: ProviderSchemas["schemas"] = {};
  const struct = (ref: JsiiRef | undefined): JsiiType | undefined => {
    if (!ref) return undefined;
    if (ref.fqn && jsii.types[ref.fqn]?.datatype) return jsii.types[ref.fqn];
    if (ref.collection) return struct(ref.collection.elementtype);
    if (ref.union)
      for (const t of ref.union.types) {
        const s = struct(t);
        if (s) return s;
      }
    return undefined;
  };
  const schemaOf = (t: JsiiType): TypeSchema => {
    const out: TypeSchema = {};
    for (const p of t.properties ?? []) {
      // The registry link beside each property names its argument: in the remarks, in the summary when the
      // provider has no description, or in a custom tag when the description ends in one (e.g. port_range's
      // "@pattern" swallows the link).
      const docs = [p.docs?.summary, p.docs?.remarks, ...Object.values(p.docs?.custom ?? {})].join(" ");
      const snake = /#([a-z0-9_]+) [A-Za-z0-9]+#/.exec(docs)?.[1];
      if (!snake) continue;
      const nested = struct(p.type);
      out[snake] = {
        ...(p.optional ? {} : { required: true as const }),
        ...(nested ? { block: schemaOf(nested) } : {}),
      };
    }
    return out;
  };
  for (const t of Object.values(jsii.types)) {
    const m =
      /Represents a \{@link https:\/\/registry\.terraform\.io\/providers\/[^ ]+\/docs\/(resources|data-sources)\/[a-z0-9_]+ ([a-z0-9_]+)\}/.exec(
        t.docs?.summary ?? "",
      );
    if (t.kind !== "class" || !m) continue;
    const kind: Kind = m[1] === "resources" ? "resource" : "data";
    const name = m[2]!;
    types[kind].push(name);
    if (!wanted[kind]?.has(name)) continue;
    const config = jsii.types[`${t.fqn}Config`];
    if (config) (schemas[kind] ??= {})[name] = schemaOf(config);
  }
  for (const k of Object.keys(types) as Kind[]) types[k].sort();
  return { source, version, from: `npm ${pkg} (${integrity}), its jsii manifest`, types, schemas };
}

/** Go schema literals: `"name": { … Required: true …}` (SDKv2) or `"name": schema.XAttribute{ … }` (framework). */
function goSchema(source: string): TypeSchema {
  const out: TypeSchema = {};
  const entry = /"([a-z0-9_]+)":\s*(?:schema\.\w+Attribute)?\{([\s\S]*?)\n\t{2,4}\},/g;
  const body = source.slice(source.indexOf("Schema"));
  for (const m of body.matchAll(entry)) {
    const [, name, fields] = m;
    if (/Computed:\s*true/.test(fields!) && !/(Optional|Required):\s*true/.test(fields!)) continue; // read-only
    const values = /Can be one of \[([^\]]+)\]/
      .exec(fields!)?.[1]
      ?.split(",")
      .map((v) => v.trim());
    out[name!] = {
      ...(/Required:\s*true/.test(fields!) ? { required: true as const } : {}),
      ...(values ? { values } : {}),
    };
  }
  return out;
}

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

function upstash(repo: string, tag: string, wanted: Set<string>): ProviderSchemas {
  const commit = git(repo, "rev-list", "-n1", tag).trim();
  const provider = git(repo, "show", `${tag}:upstash/provider.go`);
  const map = (kind: string) =>
    Object.fromEntries(
      [
        ...(
          new RegExp(`${kind}:\\s*map\\[string\\]\\*schema\\.Resource\\{([\\s\\S]*?)\\n\\t\\t\\}`).exec(
            provider,
          )?.[1] ?? ""
        ).matchAll(/"(upstash_\w+)":\s*([\w.]+)\(\)/g),
      ].map((m) => [m[1]!, m[2]!]),
    );
  const resources = map("ResourcesMap");
  const data = map("DataSourcesMap");
  const schemas: ProviderSchemas["schemas"] = { resource: {} };
  for (const name of wanted) {
    const fn = resources[name];
    if (!fn) continue;
    const [pkgAlias, func] = fn.split(".");
    const importPath =
      new RegExp(`${pkgAlias}\\s+"[^"]*/(upstash/[\\w/]+)"`).exec(provider)?.[1] ??
      new RegExp(`"[^"]*/(upstash/[\\w/]*${pkgAlias})"`).exec(provider)?.[1];
    const files = git(repo, "ls-tree", "--name-only", `${tag}:${importPath}`)
      .split("\n")
      .filter((f) => f.endsWith(".go"));
    const file = files
      .map((f) => git(repo, "show", `${tag}:${importPath}/${f}`))
      .find((s) => s.includes(`func ${func}(`))!;
    schemas.resource![name] = goSchema(file.slice(file.indexOf(`func ${func}(`)));
  }
  return {
    source: "upstash/upstash",
    version: tag.replace(/^v/, ""),
    from: `github.com/upstash/terraform-provider-upstash ${tag} (${commit}), its Go schema`,
    types: { resource: Object.keys(resources).sort(), data: Object.keys(data).sort(), ephemeral: [] },
    schemas,
  };
}

/** random's ephemeral resources, from its Go source (CDKTF has no ephemeral resources). */
function randomEphemeral(
  repo: string,
  tag: string,
  wanted: Set<string>,
): Pick<ProviderSchemas, "types" | "schemas" | "from"> {
  const commit = git(repo, "rev-list", "-n1", tag).trim();
  const names = git(repo, "ls-tree", "--name-only", `${tag}:internal/provider`)
    .split("\n")
    .filter((f) => /^ephemeral_\w+\.go$/.test(f) && !f.endsWith("_test.go"));
  const types: string[] = [];
  const schemas: Record<string, TypeSchema> = {};
  for (const f of names) {
    const name = `random_${f.slice("ephemeral_".length, -3)}`;
    types.push(name);
    if (wanted.has(name)) schemas[name] = goSchema(git(repo, "show", `${tag}:internal/provider/${f}`));
  }
  return {
    types: { resource: [], data: [], ephemeral: types.sort() },
    schemas: { ephemeral: schemas },
    from: `github.com/hashicorp/terraform-provider-random ${tag} (${commit}), ephemeral resources' Go schema`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [upstashRepo, randomRepo] = process.argv.slice(2);
  if (!upstashRepo || !randomRepo)
    throw new Error(
      "usage: terraform-schemas <terraform-provider-upstash checkout> <terraform-provider-random checkout>",
    );
  const usage = terraformUsage("terraform");
  const wanted = (provider: string, kind: Kind) =>
    new Set([...usage].filter((u) => u.kind === kind && u.type.startsWith(`${provider}_`)).map((u) => u.type));
  const dir = mkdtempSync(join(tmpdir(), "tf-schemas-"));
  try {
    const providers: Record<string, ProviderSchemas> = {};
    for (const [name, pkg] of Object.entries(CDKTF)) {
      providers[name] = fromJsii(pkg, dir, { resource: wanted(name, "resource"), data: wanted(name, "data") });
    }
    const eph = randomEphemeral(randomRepo, `v${providers.random!.version}`, wanted("random", "ephemeral"));
    providers.random = {
      ...providers.random!,
      types: { ...providers.random!.types, ephemeral: eph.types.ephemeral },
      schemas: { ...providers.random!.schemas, ...eph.schemas },
      from: `${providers.random!.from}; ${eph.from}`,
    };
    providers.upstash = upstash(upstashRepo, "v2.0.1", wanted("upstash", "resource"));
    writeFileSync(SCHEMAS_FILE, `${JSON.stringify(providers, null, 1)}\n`);
    console.log(
      `wrote ${SCHEMAS_FILE}: ${Object.entries(providers)
        .map(([n, p]) => `${n} ${p.version}`)
        .join(", ")}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
