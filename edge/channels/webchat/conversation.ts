import { DurableObject } from "cloudflare:workers";
import { edgeContext } from "../../pipeline/context.js";
import { errorKind, log, ref } from "../../log.js";
import { respond } from "../../pipeline/respond.js";
import { regionServices } from "../../pipeline/services.js";
import { MalformedPayload, type InboundMessage } from "../types.js";
import { socketSender, webchatChannel, WEBCHAT_MAX_FRAME_BYTES, WEBCHAT_PING, WEBCHAT_PONG } from "./index.js";

interface SocketAttachment {
  conversation: string;
  region: string;
}

/** Headers the Worker passes with an upgrade it has authenticated. */
export const CONVERSATION_HEADER = "x-chat-conversation";
export const REGION_HEADER = "x-chat-region";

/**
 * One web chat conversation: its sockets (a tab each), with the hibernation API so an idle
 * conversation costs nothing while its sockets stay open. Messages are answered one at a time, in
 * the order they arrived, and every tab sees the reply stream in.
 */
export class ChatConversation extends DurableObject<Env> {
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
      const turns = await regionServices(edgeContext(this.env).config, region).conversations.history(
        `webchat:web:${conversation}`,
      );
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
    const { config } = edgeContext(this.env);
    let message: InboundMessage;
    try {
      [message] = webchatChannel.parse({ frame, conversation, region }, config.webchat!, { config }) as [
        InboundMessage,
      ];
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
      const { result } = await respond(message, socketSender(broadcast), edgeContext(this.env), {
        onText,
        waitUntil: (p) => this.ctx.waitUntil(p),
      });
      if (result.reply === null) {
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
