import { Hono } from "hono";
import { HttpError } from "../errors.js";
import { decodeJson, limitBody } from "../requests.js";
import { errorKind, log, ref } from "../log.js";
import type { InboundMessage } from "../message.js";
import { requestInfo } from "./request-info.js";
import type { ChannelHost, ParseContext, RequestInfo, Routes } from "./types.js";

const ACK_BODY = '{"ok":true}';

/**
 * What a delivery held: the messages to answer (or to consider, for group chatter), and, by kind, what
 * is acknowledged and not answered (an edit, a reaction, a service message, a status, an item that
 * could not be read), so nothing is dropped unseen.
 */
export interface Received {
  messages: InboundMessage[];
  ignored: string[];
}

/** What a platform that calls a webhook (Telegram, WhatsApp) needs to declare for its route. */
export interface Webhook<S> {
  /** Largest body accepted, in bytes; larger ones get 413 before being read. */
  readonly maxBodyBytes: number;
  /** Authenticity, checked on the raw body in constant time, before any parsing. */
  verify(request: RequestInfo & { body: ArrayBuffer }, settings: S): Promise<boolean>;
  /**
   * What arrived. Throws `MalformedPayload` only when the body is not a webhook of the platform at
   * all: one item it cannot read never sinks the others (it is counted under `ignored`).
   */
  parse(payload: unknown, settings: S, context: ParseContext): Received | Promise<Received>;
  /**
   * The platform's subscription check (GET on the webhook URL): the body to answer with, or null for
   * 403. Without one, GET is not a route.
   */
  handshake?(query: URLSearchParams, settings: S): Promise<string | null>;
}

/**
 * The webhook of a channel: size limit, authenticity on the raw body, parsing, enqueue, and a
 * 200 to the platform in milliseconds. The slow work happens in the queue consumer.
 *
 * @example
 * routes: (host, settings) => webhookRoutes("telegram", telegramWebhook, host, settings)
 */
export function webhookRoutes<S>(channel: string, webhook: Webhook<S>, host: ChannelHost, settings: S): Routes {
  const routes: Routes = new Hono();
  if (webhook.handshake) {
    const handshake = webhook.handshake.bind(webhook);
    routes.get("/", async (c) => {
      const answer = await handshake(new URL(c.req.url).searchParams, settings);
      if (answer === null) throw new HttpError(403, "forbidden", "verification failed");
      return c.text(answer);
    });
  }
  return routes.post("/", limitBody(webhook.maxBodyBytes), async (c) => {
    const startedAt = Date.now();
    const body = await c.req.arrayBuffer();
    const request = requestInfo(c.req.raw, body);
    if (!(await webhook.verify(request, settings))) {
      log.warn("webhook.forged", { channel });
      throw new HttpError(401, "unauthorized", "signature or secret token does not match");
    }
    const { messages, ignored } = await webhook.parse(decodeJson(body), settings, {
      config: host.config,
      commands: host.commands,
      request,
    });
    try {
      const result = await host.enqueue(messages, { startedAt });
      const skipped = [...ignored, ...result.ignored];
      // Sampled (LOG_SUCCESS_SAMPLE_RATE) unless it dropped something on purpose.
      (skipped.length ? log.info : log.success)("webhook.accepted", {
        channel,
        accepted: result.accepted.length,
        refs: result.accepted.map(ref).join(",") || undefined,
        ignored: skipped.length || undefined,
        ignoredKinds: skipped.length ? [...new Set(skipped)].join(",") : undefined,
        ackMs: Date.now() - startedAt,
      });
    } catch (err) {
      // Not acknowledged: the platform redelivers.
      log.error("webhook.enqueue_failed", { channel, error: errorKind(err) });
      throw new HttpError(503, "unavailable", "temporarily unable to accept messages");
    }
    return new Response(ACK_BODY, {
      headers: { "content-type": "application/json", "content-length": String(ACK_BODY.length) },
    });
  });
}
