import { afterAll, beforeAll, expect, it } from "vitest";
import { startTelegramStandIn, type TelegramStandIn } from "../../infra/local/telegram-stand-in.js";
import { setTelegramWebhook } from "../../scripts/set-telegram-webhook.js";

const token = "7000000001:AAHsetWebhookTestToken_abcdefgh";
let telegram: TelegramStandIn;
beforeAll(async () => {
  telegram = await startTelegramStandIn({ token });
});
afterAll(() => telegram?.close());

it("sets the webhook with the secret token and the update kinds the edge handles: messages and reactions", async () => {
  const { url, info, username } = await setTelegramWebhook({
    edgeUrl: "https://edge.example.com/",
    token,
    secret: "s3cret-token-value",
    apiBase: telegram.url,
  });
  expect(url).toBe("https://edge.example.com/webhooks/telegram");
  const call = telegram.calls.find((c) => c.method === "setwebhook");
  expect(call?.params).toEqual({
    url,
    secret_token: "s3cret-token-value",
    allowed_updates: ["message", "message_reaction"],
    max_connections: 40,
  });
  expect(info.url).toBe(url);
  expect(username).toBe("local_assistant_bot");
});

it("reports the Bot API's refusal", async () => {
  await expect(
    setTelegramWebhook({ edgeUrl: "https://edge.example.com", token: "1:wrong", secret: "x", apiBase: telegram.url }),
  ).rejects.toThrow(/setWebhook failed: Unauthorized/);
});
