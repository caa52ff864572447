import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { parseRegionFile } from "../../edge/core/region-policy.js";
import { wranglerConfig } from "../../infra/local/worker-bindings.js";
import regionJson from "../../infra/regions.json" with { type: "json" };
import { originUrlSettings } from "../../scripts/deploy-check.js";
import { parseArgs, readSecretsFile, serverScrapeConfig, standInOutputs } from "../../scripts/deploy.js";

const regions = parseRegionFile(regionJson);

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

  it("stands in for exactly the outputs Terraform declares, and they and ADMIN_TOKEN are every required secret and every version's pool", async () => {
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
    // The required ones, and each version's pool's URL (ORIGIN_URL_<R>_<V>: not required, as versions
    // come and go with rollouts; the deploy checks that Terraform gave every one).
    const versionUrls = originUrlSettings().filter((n) => n.split("_").length === 4);
    expect(versionUrls).toEqual(expect.arrayContaining(["ORIGIN_URL_EU_V1", "ORIGIN_URL_US_V1", "ORIGIN_URL_APAC_V1"]));
    expect(secrets).toEqual([...(wranglerConfig("production").secrets?.required ?? []), ...versionUrls].sort());
    // ORIGIN_URL_<R> is the pool of the version regions.json names stable, as origin_urls says.
    for (const [id, r] of Object.entries(regions.regions)) {
      const R = id.toUpperCase();
      expect(outputs.worker_secrets.value[`ORIGIN_URL_${R}`]).toBe(outputs.origin_urls.value[id]![r.models.stable]);
      for (const v of Object.keys(r.models.versions))
        expect(outputs.worker_secrets.value[`ORIGIN_URL_${R}_${v.toUpperCase()}`]).toBe(
          outputs.origin_urls.value[id]![v],
        );
    }
    expect(Object.keys(outputs.edge.value.production!).sort()).toEqual([
      "kv_faq_id",
      "kv_region_pins_id",
      "kv_rollouts_id",
    ]);
  });

  it("stands in for the pools as Terraform describes them: one per version, the servers' labels and metrics port", async () => {
    const hcl = (await parse("network.tf", readFileSync("terraform/modules/gpu-region/network.tf", "utf8"))) as {
      locals: Array<Record<string, unknown>>;
    };
    const main = (await parse("main.tf", readFileSync("terraform/modules/gpu-origin/main.tf", "utf8"))) as {
      locals: Array<Record<string, unknown>>;
    };
    // The module's labels, with each pool's values.
    expect(main.locals[0]!.labels).toEqual({
      environment: "${var.environment}",
      region: "${var.region_id}",
      version: "${var.model_version}",
      component: "gpu-origin",
    });
    const pools = standInOutputs("staging").origin_pools.value;
    expect(Object.keys(pools).sort()).toEqual(
      Object.entries(regions.regions)
        .flatMap(([id, r]) => Object.keys(r.models.versions).map((v) => `${id}-${v}`))
        .sort(),
    );
    for (const [key, pool] of Object.entries(pools)) {
      const { region: id, version } = pool;
      expect(key).toBe(`${id}-${version}`);
      expect(pool.metrics_port).toBe(hcl.locals[0]!.metrics_port);
      expect(pool.labels).toEqual({ environment: "staging", region: id, version, component: "gpu-origin" });
      expect(pool.zones).toEqual(regions.regions[id]!.origins.zones);
      expect(pool.instance_group).toBe(`staging-gpu-${id}-${version}`);
    }
  });

  it("has Prometheus discover each pool's servers in every zone, by the pool's labels, at their monitoring port", () => {
    const pools = standInOutputs("production").origin_pools.value;
    const { scrape_configs: jobs } = serverScrapeConfig("production", pools);
    expect(jobs.map((j) => [j.job_name, j.metrics_path])).toEqual([
      ["vllm-origins-production", "/metrics"],
      ["gpu-agents-production", "/agent-metrics"],
    ]);
    for (const job of jobs) {
      expect(job.scheme).toBe("https");
      // One discovery per zone of each pool: Prometheus's GCE discovery lists one zone at a time.
      expect(job.gce_sd_configs.map((d) => d.zone).sort()).toEqual(
        Object.values(regions.regions)
          .flatMap((r) => Object.keys(r.models.versions).flatMap(() => r.origins.zones))
          .sort(),
      );
      const eu = job.gce_sd_configs.find((d) => d.zone === "europe-west4-a")!;
      expect(eu).toEqual({
        project: "dry-run-project",
        zone: "europe-west4-a",
        port: 9443,
        filter:
          '(labels.environment = "production") AND (labels.region = "eu") AND (labels.version = "v1") AND (labels.component = "gpu-origin") AND (status = "RUNNING")',
      });
      // Alerts and dashboards read job="vllm-origins" (or "gpu-agents") and the region, version,
      // environment and server of each series, whatever the environment.
      expect(job.relabel_configs[0]).toEqual({
        target_label: "job",
        replacement: job.job_name.replace(/-production$/, ""),
      });
      expect(job.relabel_configs.map((r) => r.target_label)).toEqual([
        "job",
        "environment",
        "region",
        "version",
        "origin",
        "zone",
      ]);
    }
    // Each environment's file names its own jobs: Prometheus loads both files side by side.
    const staging = serverScrapeConfig("staging", standInOutputs("staging").origin_pools.value);
    expect(staging.scrape_configs.map((j) => j.job_name)).toEqual(["vllm-origins-staging", "gpu-agents-staging"]);
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
      "3 KV id(s) filled; every binding the code uses is declared",
      "ORIGIN_URL_EU                    from terraform output",
      "ORIGIN_URL_EU_V1                 from terraform output",
      "KEY_SECRET                       from Secret Manager",
      "wrangler deploy --env production -c wrangler.deploy.production.jsonc --secrets-file <secrets>",
      "env.FAQ (dry-run-production-faq)",
      "would write infra/observability/targets/production.json: 3 pool(s) in 7 zone(s)",
      "Dry run of the production deploy complete: nothing was changed",
    ])
      expect(out).toContain(step);
    expect(out).not.toContain("dry-run-token");
    expect(execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" })).toBe(before);
  }, 180_000);
});
