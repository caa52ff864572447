/**
 * The web chat's protocol: JSON text frames over the WebSocket (docs/ARCHITECTURE.md, "The contract"):
 * `{"type":"message","text","id"?}` and `{"type":"ping"}` in; `history`, `typing`, `delta`, `done`,
 * `pong` and `error` out. Its limits are in edge/limits.ts.
 */

/** Heartbeat frames, answered by the runtime without waking the conversation's Durable Object. */
export const WEBCHAT_PING = '{"type":"ping"}';
export const WEBCHAT_PONG = '{"type":"pong"}';
/** Headers the Worker passes with an upgrade it has authenticated. */
export const CONVERSATION_HEADER = "x-chat-conversation";
export const REGION_HEADER = "x-chat-region";
/** The client's network, as a keyed pseudonym of its IP address (for the per-network message limit). */
export const CLIENT_HEADER = "x-chat-client";

/** A per-network limit (Cloudflare's Rate Limiting API binding), as the web chat uses it. */
export interface NetworkLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
