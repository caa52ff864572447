import { DurableObject } from "cloudflare:workers";
import {
  CLIENT_HEADER,
  CLOSE,
  CONVERSATION_HEADER,
  type NetworkLimit,
  REGION_HEADER,
  TICKET_HEADER,
  WEBCHAT_PING,
  WEBCHAT_PONG,
} from "../channels/webchat/constants.js";
import { closingCode, parseFrame, webChatUserKey } from "../channels/webchat/inbound.js";
import { socketSender } from "../channels/webchat/outbound.js";
import { spendTicket } from "../channels/webchat/token.js";
import { chooseLanguage } from "../core/language.js";
import { regionLanguages, type RegionId } from "../core/region-policy.js";
import { edgeFor } from "../create-edge.js";
import { CapacityShort, MalformedPayload } from "../errors.js";
import { capacityRetrySeconds } from "../core/inbox-policy.js";
import { errorKind, log, ref } from "../log.js";
import {
  WEBCHAT_FLOOD_CLOSE_AFTER,
  WEBCHAT_FRAME_WINDOW_MS,
  WEBCHAT_MAX_FRAME_BYTES,
  WEBCHAT_MAX_FRAMES,
  WEBCHAT_MAX_SOCKETS,
  WEBCHAT_CAPACITY_MAX_WAIT_MS,
  WEBCHAT_MAX_WAITING,
} from "../limits.js";
import type { InboundMessage } from "../message.js";
import { recordReaction } from "../pipeline/rollout.js";
import { textsFor, type Say } from "../texts/index.js";
import { preferredLanguage } from "../texts/languages.js";

interface SocketAttachment {
  conversation: string;
  region: RegionId;
  /** The client's network (a keyed pseudonym of its IP address), for the per-network message limit. */
  client: string;
  /**
   * The language the browser declares: its latest message frame's `lang` (navigator.language), else
   * the best of the region's languages by its handshake's Accept-Language.
   */
  declared?: string;
  /**
   * The language the room last answered the conversation in: kept on every socket, not in the room's
   * memory, so it outlives hibernation.
   */
  answered?: string;
}

/** The per-network limit of web chat messages (wrangler.jsonc; absent, no such limit applies). */
interface RoomBindings {
  WEBCHAT_MESSAGES?: NetworkLimit;
}

/**
 * A web chat room: one conversation's sockets (a tab each), with the hibernation API so an idle
 * conversation costs nothing while its sockets stay open. Messages are answered one at a time, in
 * the order they arrived, and every tab sees the reply stream in. A thumb on an answer (a `feedback`
 * frame) is counted for the model version and never answered. It says its own texts (errors, the
 * queue note) in the user's language (sayTo): the language of the message they concern, else the one
 * it last answered in, else the browser's. Its storage holds only the nonces
 * of the connect tickets it spent (`ticket:<nonce>`, for as long as a ticket lives): a ticket opens
 * one socket, even if the room was evicted in between.
 */
