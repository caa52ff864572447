import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApp } from "../../edge/app.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { fakeEdge } from "../support/fake-edge.js";

/**
 * docs/ARCHITECTURE.md is the contract: what it says of routes, commands and files is checked
 * against the code, so the document cannot drift from it.
 */
const doc = readFileSync("docs/ARCHITECTURE.md", "utf8");

/** The rows of the markdown table under `heading` (cells trimmed, header and rule left out). */
function table(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/ARCHITECTURE.md has no "${heading}"`);
  const lines = doc.slice(start + heading.length + 2).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe("docs/ARCHITECTURE.md", () => {
  it("lists exactly the routes the app mounts", () => {
    const documented = table("### Routes").map(([method, path]) => `${method} ${path}`);
    // Every channel configured, so every route is mounted; middleware is mounted for ALL methods.
    const mounted = createApp(fakeEdge())
      .routes.filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(documented)].sort()).toEqual([...new Set(mounted)].sort());
  });

  it("lists exactly the commands of the registry", () => {
    const documented = table("## Commands").map(([command]) => /^`\/(\w+)/.exec(command!)![1]);
    expect(documented.sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it("names only files that exist in the journey of a message", () => {
    const cells = table("## The journey of one message, file by file").flatMap(([, file, , tests]) => [file, tests]);
    const paths = cells.flatMap((cell) => [...cell!.matchAll(/`([\w./-]+\.ts)`/g)].map((m) => m[1]!));
    expect(paths.length).toBeGreaterThan(30);
    const missing = paths.filter((p) => !existsSync(`edge/${p}`) && !existsSync(`test/${p}`));
    expect(missing).toEqual([]);
  });
});
