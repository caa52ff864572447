import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { ORIGIN_KEY, TELEGRAM_SECRET, TELEGRAM_TOKEN } from "../infra/local/edge-stack.js";
import type { StandIns } from "./support.js";

/**
 * The gateway's architecture with nothing of the gateway in it: a webhook that checks the secret and
 * queues the message; a queue consumer that hands it to its chat's Durable Object (SQLite storage);
 * the object's alarm that reads the history (one Upstash pipeline over REST), asks the origin
 * (streamed, the answer's events parsed), sends the answer with sendMessage and saves the turn (one
 * more pipeline). What waits when the alarm runs is answered together, in one reply, as the gateway
 * answers a burst; no dedup, rate limit, burst rules, drafts, typing, summaries, regions, filter or
 * metrics. What this costs in the local runtime is what any
 * code shaped as the design asks (docs/ARCHITECTURE.md) costs here before its own work.
 */
const SCRIPT = `
import { DurableObject } from "cloudflare:workers";

export class Inbox extends DurableObject {
  async accept(job) {
    const kv = this.ctx.storage.kv;
    const seq = (kv.get("seq") ?? 0) + 1;
    kv.put("seq", seq);
    kv.put("m:" + String(seq).padStart(12, "0"), job);
    await this.ctx.storage.setAlarm(Date.now());
  }

  async alarm() {
    const kv = this.ctx.storage.kv;
    for (;;) {
      const waiting = [...kv.list({ prefix: "m:" })];
      if (waiting.length === 0) return;
      const chat = waiting[0][1].chat;
      const text = waiting.map(([, job]) => job.text).join("\\n");
      const history = "h:" + chat;
      const redis = (commands) =>
        fetch(this.env.UPSTASH_URL + "/pipeline", {
          method: "POST",
          headers: { authorization: "Bearer " + this.env.UPSTASH_TOKEN },
          body: JSON.stringify(commands),
        }).then((r) => r.json());
      const [turns] = await redis([["LRANGE", history, "-20", "-1"]]);
      const messages = [
        ...(turns.result ?? []).map((t) => JSON.parse(t)),
        { role: "user", content: text },
      ];
      const res = await fetch(this.env.ORIGIN_URL + "/v1/chat/completions", {
        method: "POST",
        headers: { authorization: "Bearer " + this.env.ORIGIN_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-oss-20b", stream: true, messages }),
      });
      let answer = "";
      let buffered = "";
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\\n");
        buffered = lines.pop();
        for (const line of lines) {
          if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
          answer += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? "";
        }
      }
      await fetch(this.env.TELEGRAM_API + "/bot" + this.env.BOT_TOKEN + "/sendMessage", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: chat, text: answer }),
      }).then((r) => r.json());
      await redis([
        ["RPUSH", history, JSON.stringify({ role: "user", content: text }), JSON.stringify({ role: "assistant", content: answer })],
        ["EXPIRE", history, "86400"],
      ]);
      for (const [key] of waiting) kv.delete(key);
    }
  }
}

export default {
  async fetch(request, env) {
    if (request.headers.get("x-telegram-bot-api-secret-token") !== env.WEBHOOK_SECRET) return new Response("", { status: 401 });
    const update = await request.json();
    const m = update.message;
    await env.MESSAGES.send({ id: update.update_id, chat: m.chat.id, text: m.text });
    return new Response("");
  },
  async queue(batch, env) {
    await Promise.all(
      batch.messages.map(async (m) => {
        await env.INBOX.get(env.INBOX.idFromName(String(m.body.chat))).accept(m.body);
        m.ack();
      }),
    );
  },
};
`;

/** The skeleton in workerd under Miniflare, on the bench's stand-ins; the queue as wrangler.jsonc sets it. */
export async function startSkeleton(
  standIns: StandIns,
): Promise<{ url: URL; processes: "workerd"; stderr?: () => string; stop(): Promise<void> }> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: SCRIPT,
      compatibilityDate: "2026-11-01",
      bindings: {
        UPSTASH_URL: standIns.endpoints.redis.eu!,
        UPSTASH_TOKEN: "token-eu",
        ORIGIN_URL: standIns.endpoints.origin,
        ORIGIN_KEY,
        TELEGRAM_API: standIns.endpoints.telegram,
        BOT_TOKEN: TELEGRAM_TOKEN,
        WEBHOOK_SECRET: TELEGRAM_SECRET,
      },
      queueProducers: { MESSAGES: { queueName: "skeleton-messages" } },
      queueConsumers: { "skeleton-messages": { maxBatchSize: 100, maxBatchTimeout: 0 } },
      durableObjects: { INBOX: { className: "Inbox", useSQLite: true } },
      port: 0,
      host: "127.0.0.1",
    }),
  );
  return { url: await mf.ready, processes: "workerd", stop: () => mf.dispose() };
}
