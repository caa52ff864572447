import { DurableObject } from "cloudflare:workers";
import {
  CONVERSATION_HEADER,
  parseFrame,
  REGION_HEADER,
  socketSender,
  WEBCHAT_MAX_FRAME_BYTES,
  WEBCHAT_PING,
  WEBCHAT_PONG,
  webChatUserKey,
} from "../channels/webchat/protocol.js";
import type { RegionId } from "../core/region-policy.js";
import { edgeFor } from "../create-edge.js";
import { MalformedPayload } from "../errors.js";
import { errorKind, log, ref } from "../log.js";
import type { InboundMessage } from "../message.js";
import { respond } from "../pipeline/respond.js";

interface SocketAttachment {
  conversation: string;
  region: RegionId;
}

/**
 * A web chat room: one conversation's sockets (a tab each), with the hibernation API so an idle
 * conversation costs nothing while its sockets stay open. Messages are answered one at a time, in
 * the order they arrived, and every tab sees the reply stream in.
 */
export class WebChatRoom extends DurableObject<Env> {
  private turn: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Heartbeats are answered by the runtime: they neither wake nor bill the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(WEBCHAT_PING, WEBCHAT_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    const conversation = request.headers.get(CONVERSATION_HEADER);
    const region = request.headers.get(REGION_HEADER);
    if (!conversation || !region) return new Response("missing conversation", { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ conversation, region } satisfies SocketAttachment);
    try {
      const store = edgeFor(this.env).region(region).conversations;
      const turns = await store.history(webChatUserKey(conversation));
      server.send(JSON.stringify({ type: "history", messages: turns.map((t) => ({ role: t.role, text: t.content })) }));
    } catch (err) {
      log.warn("webchat.history_unavailable", { region, error: errorKind(err) });
      server.send(JSON.stringify({ type: "history", messages: [] }));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const fail = (code: string, message: string) => ws.send(JSON.stringify({ type: "error", code, message }));
    if (typeof data !== "string") return fail("bad_frame", "frames are JSON text");
    if (data.length > WEBCHAT_MAX_FRAME_BYTES)
      return fail("too_large", `frames are at most ${WEBCHAT_MAX_FRAME_BYTES} bytes`);
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return fail("bad_json", "frames are JSON text");
    }
    const { conversation, region } = ws.deserializeAttachment() as SocketAttachment;
    let message: InboundMessage;
    try {
      message = parseFrame(frame, conversation, region);
    } catch (err) {
      if (err instanceof MalformedPayload) return fail(err.code, err.message);
      throw err;
    }
    // One reply at a time, in order: a second message waits for the first answer to finish.
    const run = this.turn.then(() => this.answer(ws, message));
    this.turn = run.catch(() => {});
    await run;
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code, reason);
  }

  private async answer(ws: WebSocket, message: InboundMessage): Promise<void> {
    const broadcast = (frame: object) => {
      const text = JSON.stringify(frame);
      for (const socket of this.ctx.getWebSockets()) {
        try {
          socket.send(text);
        } catch {
          /* a tab that just closed */
        }
      }
    };
    try {
      const onText = (piece: string) => broadcast({ type: "delta", text: piece });
      const { reply } = await respond(message, socketSender(broadcast), edgeFor(this.env), {
        onText,
        waitUntil: (p) => this.ctx.waitUntil(p),
      });
      if (reply.text === null) {
        ws.send(JSON.stringify({ type: "error", code: "rate_limited", message: "too many messages; wait a moment" }));
      }
    } catch (err) {
      log.error("webchat.failed", { ref: ref(message.id), region: message.region, error: errorKind(err) });
      ws.send(
        JSON.stringify({
          type: "error",
          code: "unavailable",
          message: "the assistant is unavailable; try again shortly",
        }),
      );
    }
  }
}
