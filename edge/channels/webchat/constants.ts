/**
 * The web chat's protocol: JSON text frames over the WebSocket (docs/ARCHITECTURE.md, "The contract"):
 * `{"type":"message","text","id"?,"lang"?}` (`lang`: the browser's BCP 47 language tag, at most 35
 * characters), `{"type":"feedback","value":"up"|"down"}` (a thumb on an answer,
 * never answered) and `{"type":"ping"}` in; `history`, `typing`, `delta`, `done`, `pong` and `error`
 * out. Its limits are in edge/limits.ts.
 */

/** Heartbeat frames, answered by the runtime without waking the conversation's Durable Object. */
export const WEBCHAT_PING = '{"type":"ping"}';
export const WEBCHAT_PONG = '{"type":"pong"}';
/** Headers the Worker passes with an upgrade it has authenticated. */
export const CONVERSATION_HEADER = "x-chat-conversation";
export const REGION_HEADER = "x-chat-region";
/** The client's network, as a keyed pseudonym of its IP address (for the per-network message limit). */
export const CLIENT_HEADER = "x-chat-client";
/** The nonce of the connect ticket that opens the socket: the room spends it (a ticket opens one socket). */
export const TICKET_HEADER = "x-chat-ticket";

/**
 * Close codes the edge ends a socket with. A browser cannot read the status of a refused handshake
 * (its WebSocket only reports 1006), so a refusal the page must act on is an accepted socket closed
 * at once, with 4000 + the HTTP status it stands for.
 */
export const CLOSE = {
  /** The ticket is missing, forged, expired, spent, or another network's: the page fetches a new one. */
  ticketRefused: 4401,
  /** `/chat/ws?token=…`, the former way in (the token in the URL): gone. A page that still uses it is out of date. */
  tokenInUrl: 4410,
  /** A frame over WEBCHAT_MAX_FRAME_BYTES (RFC 6455's "message too big"); the runtime sends the same past its own limit. */
  tooBig: 1009,
  /** A socket that keeps flooding (policy violation). */
  flood: 1008,
} as const;

/** A per-network limit (Cloudflare's Rate Limiting API binding), as the web chat uses it. */
export interface NetworkLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
