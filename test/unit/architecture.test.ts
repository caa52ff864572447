import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering docs/ARCHITECTURE.md describes, checked on the source: which part of edge/ may import
 * which, and no import cycles (type-only imports count: they tangle reading as much).
 */
const ROOT = resolve("edge");
const files = (function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
})(ROOT);

/** Each file's imports: edge/ files (relative to edge/) and packages. */
const imports = new Map(
  files.map((file) => {
    const source = readFileSync(file, "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^"']+)["']/gm)].map(
      (m) => m[1]!,
    );
    const local = specifiers
      .filter((s) => s.startsWith("."))
      .map((s) => relative(ROOT, resolve(dirname(file), s.replace(/\.js$/, ".ts"))))
      .filter((p) => p.endsWith(".ts"));
    return [relative(ROOT, file), { local, packages: specifiers.filter((s) => !s.startsWith(".")) }] as const;
  }),
);

const under = (prefix: string) => [...imports].filter(([file]) => file.startsWith(prefix));

describe("edge/ layering", () => {
  it("has no import cycles", () => {
    // Tarjan's strongly connected components.
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      indices.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of imports.get(v)?.local ?? []) {
        if (!imports.has(w)) continue;
        if (!indices.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const file of imports.keys()) if (!indices.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("keeps channels off the pipeline and the commands: they get a ChannelHost from the composition root", () => {
    const offLimits = /^(pipeline|objects|routes|commands)\/|^(app|create-edge|index)\.ts$/;
    const crossings = under("channels/").flatMap(([file, { local }]) =>
      local.filter((p) => offLimits.test(p)).map((p) => `${file} → ${p}`),
    );
    expect(crossings).toEqual([]);
  });

  // tinyld (core/language.ts) and minisearch (core/faq-match.ts): pure functions of their input, like zod's parsing.
  it("keeps core/ pure: it imports only core/, the tuning constants (limits.ts), zod, tinyld and minisearch", () => {
    const crossings = under("core/").flatMap(([file, { local, packages }]) => [
      ...local.filter((p) => !p.startsWith("core/") && p !== "limits.ts").map((p) => `${file} → ${p}`),
      ...packages.filter((p) => !["zod", "tinyld", "minisearch"].includes(p)).map((p) => `${file} → ${p}`),
    ]);
    expect(crossings).toEqual([]);
  });

  it("keeps the tuning constants free of everything else: they are data", () => {
    expect(imports.get("limits.ts")).toEqual({ local: [], packages: [] });
  });

  it("keeps the text catalog free of everything else: it is data", () => {
    const crossings = under("texts/").flatMap(([file, { local, packages }]) => [
      ...local.filter((p) => !p.startsWith("texts/")).map((p) => `${file} → ${p}`),
      ...packages.map((p) => `${file} → ${p}`),
    ]);
    expect(crossings).toEqual([]);
  });

  it("lets commands take the Edge, never build one, and never reach the objects or routes", () => {
    const crossings = under("commands/").flatMap(([file, { local }]) =>
      local
        .filter((p) => /^(objects|routes|channels)\/|^(app|create-edge|index)\.ts$/.test(p))
        .map((p) => `${file} → ${p}`),
    );
    expect(crossings).toEqual([]);
  });

  it("lets the pipeline take the Edge, never build one", () => {
    const crossings = under("pipeline/").flatMap(([file, { local }]) =>
      local
        .filter((p) => /^(objects|routes)\/|^(app|create-edge|index)\.ts$|^channels\/registry/.test(p))
        .map((p) => `${file} → ${p}`),
    );
    expect(crossings).toEqual([]);
  });

  it("uses the Workers runtime module only in the Durable Object classes", () => {
    const users = [...imports].filter(([, { packages }]) => packages.includes("cloudflare:workers")).map(([f]) => f);
    expect(users.every((f) => f.startsWith("objects/"))).toBe(true);
    expect(users.length).toBeGreaterThan(0);
  });
});
