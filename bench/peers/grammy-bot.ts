/**
 * The bot a team would write with grammY instead of this gateway, as grammY's docs show it: a `Bot`
 * behind `webhookCallback(bot, "http")` on Node's own server, the conversation in a `session` kept
 * in Redis (@grammyjs/storage-redis over ioredis), the model asked with the OpenAI SDK and the answer
 * sent with `ctx.reply`. Multi-turn like the gateway: the last 20 messages go with every question.
 *
 * What it does not do, against the gateway: no deduplication (Telegram's redelivery of an update the
 * bot was slow to acknowledge is answered again), no rate limit, no summaries, no regions, no fallback
 * when the model is down, and the webhook is answered only after the reply was sent (grammY's default:
 * Telegram waits, and redelivers after its own timeout).
 *
 * Run by `npm run bench -- peers` with its settings in the environment; prints {"port":N} when ready.
 */
import http from "node:http";
import { RedisAdapter } from "@grammyjs/storage-redis";
import { Bot, type Context, session, type SessionFlavor, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { peerSettings } from "../peer-settings.js";

type Turn = { role: "user" | "assistant"; content: string };
type BotContext = Context & SessionFlavor<{ history: Turn[] }>;

const settings = peerSettings();
const bot = new Bot<BotContext>(settings.botToken, {
  client: { apiRoot: settings.telegramApi },
  // Known ahead, as grammY recommends for webhooks (no getMe on start).
  botInfo: settings.botInfo as UserFromGetMe,
});
const model = new OpenAI({ baseURL: `${settings.originUrl}/v1`, apiKey: settings.originKey });
const redis = new Redis(settings.redisUrl);

bot.use(
  session({ initial: () => ({ history: [] }), storage: new RedisAdapter<{ history: Turn[] }>({ instance: redis }) }),
);
bot.on("message:text", async (ctx) => {
  const history = ctx.session.history;
  history.push({ role: "user", content: ctx.message.text });
  const completion = await model.chat.completions.create({
    model: settings.model,
    messages: [{ role: "system", content: settings.instructions }, ...history],
  });
  const answer = completion.choices[0]?.message.content ?? "";
  history.push({ role: "assistant", content: answer });
  ctx.session.history = history.slice(-20);
  await ctx.reply(answer);
});
bot.catch((err) => console.error("grammY bot:", err.message));

const server = http.createServer(webhookCallback(bot, "http", { secretToken: settings.webhookSecret }));
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 }));
});
