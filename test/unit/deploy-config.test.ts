import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../scripts/deploy-check.js";
import { fillIds } from "../../scripts/deploy-ids.js";
import { localConfig } from "../../infra/local/worker-bindings.js";

const toml = readFileSync("wrangler.toml", "utf8");
const tfOutput = {
  edge: {
    value: {
      staging: { kv_faq_id: "a1".repeat(16), kv_region_pins_id: "b2".repeat(16) },
      production: { kv_faq_id: "c3".repeat(16), kv_region_pins_id: "d4".repeat(16) },
    },
  },
};

describe("deploy configuration", () => {
  it("declares every binding and required secret for the local stack", () => {
    expect(checkConfig(toml)).toEqual([]);
  });

  it("is ready for staging and production once Terraform's KV ids are filled in, and says what is missing before", () => {
    for (const env of ["staging", "production"]) {
      expect(checkConfig(toml, env)).toEqual([
        `[env.${env}]: KV FAQ has no id yet (run npm run deploy:ids with terraform output)`,
        `[env.${env}]: KV REGION_PINS has no id yet (run npm run deploy:ids with terraform output)`,
      ]);
    }
    const { toml: filled, filled: count, missing } = fillIds(toml, tfOutput);
    expect([count, missing]).toEqual([4, []]);
    expect(checkConfig(filled, "staging")).toEqual([]);
    expect(checkConfig(filled, "production")).toEqual([]);
    expect(filled).toContain(`id = "${"c3".repeat(16)}"`);
  });

  it("flags a missing binding, a queue without its dead-letter consumer, and a missing region secret", () => {
    const broken = fillIds(toml, tfOutput)
      .toml.replace(/\[\[env\.production\.durable_objects\.bindings\]\]\nname = "CHAT"\nclass_name = "ChatConversation"\n/, "")
      .replace(/\[\[env\.production\.durable_objects\.bindings\]\]\nname = "REMINDERS"\nclass_name = "UserReminders"\n/, "")
      .replace(/\[\[env\.production\.queues\.consumers\]\]\nqueue = "gateway-messages-production-dlq"[^[]*/, "")
      .replace(/("ADMIN_TOKEN",\n\]\n\n\[env\.staging\])/, "$1")
      .replace(/\[env\.production\.secrets\]\nrequired = \[\n(.*\n)*?\]/, '[env.production.secrets]\nrequired = ["ADMIN_TOKEN"]');
    const problems = checkConfig(broken, "production").join("\n");
    expect(problems).toContain("no Durable Object CHAT bound to ChatConversation");
    expect(problems).toContain("no Durable Object REMINDERS bound to UserReminders");
    expect(problems).toContain("nothing consumes gateway-messages-production-dlq");
    expect(problems).toContain("secret ORIGIN_URL_EU is not in [secrets] required");
  });

  it("runs the local stack on the same config minus the required-secrets lists, which would hide its channel secrets", () => {
    const local = localConfig(toml);
    expect(toml).toMatch(/^\[secrets\]$/m);
    expect(local).not.toMatch(/secrets\]/);
    expect(local).not.toContain("ORIGIN_API_KEY_EU");
    // Every other section is kept, in order.
    const sections = (text: string) => text.split("\n").filter((line) => line.startsWith("["));
    expect(sections(local)).toEqual(sections(toml).filter((h) => !h.endsWith("secrets]")));
    expect(local).toContain('class_name = "UserReminders"');
    expect(local).toContain("[[env.production.queues.consumers]]");
  });
});
