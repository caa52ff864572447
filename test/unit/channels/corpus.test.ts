import { readFileSync } from "node:fs";
import { COMMAND_NAMES } from "../../../edge/commands/index.js";
import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../../edge/channels/registry.js";
import { telegram } from "../../../edge/channels/telegram/index.js";
import { telegramWebhook } from "../../../edge/channels/telegram/inbound.js";
import { channelSettings } from "../../../edge/channels/types.js";
import type { Received } from "../../../edge/channels/webhook.js";
import { whatsapp } from "../../../edge/channels/whatsapp/index.js";
import { whatsappWebhook } from "../../../edge/channels/whatsapp/inbound.js";
import { parseConfig } from "../../../edge/config.js";
import { FAKE_SETTINGS } from "../../support/fake-edge.js";

/**
 * Every payload of the corpus (test/fixtures/corpus: real webhooks from public repositories' test
 * data, each with its source in manifest.json) read by its channel: a real payload is never refused,
 * and each is answered, answered with "text only", or ignored as the manifest expects. The integration
 * suite (corpus.test.ts) replays the same files through the running edge.
 */
interface Entry {
  file: string;
  source: { repository: string; path: string; commit: string };
  expect: "answered" | "text_only" | "ignored";
}
const manifest = JSON.parse(readFileSync("test/fixtures/corpus/manifest.json", "utf8")) as { files: Entry[] };
const config = parseConfig({ ...FAKE_SETTINGS, TELEGRAM_BOT_USERNAME: "local_assistant_bot" }, CHANNELS);

/** What the edge does with a delivery: group chatter is dropped at the webhook (no group asked for "all" here). */
function outcome({ messages }: Received): Entry["expect"] {
  const kinds = messages.filter((m) => !m.chatter).map((m) => m.content.kind);
  if (kinds.some((k) => k === "text" || k === "command")) return "answered";
  if (kinds.includes("unsupported")) return "text_only";
  return "ignored";
}

/** The business number a WhatsApp payload was sent to: the edge is that number for this reading. */
function phoneNumberIdOf(payload: {
  entry?: Array<{ changes?: Array<{ value?: { metadata?: { phone_number_id?: string } } }> }>;
}) {
  return payload.entry?.[0]?.changes?.[0]?.value?.metadata?.phone_number_id ?? "0";
}

describe("the corpus of real payloads", () => {
  it("has at least 60 Telegram and 40 WhatsApp payloads, each with its source", () => {
    const count = (prefix: string) => manifest.files.filter((e) => e.file.startsWith(prefix)).length;
    expect(count("telegram/")).toBeGreaterThanOrEqual(60);
    expect(count("whatsapp/")).toBeGreaterThanOrEqual(40);
    for (const e of manifest.files) expect(e.source.commit, e.file).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(manifest.files.map((e) => [e.file, e] as const))("%s", async (_file, entry) => {
    const payload = JSON.parse(readFileSync(`test/fixtures/corpus/${entry.file}`, "utf8")) as Record<string, never>;
    const context = { config, commands: COMMAND_NAMES };
    const delivered = entry.file.startsWith("telegram/")
      ? await telegramWebhook.parse(payload, channelSettings(config, telegram)!, context)
      : await whatsappWebhook.parse(
          payload,
          { ...channelSettings(config, whatsapp)!, phoneNumberId: phoneNumberIdOf(payload) },
          context,
        );
    expect(outcome(delivered)).toBe(entry.expect);
    // Nothing is dropped unseen: what is not answered is counted by kind.
    if (entry.expect === "ignored") expect(delivered.ignored.length + delivered.messages.length).toBeGreaterThan(0);
  });
});
