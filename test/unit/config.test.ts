import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../edge/channels/registry.js";
import { parseConfig as parseWith } from "../../edge/config.js";
import { REGION_SETTINGS } from "../support/fake-edge.js";

const parseConfig = (env: Record<string, string>) => parseWith(env, CHANNELS);

const regionSettings = REGION_SETTINGS;

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig(regionSettings);
    expect(config.model).toMatchObject({ name: "openai/gpt-oss-20b", inputTokenBudget: 2048, reasoningEffort: "low" });
    expect(config.rateLimit).toMatchObject({ messages: 5, window: "1 s" });
    expect(config.regions.eu?.sessionTtlSeconds).toBe(3600);
    expect(config.channels.has("telegram")).toBe(false);
  });

  it("still reads a renamed setting under its former name, the new name winning where both are given", () => {
    const secret = "former-web-chat-token-secret-0123456789";
    const formerly = parseConfig({
      ...regionSettings,
      CHAT_TOKEN_SECRET: secret,
      CHAT_ALLOWED_ORIGINS: "https://a.example",
    });
    expect(formerly.channels.get("webchat")).toEqual({ tokenSecret: secret, allowedOrigins: ["https://a.example"] });
    const both = parseConfig({
      ...regionSettings,
      CHAT_TOKEN_SECRET: secret,
      WEBCHAT_TOKEN_SECRET: "the-new-web-chat-token-secret-0123456789",
    });
    expect(both.channels.get("webchat")).toMatchObject({ tokenSecret: "the-new-web-chat-token-secret-0123456789" });
  });

  it("refuses to run without KEY_SECRET, or with a short one, naming it and not its value", () => {
    const { KEY_SECRET: _k, ...rest } = regionSettings;
    expect(() => parseConfig(rest)).toThrow("missing setting: KEY_SECRET");
    expect(() => parseConfig({ ...regionSettings, KEY_SECRET: "short-secret" })).toThrow(/KEY_SECRET/);
    expect(() => parseConfig({ ...regionSettings, KEY_SECRET: "short-secret" })).not.toThrow(/short-secret/);
  });

  it("gives every outbound call a deadline, and a reply more time than its model call", () => {
    expect(parseConfig(regionSettings).timeouts).toEqual({
      redisMs: 2000,
      kvMs: 2000,
      inboxMs: 10_000,
      platformMs: 10_000,
      ordersMs: 5000,
      replyMs: 150_000,
    });
    expect(() => parseConfig({ ...regionSettings, MODEL_TIMEOUT_MS: "60000", TIMEOUT_REPLY_MS: "30000" })).toThrow(
      /TIMEOUT_REPLY_MS: must be longer than MODEL_TIMEOUT_MS/,
    );
  });

  it("names every missing region setting, and never a value", () => {
    const { ORIGIN_URL_US: _a, UPSTASH_REDIS_REST_TOKEN_APAC: _b, ...rest } = regionSettings;
    expect(() => parseConfig(rest)).toThrow("missing settings: ORIGIN_URL_US, UPSTASH_REDIS_REST_TOKEN_APAC");
  });

  it("requires the whole Telegram group once any of it is given", () => {
    expect(() => parseConfig({ ...regionSettings, TELEGRAM_BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwxYZ" })).toThrow(
      "missing setting: TELEGRAM_WEBHOOK_SECRET",
    );
  });

  it("rejects malformed values with the setting's name", () => {
    expect(() => parseConfig({ ...regionSettings, RATE_LIMIT_WINDOW: "soon" })).toThrow(/RATE_LIMIT_WINDOW/);
    expect(() => parseConfig({ ...regionSettings, TELEGRAM_WEBHOOK_SECRET: "short" })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET/,
    );
    expect(() =>
      parseConfig({
        ...regionSettings,
        TELEGRAM_REGION: "mars",
        TELEGRAM_BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwxYZ",
        TELEGRAM_WEBHOOK_SECRET: "0123456789abcdef",
      }),
    ).toThrow(/TELEGRAM_REGION/);
  });

  it("reads a rate limit window written with or without a space", () => {
    expect(parseConfig({ ...regionSettings, RATE_LIMIT_WINDOW: "10s" }).rateLimit.window).toBe("10 s");
  });
});