export class WebChatRoom extends DurableObject<Env> {
  private turn: Promise<void> = Promise.resolve();
  /** Messages waiting for their answer (this object's memory: a hibernated room has none waiting). */
  private waiting = 0;
  /** Each socket's frames in the current window. */
  private readonly frames = new WeakMap<WebSocket, { since: number; count: number }>();
  /**
   * Answers delivered since the room woke, and thumbs counted on them: a thumb is counted only while
   * there are fewer than answers (the page offers one an answer, in every tab). This object's memory:
   * a room that hibernated counts from nought again, so a thumb on an earlier answer is not counted.
   */
  private answers = 0;
  private feedbacks = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Heartbeats are answered by the runtime: they neither wake nor bill the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(WEBCHAT_PING, WEBCHAT_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    const conversation = request.headers.get(CONVERSATION_HEADER);
    const region = request.headers.get(REGION_HEADER);
    const nonce = request.headers.get(TICKET_HEADER);
    if (!conversation || !region || !nonce) return new Response("missing conversation", { status: 400 });
    if (this.ctx.getWebSockets().length >= WEBCHAT_MAX_SOCKETS) {
      return Response.json(
        { error: { code: "too_many_sockets", message: `at most ${WEBCHAT_MAX_SOCKETS} tabs per chat` } },
        { status: 429 },
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    if (!(await spendTicket(this.ctx.storage, nonce))) {
      // Refused where the browser can read it (routes.ts, closeAtOnce): the page fetches a new ticket.
      server.accept();
      server.close(CLOSE.ticketRefused, "ticket already used: fetch a new one");
      return new Response(null, { status: 101, webSocket: client });
    }
    this.ctx.acceptWebSocket(server);
    const declared = preferredLanguage(request.headers.get("accept-language"), this.languages(region));
    const answered = this.answeredLanguage();
    server.serializeAttachment({
      conversation,
      region,
      client: request.headers.get(CLIENT_HEADER) ?? "",
      ...(declared ? { declared } : {}),
      ...(answered ? { answered } : {}),
    } satisfies SocketAttachment);
    try {
      const store = edgeFor(this.env).region(region).conversations;
      const turns = await store.history(webChatUserKey(conversation));
      server.send(
        JSON.stringify({ type: "history", messages: turns.map((t) => ({ role: t.role, text: t.content, at: t.at })) }),
      );
    } catch (err) {
      log.warn("webchat.history_unavailable", { region, error: errorKind(err) });
      server.send(JSON.stringify({ type: "history", messages: [] }));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    const say = this.sayTo(attachment);
    const fail = (code: string, message: string) => ws.send(errorFrame(code, message));
    // A socket may send only so many frames a window; one that keeps flooding is closed.
    const now = Date.now();
    const window = this.frames.get(ws);
    const sent = window && now - window.since < WEBCHAT_FRAME_WINDOW_MS ? window : { since: now, count: 0 };
    sent.count += 1;
    this.frames.set(ws, sent);
    if (sent.count > WEBCHAT_FLOOD_CLOSE_AFTER) return ws.close(CLOSE.flood, "too many frames");
    if (sent.count > WEBCHAT_MAX_FRAMES) return fail("too_many_frames", say("webchat.tooManyFrames"));
    // An oversize frame ends the socket with "message too big", the page told why. The runtime reads
    // frames up to its own limit (32 MiB) before this runs; past it, it closes with 1009 itself and
    // reports the error to webSocketError.
    if ((typeof data === "string" ? data.length : data.byteLength) > WEBCHAT_MAX_FRAME_BYTES) {
      fail("too_large", say("webchat.tooLarge", { bytes: WEBCHAT_MAX_FRAME_BYTES }));
      return ws.close(CLOSE.tooBig, "message too big");
    }
    if (typeof data !== "string") return fail("bad_frame", say("webchat.notText"));
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return fail("bad_json", say("webchat.notText"));
    }
    const { conversation, region, client } = attachment;
    let message: InboundMessage;
    try {
      message = parseFrame(frame, conversation, region, edgeFor(this.env).commands, attachment.declared);
    } catch (err) {
      if (err instanceof MalformedPayload) return fail(err.code, err.message);
      throw err;
    }
    if (message.content.kind === "reaction") return this.feedback(message, message.content.value);
    // What the browser declares now is what later refusals (before a frame is read) are said in. Read
    // again: an answer finished since this frame came may have changed the language (rememberAnswered).
    const current = ws.deserializeAttachment() as SocketAttachment;
    if (message.lang !== current.declared) ws.serializeAttachment({ ...current, declared: message.lang });
    const sayHere = this.sayTo(current, message);
    // Only a few messages wait their turn; more are refused at once, not queued.
    if (this.waiting >= WEBCHAT_MAX_WAITING) return fail("busy", sayHere("webchat.busy"));
    this.waiting += 1;
    try {
      // Sessions are free: each network may send only so many messages a minute, over all its chats.
      const perNetwork = (this.env as RoomBindings).WEBCHAT_MESSAGES;
      if (perNetwork && !(await perNetwork.limit({ key: client || "local" })).success) {
        return fail("rate_limited", sayHere("webchat.networkLimited"));
      }
      // One reply at a time, in order: a second message waits for the first answer to finish.
      const run = this.turn.then(() => this.answer(ws, message));
      this.turn = run.catch(() => {});
      await run;
    } finally {
      this.waiting -= 1;
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // The client is gone (an abrupt close reports 1006, a close without a code 1005): finish the handshake.
    try {
      ws.close(closingCode(code), reason.slice(0, 120));
    } catch {
      /* already closed */
    }
  }

  /**
   * A socket's error, such as a frame past the runtime's own size limit (the runtime has closed the
   * socket with 1009 already): logged by kind, never the URL. workerd prints a line of its own for
   * that one too (kj's, naming no URL); a frame under it is the room's to refuse (webSocketMessage).
   */
  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    log.info("webchat.socket_error", { error: errorKind(error) });
  }

  /**
   * A thumb on an answer: counted for the version that answers the conversation, with nothing sent
   * back and nothing of the conversation touched (no turn, no queue, no wait). One more than the
   * answers delivered is dropped without a word.
   */
  private async feedback(message: InboundMessage, value: "up" | "down"): Promise<void> {
    if (this.feedbacks >= this.answers) return;
    this.feedbacks += 1;
    try {
      await recordReaction(edgeFor(this.env), message);
      log.success("webchat.reaction", { ref: ref(message.id), region: message.region, value });
    } catch (err) {
      log.warn("webchat.reaction_failed", { region: message.region, error: errorKind(err) });
    }
  }

  /** The languages of the region (the first its default): the room's texts are said in one of them. */
  private languages(region: RegionId): readonly string[] {
    return regionLanguages(edgeFor(this.env).config.regionFile, region);
  }

  /** The language the room last answered in, as its sockets keep it. */
  private answeredLanguage(): string | undefined {
    for (const socket of this.ctx.getWebSockets()) {
      const { answered } = (socket.deserializeAttachment() ?? {}) as Partial<SocketAttachment>;
      if (answered) return answered;
    }
    return undefined;
  }

  /**
   * The language the room speaks to a socket in, among its region's: as the pipeline chooses it
   * (core/language.ts) for `message` (what its text says, if it says clearly), else the language the
   * room last answered in, else the browser's.
   */
  private languageFor(attachment: SocketAttachment, message?: InboundMessage): string {
    const { content } = message ?? {};
    return chooseLanguage({
      text: content?.kind === "text" ? content.text : undefined,
      remembered: attachment.answered,
      declared: message?.lang ?? attachment.declared,
      languages: this.languages(attachment.region),
    });
  }

  /** What the room says to a socket (about `message`, if any), in its language (languageFor). */
  private sayTo(attachment: SocketAttachment, message?: InboundMessage): Say {
    return textsFor(this.languageFor(attachment, message));
  }

  /** The conversation was answered in `lang`: every socket keeps it (languageFor). */
  private rememberAnswered(lang: string): void {
    for (const socket of this.ctx.getWebSockets()) {
      try {
        const attachment = socket.deserializeAttachment() as SocketAttachment;
        if (attachment.answered !== lang) socket.serializeAttachment({ ...attachment, answered: lang });
      } catch {
        /* a tab that just closed */
      }
    }
  }

  private async answer(ws: WebSocket, message: InboundMessage): Promise<void> {
    // Read when its turn comes: the answers before it may have changed the conversation's language.
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    const lang = this.languageFor(attachment, message);
    const say = textsFor(lang);
    // The language the pipeline answers in (it goes by the conversation's stored turns, which the
    // room cannot see: a new tab after every other closed knows nothing of them).
    let answeredIn = lang;
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
    // /reset and /forget empty every tab's screen, along with the conversation.
    const { content } = message;
    const clears =
      content.kind === "command" && (content.command.name === "reset" || content.command.name === "forget");
    const sender = socketSender((frame) => {
      const done = (frame as { type?: string }).type === "done";
      // An answer the page offers thumbs on (not the note of an emptied conversation).
      if (done && !clears) this.answers += 1;
      // Before the tabs see it: what they send next is spoken to in the language it was answered in.
      if (done) this.rememberAnswered(answeredIn);
      broadcast(clears && done ? { ...frame, cleared: true } : frame);
    });
    try {
      const onText = (piece: string) => broadcast({ type: "delta", text: piece });
      const heldSince = Date.now();
      for (;;) {
        // Every server saturated: the page shows the message queued, and it is asked again shortly;
        // past WEBCHAT_CAPACITY_MAX_WAIT_MS it is answered as for a model that is down.
        const waited = Date.now() - heldSince;
        try {
          const { reply } = await edgeFor(this.env).respond(message, sender, {
            onText,
            waitUntil: (p) => this.ctx.waitUntil(p),
            onLanguage: (chosen) => (answeredIn = chosen),
            capacity: waited >= WEBCHAT_CAPACITY_MAX_WAIT_MS ? "final" : "hold",
            ...(waited > 0 ? { admitted: true, heldMs: waited } : {}),
          });
          if (reply.text === null) ws.send(errorFrame("rate_limited", say("webchat.rateLimited")));
          return;
        } catch (err) {
          if (!(err instanceof CapacityShort)) throw err;
          if (waited === 0) broadcast({ type: "queued", message: say("webchat.queued") });
          await new Promise((r) => setTimeout(r, capacityRetrySeconds(err.retryAfterSeconds, false) * 1000));
        }
      }
    } catch (err) {
      log.error("webchat.failed", { ref: ref(message.id), region: message.region, error: errorKind(err) });
      ws.send(errorFrame("unavailable", say("webchat.unavailable")));
    }
  }
}

/** An error frame: the socket stays open, and the page shows the message. */
function errorFrame(code: string, message: string): string {
  return JSON.stringify({ type: "error", code, message });
}
