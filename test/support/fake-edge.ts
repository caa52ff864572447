import contentFilterFile from "../../infra/content-filter.json" with { type: "json" };
import { CHANNELS, channelNamed } from "../../edge/channels/registry.js";
import { COMMAND_NAMES } from "../../edge/commands/index.js";
import { parseConfig } from "../../edge/config.js";
import { createPseudonyms } from "../../edge/crypto.js";
import { compileContentFilter } from "../../edge/core/content-filter.js";
import type { Edge } from "../../edge/edge.js";
import type { FaqEntry } from "../../edge/core/faq-match.js";

/**
 * The least a deployment needs: every region's four settings and the key of the keyed hashes
 * (well-formed values; nothing answers at these addresses).
 */
export const REGION_SETTINGS: Record<string, string> = {
  ...Object.fromEntries(
    ["EU", "US", "APAC"].flatMap((R) => [
      [`ORIGIN_URL_${R}`, `https://origin-${R.toLowerCase()}.example`],
      [`ORIGIN_API_KEY_${R}`, "origin-key"],
      [`UPSTASH_REDIS_REST_URL_${R}`, `https://db-${R.toLowerCase()}.example`],
      [`UPSTASH_REDIS_REST_TOKEN_${R}`, "db-token"],
    ]),
  ),
  KEY_SECRET: "fake-key-secret-0123456789abcdef0123456789",
};

/** Settings of a deployment with every channel on (the values only have to be well-formed). */
export const FAKE_SETTINGS = {
  ...REGION_SETTINGS,
  TELEGRAM_BOT_TOKEN: "7000000001:AAHfakeTokenForTheAppTests_abcdefg",
  TELEGRAM_WEBHOOK_SECRET: "fake-webhook-secret-0123",
  WHATSAPP_ACCESS_TOKEN: "EAAG-fake-access-token-0123456789",
  WHATSAPP_APP_SECRET: "fake-app-secret-0123456789",
  WHATSAPP_VERIFY_TOKEN: "fake-verify-token",
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  HTTP_API_KEYS: "crm:fake-api-key-0123456789",
  WEBCHAT_TOKEN_SECRET: "fake-chat-token-secret-0123456789abcdef",
  ADMIN_TOKEN: "fake-admin-token-0123456789",
};

const unexpected = (what: string) => () => {
  throw new Error(`the test did not expect ${what} to be called`);
};

/**
 * An Edge for app.request() tests: real settings and channels, and every I/O part a function that
 * fails loudly unless the test gives its own. Pass settings to change or drop (undefined) some.
 */
export function fakeEdge(parts: Partial<Edge> = {}, settings: Record<string, string | undefined> = {}): Edge {
  const env = Object.fromEntries(Object.entries({ ...FAKE_SETTINGS, ...settings }).filter(([, v]) => v !== undefined));
  const faq = new Map<string, FaqEntry[]>();
  const config = parseConfig(env, CHANNELS);
  return {
    config,
    keys: createPseudonyms(config.keySecret.current),
    channels: CHANNELS,
    channel: channelNamed,
    commands: COMMAND_NAMES,
    enqueue: unexpected("enqueue"),
    pin: async (message) => message,
    respond: unexpected("respond"),
    region: unexpected("region"),
    sender: () => undefined,
    inbox: unexpected("inbox"),
    reminders: undefined,
    faq: {
      load: async (region) => faq.get(region) ?? [],
      replace: async (region, entries) => void faq.set(region, entries),
    },
    pins: { get: async () => undefined, set: async () => {}, delete: async () => false },
    metrics: { record: async () => {} },
    rollouts: { get: async () => null, put: unexpected("rollouts.put") },
    rolloutDesk: undefined,
    versionFigures: async () => undefined,
    contentFilter: compileContentFilter(contentFilterFile),
    ...parts,
  };
}
