import { Hono } from "hono";
import { HttpError } from "../../errors.js";
import { decodeJson, limitBody, unauthorized } from "../../requests.js";
import { errorKind, log, ref } from "../../log.js";
import type { InboundMessage, Responded } from "../../message.js";
import { requestInfo } from "../request-info.js";
import type { ChannelHost, Routes } from "../types.js";
import { parseRequest, verifyKey } from "./inbound.js";
import { responseSender } from "./outbound.js";
import openapi from "./openapi.json";
import type { MessageReply } from "./schema.js";
import type { HttpSettings } from "./settings.js";
import { HTTP_MAX_BODY_BYTES } from "../../limits.js";

type WaitUntil = (work: Promise<unknown>) => void;

/**
 * `POST /v1/messages`. JSON in; the reply as JSON, or, with `Accept: text/event-stream`, as
 * server-sent events: `delta` events while the model writes, then one `done` event with the same
 * object the JSON answer carries. Failures before the first token are plain HTTP errors (429 rate
 * limited, 503/504 model unavailable or too slow), so a client needs no stream to learn them.
 * `GET /v1/openapi.json` describes it (OpenAPI 3.1), for business systems to generate clients.
 *
 * @example
 * curl -N https://edge.example.com/v1/messages -H "Authorization: Bearer $KEY" \
 *   -H "Accept: text/event-stream" -d '{"user_id":"c-42","text":"Where is my order?"}'
 */
export function httpRoutes(host: ChannelHost, settings: HttpSettings): Routes {
  const routes: Routes = new Hono();
  routes.get("/openapi.json", (c) => c.json(openapi));
  routes.post("/messages", limitBody(HTTP_MAX_BODY_BYTES), async (c) => {
    const body = await c.req.arrayBuffer();
    const request = requestInfo(c.req.raw, body);
    if (!(await verifyKey(request, settings))) throw unauthorized("messages", "a valid API key is required");
    const waitUntil: WaitUntil = (p) => c.executionCtx.waitUntil(p);
    const parsed = parseRequest(decodeJson(body), settings, { config: host.config, commands: host.commands, request });
    const message = await host.pin(parsed, waitUntil);
    const streamed = (c.req.header("accept") ?? "").includes("text/event-stream");
    return streamed ? streamReply(host, message, waitUntil) : jsonReply(host, message, waitUntil);
  });
  return routes;
}

async function jsonReply(host: ChannelHost, message: InboundMessage, waitUntil: WaitUntil): Promise<Response> {
  const sender = responseSender();
  const responded = await host.respond(message, sender, { waitUntil });
  refuseWithoutAnswer(responded);
  return Response.json(replyBody(host, message, sender.text, responded));
}

/**
 * Waits for the first piece of the answer before committing to a stream: until then, a refusal can
 * still be an HTTP status. Pieces that arrive while the stream opens are buffered, never dropped.
 */
async function streamReply(host: ChannelHost, message: InboundMessage, waitUntil: WaitUntil): Promise<Response> {
  const sender = responseSender();
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const event = (name: string, data: unknown) =>
    writer.write(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
  let opened = false;
  let onFirst!: () => void;
  const first = new Promise<void>((r) => (onFirst = r));
  const buffered: string[] = [];
  const onText = (piece: string) => {
    if (opened) void event("delta", { text: piece });
    else {
      buffered.push(piece);
      onFirst();
    }
  };
  const done = host.respond(message, sender, { onText, waitUntil });
  const winner = await Promise.race([first.then(() => "first" as const), done.then(() => "done" as const)]);
  if (winner === "done") refuseWithoutAnswer(await done);
  opened = true;
  for (const piece of buffered.splice(0)) void event("delta", { text: piece });
  void (async () => {
    try {
      const responded = await done;
      if (responded.reply.outcome === "model_failed") {
        await event("error", { code: "model_unavailable", message: responded.reply.text });
      } else {
        await event("done", replyBody(host, message, sender.text, responded));
      }
    } catch (err) {
      log.error("http.stream_failed", { ref: ref(message.id), error: errorKind(err) });
      await event("error", { code: "internal_error", message: "something went wrong" }).catch(() => {});
    } finally {
      await writer.close().catch(() => {});
    }
  })();
  return new Response(readable, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}

function replyBody(host: ChannelHost, message: InboundMessage, text: string, { reply }: Responded): MessageReply {
  const sources = { faq: "faq", faq_offline: "faq_offline", refused: "filter", too_long: "too_long" } as const;
  const source = sources[reply.outcome as keyof typeof sources];
  return {
    recipient_id: message.address.chat,
    message: { text },
    metadata: { model: host.config.model.name, region: message.region, ...(source ? { source } : {}) },
  };
}

/** A message that got no answer from the model is an HTTP error, not a 200 with an apology. */
function refuseWithoutAnswer({ reply }: Responded): void {
  switch (reply.outcome) {
    case "conflict":
      throw new HttpError(
        422,
        "idempotency_key_reused",
        "this Idempotency-Key was already used with a different request; use a new key for a new request",
      );
    case "rate_limited":
      throw new HttpError(429, "rate_limited", "too many messages for this user; slow down", { "retry-after": "1" });
    case "model_failed":
      throw reply.failure === "timeout"
        ? new HttpError(504, "model_timeout", reply.text ?? "the model took too long")
        : new HttpError(503, "model_unavailable", reply.text ?? "the model is unavailable");
  }
}
