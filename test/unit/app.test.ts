import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp, errorResponse } from "../../edge/app.js";
import { ConfigError } from "../../edge/errors.js";
import type { InboundMessage, Responded } from "../../edge/message.js";
import { fakeEdge, FAKE_SETTINGS } from "../support/fake-edge.js";

/**
 * The edge's HTTP surface with app.request() and fakes: what each route answers, with no Redis, no
 * model and no workerd. The integration suites run the same routes for real.
 */
const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };

const update = (text = "hello") => ({
  update_id: 501,
  message: {
    message_id: 1,
    date: 1767225600,
    from: { id: 42, is_bot: false, first_name: "A" },
    chat: { id: 42, type: "private" },
    text,
  },
});

function telegram(app: ReturnType<typeof createApp>, body: string, secret = FAKE_SETTINGS.TELEGRAM_WEBHOOK_SECRET) {
  return app.request(
    "/webhooks/telegram",
    {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
    },
    {},
    ctx,
  );
}

describe("webhooks", () => {
  it("acknowledges a genuine update once its message is queued", async () => {
    const queued: InboundMessage[] = [];
    const app = createApp(fakeEdge({ enqueue: async (m) => (queued.push(...m), { accepted: ["x"], ignored: [] }) }));
    const res = await telegram(app, JSON.stringify(update()));
    expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
    expect(queued.map((m) => [m.userKey, m.content])).toEqual([
      ["telegram:7000000001:42", { kind: "text", text: "hello" }],
    ]);
  });

  it("refuses a wrong secret before reading the body, and queues nothing", async () => {
    const app = createApp(fakeEdge());
    const res = await telegram(app, JSON.stringify(update()), "wrong-secret-0123456789");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("answers 400 to a body that is not JSON or not an update, and 413 to one too large", async () => {
    const app = createApp(fakeEdge());
    expect((await telegram(app, "{not json")).status).toBe(400);
    const notAnUpdate = await telegram(app, JSON.stringify({ hello: "world" }));
    expect([notAnUpdate.status, await notAnUpdate.json()]).toEqual([
      400,
      { error: { code: "bad_request", message: "not a Telegram Update" } },
    ]);
    expect((await telegram(app, JSON.stringify(update("x".repeat(300_000))))).status).toBe(413);
  });

  it("answers 503 when the message cannot be queued, so the platform delivers it again", async () => {
    const app = createApp(
      fakeEdge({
        enqueue: async () => {
          throw new Error("queue down");
        },
      }),
    );
    const res = await telegram(app, JSON.stringify(update()));
    expect(res.status).toBe(503);
  });

  it("says a channel is not configured when its settings are not given", async () => {
    const app = createApp(fakeEdge({}, { TELEGRAM_BOT_TOKEN: undefined, TELEGRAM_WEBHOOK_SECRET: undefined }));
    const res = await telegram(app, JSON.stringify(update()));
    expect([res.status, await res.json()]).toEqual([
      404,
      { error: { code: "not_configured", message: "the telegram channel is not configured" } },
    ]);
  });

  it("answers Meta's subscription check only with the verify token, and checks the body's signature", async () => {
    const app = createApp(fakeEdge({ enqueue: async () => ({ accepted: [], ignored: [] }) }));
    const check = (token: string) =>
      app.request(`/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);
    const ok = await check(FAKE_SETTINGS.WHATSAPP_VERIFY_TOKEN);
    expect([ok.status, await ok.text()]).toEqual([200, "1158201444"]);
    expect((await check("wrong")).status).toBe(403);

    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] });
    const sign = (b: string) =>
      `sha256=${createHmac("sha256", FAKE_SETTINGS.WHATSAPP_APP_SECRET).update(b).digest("hex")}`;
    const post = (signature: string) =>
      app.request(
        "/webhooks/whatsapp",
        { method: "POST", body, headers: { "x-hub-signature-256": signature } },
        {},
        ctx,
      );
    expect((await post(sign(body))).status).toBe(200);
    expect((await post(sign(`${body} `))).status).toBe(401);
  });
});

describe("HTTP API", () => {
  const answered = (text: string, outcome: Responded["reply"]["outcome"] = "answered", extra = {}) =>
    (async (_message, sender) => {
      await sender.send({ channel: "http", account: "crm", chat: "c-1" }, { text });
      return { reply: { text, outcome, ...extra }, delivery: undefined };
    }) satisfies ReturnType<typeof fakeEdge>["respond"];
  const post = (app: ReturnType<typeof createApp>, body: unknown, key = "fake-api-key-0123456789") =>
    app.request(
      "/v1/messages",
      { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, "cf-ipcountry": "DE" } },
      {},
      ctx,
    );

  it("answers with the reply, the model and the region of the client's country", async () => {
    const app = createApp(fakeEdge({ respond: answered("Your order ships today.") }));
    const res = await post(app, { user_id: "c-1", text: "Where is my order?" });
    expect(await res.json()).toEqual({
      recipient_id: "c-1",
      message: { text: "Your order ships today." },
      metadata: { model: "openai/gpt-oss-20b", region: "eu" },
    });
  });

  it("refuses a missing key with a Bearer challenge, and names the field of a bad body", async () => {
    const app = createApp(fakeEdge());
    const unauthorized = await post(app, { user_id: "c-1", text: "hi" }, "not-a-key-0123456789");
    expect([unauthorized.status, unauthorized.headers.get("www-authenticate")]).toEqual([
      401,
      'Bearer realm="messages"',
    ]);
    const bad = await post(app, { user_id: "c-1", text: "" });
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: { code: "bad_request", message: "text: must not be empty" } },
    ]);
  });

  it("turns a refusal before the first token into 429, 503 or 504", async () => {
    const statusOf = async (respond: ReturnType<typeof fakeEdge>["respond"]) => {
      const res = await post(createApp(fakeEdge({ respond })), { user_id: "c-1", text: "hi" });
      return [
        res.status,
        ((await res.json()) as { error: { code: string } }).error.code,
        res.headers.get("retry-after"),
      ];
    };
    expect(await statusOf(answered("slow down", "rate_limited"))).toEqual([429, "rate_limited", "1"]);
    expect(await statusOf(answered("sorry", "model_failed", { failure: "unavailable" }))).toEqual([
      503,
      "model_unavailable",
      null,
    ]);
    expect(await statusOf(answered("sorry", "model_failed", { failure: "timeout" }))).toEqual([
      504,
      "model_timeout",
      null,
    ]);
  });
});

describe("admin API", () => {
  const admin = (app: ReturnType<typeof createApp>, path: string, token = FAKE_SETTINGS.ADMIN_TOKEN) =>
    app.request(`/admin${path}`, { headers: { authorization: `Bearer ${token}` } }, {}, ctx);

  it("is off without ADMIN_TOKEN and refuses a wrong token", async () => {
    expect((await admin(createApp(fakeEdge({}, { ADMIN_TOKEN: undefined })), "/faq/eu")).status).toBe(404);
    const wrong = await admin(createApp(fakeEdge()), "/faq/eu", "not-the-token-0123456");
    expect([wrong.status, wrong.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="admin"']);
  });

  it("knows only the regions of regions.json, not the names every object has", async () => {
    const app = createApp(fakeEdge());
    expect((await admin(app, "/faq/eu")).status).toBe(200);
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "mars"]) {
      expect((await admin(app, `/faq/${name}`)).status, name).toBe(404);
    }
  });
});

describe("errors", () => {
  it("tells browsers not to sniff content types nor to pass addresses on, on every answer", async () => {
    const app = createApp(fakeEdge());
    for (const res of [
      await app.request("/nowhere"),
      await app.request("/chat"),
      await app.request("/v1/openapi.json"),
    ]) {
      expect(res.headers.get("x-content-type-options"), res.url).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), res.url).toBe("no-referrer");
    }
  });

  it("answers 404 in JSON for an unknown route", async () => {
    const res = await createApp(fakeEdge()).request("/nowhere");
    expect([res.status, await res.json()]).toEqual([404, { error: { code: "not_found", message: "no such route" } }]);
  });

  it("answers 500 without details when a route fails unexpectedly", async () => {
    const app = createApp(
      fakeEdge({
        enqueue: async () => {
          throw new TypeError("secret detail at /srv/edge/index.js:1:2");
        },
        pin: async () => {
          throw new TypeError("secret detail at /srv/edge/index.js:1:2");
        },
      }),
    );
    const res = await app.request(
      "/v1/messages",
      {
        method: "POST",
        body: '{"user_id":"c","text":"hi"}',
        headers: { authorization: "Bearer fake-api-key-0123456789" },
      },
      {},
      ctx,
    );
    expect([res.status, await res.text()]).toEqual([
      500,
      '{"error":{"code":"internal_error","message":"something went wrong"}}',
    ]);
  });

  it("answers 503 to everything while a setting is missing, naming neither the setting nor its value", async () => {
    const res = errorResponse(new ConfigError("missing setting: ORIGIN_URL_EU"));
    expect([res.status, await res.json()]).toEqual([
      503,
      { error: { code: "misconfigured", message: "the service is not configured correctly" } },
    ]);
  });
});
