/**
 * Points a Telegram bot at a deployed edge:
 *
 *   TELEGRAM_BOT_TOKEN=… TELEGRAM_WEBHOOK_SECRET=… npm run telegram:webhook -- https://edge.example.com
 *
 * Calls setWebhook with the edge's /webhooks/telegram URL, the secret token Telegram will send in
 * X-Telegram-Bot-Api-Secret-Token, and the update kinds the edge handles (messages, and reactions, which
 * Telegram sends for a group only where the bot is an administrator); then prints getWebhookInfo and
 * the bot's username (the TELEGRAM_BOT_USERNAME setting, by which group messages mention it).
 * TELEGRAM_API_BASE, when set, names another Bot API server (a local one, or the stand-in).
 */
import { TELEGRAM_ALLOWED_UPDATES } from "../edge/channels/telegram/constants.js";

export async function setTelegramWebhook(options: {
  edgeUrl: string;
  token: string;
  secret: string;
  apiBase?: string;
}): Promise<{ url: string; info: Record<string, unknown>; username: string | undefined }> {
  const edge = new URL(options.edgeUrl);
  const url = new URL("/webhooks/telegram", edge).toString();
  const base = (options.apiBase ?? "https://api.telegram.org").replace(/\/+$/, "");
  const call = async (method: string, params: Record<string, unknown>) => {
    const res = await fetch(`${base}/bot${options.token}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    const body = (await res.json()) as { ok: boolean; result?: unknown; description?: string };
    if (!body.ok) throw new Error(`${method} failed: ${body.description ?? res.status}`);
    return body.result;
  };
  await call("setWebhook", {
    url,
    secret_token: options.secret,
    allowed_updates: TELEGRAM_ALLOWED_UPDATES,
    max_connections: 40,
  });
  const info = (await call("getWebhookInfo", {})) as Record<string, unknown>;
  const me = (await call("getMe", {})) as { username?: string };
  return { url, info, username: me.username };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const edgeUrl = process.argv[2];
  const token = process.env.TELEGRAM_BOT_TOKEN;
  const secret = process.env.TELEGRAM_WEBHOOK_SECRET;
  if (!edgeUrl || !token || !secret) {
    console.error(
      "usage: TELEGRAM_BOT_TOKEN=… TELEGRAM_WEBHOOK_SECRET=… npm run telegram:webhook -- https://your-edge.example.com",
    );
    process.exit(2);
  }
  setTelegramWebhook({
    edgeUrl,
    token,
    secret,
    ...(process.env.TELEGRAM_API_BASE ? { apiBase: process.env.TELEGRAM_API_BASE } : {}),
  })
    .then(({ url, info, username }) => {
      console.log(`webhook set to ${url}`);
      if (username) console.log(`the bot is @${username}: set TELEGRAM_BOT_USERNAME=${username} on the edge`);
      console.log(
        `Telegram reports: url=${String(info.url)} pending_update_count=${String(info.pending_update_count)}`,
      );
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
