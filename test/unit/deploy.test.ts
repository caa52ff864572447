import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import { parseArgs, readSecretsFile, standInOutputs } from "../../scripts/deploy.js";

describe("npm run deploy", () => {
  it("takes an environment and its flags, and refuses anything else", () => {
    expect(parseArgs(["production", "--dry-run"])).toEqual({ env: "production", dryRun: true, yes: false });
    expect(parseArgs(["--secrets", "prod.secrets.env", "staging", "--yes"])).toEqual({
      env: "staging",
      dryRun: false,
      yes: true,
      secretsFile: "prod.secrets.env",
    });
    expect(() => parseArgs(["prod"])).toThrow(/usage: npm run deploy -- <staging\|production>/);
    expect(() => parseArgs([])).toThrow(/usage/);
  });

  it("reads the operator's secrets as dotenv or JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "secrets-"));
    writeFileSync(
      join(dir, "a.env"),
      '# channels\nTELEGRAM_BOT_TOKEN=123:abc\nADMIN_TOKEN="quoted value"\n\nnot a line\n',
    );
    writeFileSync(join(dir, "b.json"), '{"ADMIN_TOKEN":"x"}');
    expect(readSecretsFile(join(dir, "a.env"))).toEqual({ TELEGRAM_BOT_TOKEN: "123:abc", ADMIN_TOKEN: "quoted value" });
    expect(readSecretsFile(join(dir, "b.json"))).toEqual({ ADMIN_TOKEN: "x" });
  });

  it("stands in for exactly the outputs Terraform declares, and they and ADMIN_TOKEN are every required secret", async () => {
    const hcl = (await parse("outputs.tf", readFileSync("terraform/shared/outputs.tf", "utf8"))) as {
      output: Record<string, unknown>;
    };
    const outputs = standInOutputs("production");
    for (const name of Object.keys(outputs)) expect(Object.keys(hcl.output), name).toContain(name);
    const secrets = [
      ...Object.keys(outputs.worker_secrets.value),
      ...Object.keys(outputs.worker_secret_refs.value),
      "ADMIN_TOKEN",
    ].sort();
    expect(secrets).toEqual([...(wranglerConfig("production").secrets?.required ?? [])].sort());
  });

  it("runs end to end as a dry run from a checkout, changing nothing and printing no secret", () => {
    const before = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" });
    const result = spawnSync("npx", ["tsx", "scripts/deploy.ts", "production", "--dry-run"], { encoding: "utf8" });
    const out = `${result.stdout}${result.stderr}`;
    expect(result.status, out).toBe(0);
    for (const step of [
      "==> Check the generated files and the region file",
      "terraform -chdir=terraform/environments/production init -input=false -backend-config=bucket=",
      "terraform -chdir=terraform/environments/production plan",
      "terraform -chdir=terraform/environments/production apply",
      "2 KV id(s) filled; every binding the code uses is declared",
      "KEY_SECRET                       from Secret Manager",
      "wrangler deploy --env production -c wrangler.deploy.production.jsonc --secrets-file <secrets>",
      "env.FAQ (dry-run-production-faq)",
      "would write infra/observability/targets/production.json: 5 origin(s)",
      "Dry run of the production deploy complete: nothing was changed",
    ])
      expect(out).toContain(step);
    expect(out).not.toContain("dry-run-token");
    expect(execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" })).toBe(before);
  }, 180_000);
});
