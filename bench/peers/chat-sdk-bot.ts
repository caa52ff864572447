/**
 * The bot a team would write with Vercel's Chat SDK instead of this gateway, as its docs show it: a
 * `Chat` with the Telegram adapter and the Redis state adapter, `concurrency: "queue"` (messages that
 * arrive while the chat is being answered are handed to the next run as `context.skipped`), the
 * conversation in the thread's state, the model asked with the OpenAI SDK, the answer posted with
 * `thread.post`, and `bot.webhooks.telegram` mounted in a Hono app on Node (@hono/node-server) with
 * the handler's work left running after the webhook is answered (`waitUntil`).
 *
 * What it does not do, against the gateway: work acknowledged to Telegram lives only in this
 * process's memory until it is answered (a crash or deploy loses it: nothing redelivers it), no rate
 * limit, no summaries, no regions, no fallback when the model is down.
 *
 * Run by `npm run bench -- peers` with its settings in the environment; prints {"port":N} when ready.
 */
import { serve } from "@hono/node-server";
import { createRedisState } from "@chat-adapter/state-redis";
import { createTelegramAdapter } from "@chat-adapter/telegram";
import { Chat, type Message, type Thread } from "chat";
import { Hono } from "hono";
import OpenAI from "openai";
import { peerSettings } from "../peer-settings.js";

type Turn = { role: "user" | "assistant"; content: string };
type ChatState = { history: Turn[] };

const settings = peerSettings();
const model = new OpenAI({ baseURL: `${settings.originUrl}/v1`, apiKey: settings.originKey });
const bot = new Chat<{ telegram: ReturnType<typeof createTelegramAdapter> }, ChatState>({
  userName: settings.botInfo.username,
  adapters: {
    telegram: createTelegramAdapter({
      botToken: settings.botToken,
      secretToken: settings.webhookSecret,
      apiUrl: settings.telegramApi,
      userName: settings.botInfo.username,
      mode: "webhook",
    }),
  },
  state: createRedisState({ url: settings.redisUrl }),
  concurrency: "queue",
  logger: "warn",
});

async function answer(thread: Thread<ChatState>, message: Message, skipped: Message[]): Promise<void> {
  const history = (await thread.state)?.history ?? [];
  history.push({ role: "user", content: [...skipped, message].map((m) => m.text).join("\n") });
  const completion = await model.chat.completions.create({
    model: settings.model,
    messages: [{ role: "system", content: settings.instructions }, ...history],
  });
  const text = completion.choices[0]?.message.content ?? "";
  history.push({ role: "assistant", content: text });
  await thread.setState({ history: history.slice(-20) });
  await thread.post(text);
}
bot.onDirectMessage((thread, message, _channel, context) => answer(thread, message, context?.skipped ?? []));

const app = new Hono();
app.post("/webhooks/telegram", (c) =>
  bot.webhooks.telegram(c.req.raw, {
    waitUntil: (task) => void task.catch((err: Error) => console.error("Chat SDK bot:", err.message)),
  }),
);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
  console.log(JSON.stringify({ port: info.port })),
);
server.on("error", (err) => console.error(err));
