import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app.js";
import { errorKind, log, ref } from "../log.js";
import { ingest } from "../pipeline/ingest.js";
import { regionServices } from "../pipeline/services.js";
import { MalformedPayload, type WebhookChannel } from "./types.js";
import { requestInfo } from "./request-info.js";

const ACK_BODY = '{"ok":true}';

/**
 * The webhook of a channel: size limit, authenticity on the raw body, parsing, dedup, enqueue, and a
 * 200 to the platform in milliseconds. The slow work happens in the queue consumer.
 *
 * @example
 * app.route("/webhooks/telegram", webhookRoutes(telegramChannel));
 */
export function webhookRoutes<S>(adapter: WebhookChannel<S>) {
  const routes = new Hono<AppEnv>();
  if (adapter.handshake) {
    const handshake = adapter.handshake.bind(adapter);
    routes.get("/", async (c) => {
      const settings = adapter.settings(c.get("config"));
      if (settings === undefined)
        throw new HTTPException(404, { message: `the ${adapter.name} channel is not configured` });
      const answer = await handshake(new URL(c.req.url).searchParams, settings);
      if (answer === null) throw new HTTPException(403, { message: "verification failed" });
      return c.text(answer);
    });
  }
  return routes.post(
    "/",
    bodyLimit({
      maxSize: adapter.maxBodyBytes,
      onError: () => {
        throw new HTTPException(413, { message: `body larger than ${adapter.maxBodyBytes} bytes` });
      },
    }),
    async (c) => {
      const started = Date.now();
      const config = c.get("config");
      const settings = adapter.settings(config);
      if (settings === undefined)
        throw new HTTPException(404, { message: `the ${adapter.name} channel is not configured` });

      const body = await c.req.arrayBuffer();
      const request = requestInfo(c.req.raw, body);
      if (!(await adapter.verify(request, settings))) {
        log.warn("webhook.forged", { channel: adapter.name });
        throw new HTTPException(401, { message: "signature or secret token does not match" });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
      } catch {
        throw new HTTPException(400, { message: "body is not valid JSON" });
      }
      let messages;
      try {
        messages = adapter.parse(payload, settings, { config, request });
      } catch (err) {
        if (err instanceof MalformedPayload) throw new HTTPException(400, { message: err.message });
        throw err;
      }

      try {
        const result = await ingest(
          messages,
          {
            dedup: (region) => regionServices(config, region).dedup,
            queue: c.env.MESSAGES,
            dedupTtlSeconds: adapter.dedupTtlSeconds,
          },
          started,
        );
        log.info("webhook.accepted", {
          channel: adapter.name,
          accepted: result.accepted.length,
          duplicates: result.duplicates.length,
          refs: [...result.accepted, ...result.duplicates].map(ref).join(",") || undefined,
          ackMs: Date.now() - started,
        });
      } catch (err) {
        // Not acknowledged: the platform redelivers, and the released dedup claims let it through.
        log.error("webhook.enqueue_failed", { channel: adapter.name, error: errorKind(err) });
        throw new HTTPException(503, { message: "temporarily unable to accept messages" });
      }
      return new Response(ACK_BODY, {
        headers: { "content-type": "application/json", "content-length": String(ACK_BODY.length) },
      });
    },
  );
}
