import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../scripts/deploy-check.js";
import { fillIds } from "../../scripts/deploy-ids.js";
import { WRANGLER_CONFIG, wranglerConfig } from "../../infra/local/worker-bindings.js";

const text = readFileSync(WRANGLER_CONFIG, "utf8");
const tfOutput = {
  edge: {
    value: {
      staging: { kv_faq_id: "a1".repeat(16), kv_region_pins_id: "b2".repeat(16), kv_rollouts_id: "e5".repeat(16) },
      production: { kv_faq_id: "c3".repeat(16), kv_region_pins_id: "d4".repeat(16), kv_rollouts_id: "f6".repeat(16) },
    },
  },
};

/** wrangler's own reading of a config text, for `env`. */
function resolve(config: string, env?: string) {
  const dir = mkdtempSync(join(tmpdir(), "wrangler-config-"));
  writeFileSync(join(dir, "wrangler.jsonc"), config);
  return wranglerConfig(env, join(dir, "wrangler.jsonc"));
}

describe("deploy configuration", () => {
  it("declares every binding for the local stack", () => {
    expect(checkConfig(wranglerConfig())).toEqual([]);
  });

  it("is ready for staging and production once Terraform's KV ids are filled in, and says what is missing before", () => {
    for (const env of ["staging", "production"]) {
      expect(checkConfig(wranglerConfig(env), env)).toEqual([
        `env "${env}": KV FAQ has no id yet (run npm run deploy:ids with terraform output)`,
        `env "${env}": KV REGION_PINS has no id yet (run npm run deploy:ids with terraform output)`,
        `env "${env}": KV ROLLOUTS has no id yet (run npm run deploy:ids with terraform output)`,
      ]);
    }
    const { config: filled, filled: count, missing } = fillIds(text, tfOutput);
    expect([count, missing]).toEqual([6, []]);
    expect(checkConfig(resolve(filled, "staging"), "staging")).toEqual([]);
    expect(checkConfig(resolve(filled, "production"), "production")).toEqual([]);
    expect(resolve(filled, "production").kv_namespaces.find((k) => k.binding === "FAQ")?.id).toBe("c3".repeat(16));
    expect(resolve(filled, "staging").kv_namespaces.find((k) => k.binding === "ROLLOUTS")?.id).toBe("e5".repeat(16));
  });

  it("flags a missing binding, a missing cron, a queue without its dead-letter consumer, and a missing region secret", () => {
    const production = resolve(fillIds(text, tfOutput).config, "production");
    const broken = {
      ...production,
      durable_objects: { bindings: production.durable_objects.bindings.filter((b) => b.name === "INBOX") },
      queues: {
        ...production.queues,
        consumers: production.queues.consumers?.filter((c) => !c.queue.endsWith("-dlq")),
      },
      kv_namespaces: production.kv_namespaces.filter((k) => k.binding !== "ROLLOUTS"),
      secrets: { required: ["ADMIN_TOKEN"] },
      triggers: { crons: [] },
    };
    const problems = checkConfig(broken, "production").join("\n");
    expect(problems).toContain("no Durable Object WEBCHAT bound to WebChatRoom");
    expect(problems).toContain("no Durable Object REMINDERS bound to UserReminders");
    expect(problems).toContain("nothing consumes gateway-messages-production-dlq");
    expect(problems).toContain("secret ORIGIN_URL_EU is not in secrets.required");
    expect(problems).toContain("no KV namespace bound as ROLLOUTS");
    expect(problems).toContain("no cron trigger (triggers.crons)");
  });

  it("lets the environments inherit what wrangler lets them, and nothing a deploy would then lack", () => {
    const top = wranglerConfig();
    for (const env of ["staging", "production"]) {
      const resolved = wranglerConfig(env);
      expect(resolved.name).toBe(`${top.name}-${env}`);
      expect([resolved.main, resolved.compatibility_date, resolved.keep_names]).toEqual([
        top.main,
        top.compatibility_date,
        false,
      ]);
      expect(resolved.migrations).toEqual(top.migrations);
      expect(resolved.workers_dev).toBe(false);
    }
    // The local stack lists no required secrets: wrangler dev would then drop every other setting of its env file.
    expect(top.secrets).toBeUndefined();
  });
});
