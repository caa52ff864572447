import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../../app.js";
import type { Config } from "../../config.js";
import type { EdgeContext } from "../../pipeline/context.js";
import { errorKind, log, ref } from "../../log.js";
import { pinRegions } from "../../pipeline/region.js";
import { respond, type Responded } from "../../pipeline/respond.js";
import { requestInfo } from "../request-info.js";
import { MalformedPayload, type InboundMessage } from "../types.js";
import { httpChannel, responseSender } from "./index.js";

/**
 * `POST /v1/messages`. JSON in; the reply as JSON, or, with `Accept: text/event-stream`, as
 * server-sent events: `delta` events while the model writes, then one `done` event with the same
 * object the JSON answer carries. Failures before the first token are plain HTTP errors (429 rate
 * limited, 503/504 model unavailable or too slow), so a client needs no stream to learn them.
 *
 * @example
 * curl -N https://edge.example.com/v1/messages -H "Authorization: Bearer $KEY" \
 *   -H "Accept: text/event-stream" -d '{"user_id":"c-42","text":"Where is my order?"}'
 */
export function httpApiRoutes() {
  return new Hono<AppEnv>().post(
    "/",
    bodyLimit({
      maxSize: httpChannel.maxBodyBytes,
      onError: () => {
        throw new HTTPException(413, { message: `body larger than ${httpChannel.maxBodyBytes} bytes` });
      },
    }),
    async (c) => {
      const config = c.get("config");
      const settings = httpChannel.settings(config);
      if (!settings) throw new HTTPException(404, { message: "the HTTP API is not configured" });
      const body = await c.req.arrayBuffer();
      const request = requestInfo(c.req.raw, body);
      if (!(await httpChannel.verify(request, settings))) {
        throw new HTTPException(401, {
          message: "a valid API key is required",
          res: new Response(null, { headers: { "www-authenticate": 'Bearer realm="messages"' } }),
        });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
      } catch {
        throw new HTTPException(400, { message: "body is not valid JSON" });
      }
      let message: InboundMessage;
      try {
        [message] = httpChannel.parse(payload, settings, { config, request }) as [InboundMessage];
      } catch (err) {
        if (err instanceof MalformedPayload) throw new HTTPException(400, { message: err.message });
        throw err;
      }
      [message] = (await pinRegions(c.get("edge"), [message], (p) => c.executionCtx.waitUntil(p))) as [InboundMessage];
      const streamed = (c.req.header("accept") ?? "").includes("text/event-stream");
      const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
      return streamed ? streamReply(message, c.get("edge"), waitUntil) : jsonReply(message, c.get("edge"), waitUntil);
    },
  );
}

async function jsonReply(
  message: InboundMessage,
  edge: EdgeContext,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Response> {
  const sender = responseSender();
  const responded = await respond(message, sender, edge, { waitUntil });
  return failure(responded) ?? Response.json(replyBody(message, edge.config, sender.text, responded));
}

/**
 * Waits for the first piece of the answer before committing to a stream: until then, a refusal can
 * still be an HTTP status. Pieces that arrive while the stream opens are buffered, never dropped.
 */
async function streamReply(
  message: InboundMessage,
  edge: EdgeContext,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Response> {
  const { config } = edge;
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
  const done = respond(message, sender, edge, { onText, waitUntil });
  const winner = await Promise.race([first.then(() => "first" as const), done.then(() => "done" as const)]);
  if (winner === "done") {
    const responded = await done;
    const refused = failure(responded);
    if (refused) return refused;
  }
  opened = true;
  for (const piece of buffered.splice(0)) void event("delta", { text: piece });
  void (async () => {
    try {
      const responded = await done;
      if (responded.result.outcome === "model_failed") {
        await event("error", { code: "model_unavailable", message: responded.result.reply });
      } else {
        await event("done", replyBody(message, config, sender.text, responded));
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

function replyBody(message: InboundMessage, config: Config, text: string, { result }: Responded) {
  const source =
    result.outcome === "faq"
      ? "faq"
      : result.outcome === "faq_offline"
        ? "faq_offline"
        : result.outcome === "refused"
          ? "filter"
          : "model";
  return {
    recipient_id: message.address.chat,
    message: { text },
    metadata: { model: config.model.name, region: message.region, ...(source !== "model" ? { source } : {}) },
  };
}

/** The HTTP answer for a message that got no reply from the model, or undefined when it did. */
function failure({ result }: Responded): Response | undefined {
  const error = (status: number, code: string, text: string, headers: Record<string, string> = {}) =>
    Response.json({ error: { code, message: text } }, { status, headers });
  switch (result.outcome) {
    case "rate_limited":
      return error(429, "rate_limited", "too many messages for this user; slow down", { "retry-after": "1" });
    case "model_failed":
      return result.failure === "timeout"
        ? error(504, "model_timeout", result.reply ?? "the model took too long")
        : error(503, "model_unavailable", result.reply ?? "the model is unavailable");
    default:
      return undefined;
  }
}
