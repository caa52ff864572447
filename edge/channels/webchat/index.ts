import { defineChannel } from "../types.js";
import { webChatUserKey } from "./inbound.js";
import { webChatRoutes } from "./routes.js";
import { webChatSettings, type WebChatSettings } from "./settings.js";

/**
 * The web chat: a page, a signed session token, and a WebSocket per browser tab to the conversation's
 * Durable Object (objects/web-chat-room.ts), which answers frames as inbound.ts and outbound.ts say (constants.ts: the protocol's fixed strings).
 */
export const webchat = defineChannel<WebChatSettings>({
  name: "webchat",
  path: "/chat",
  settings: webChatSettings,
  capabilities: { push: false, streaming: true, formatting: "markdown", groups: false, region: "session" },
  routes: webChatRoutes,
  userKey: (id) => (/^[\w-]{10,64}$/.test(id) ? webChatUserKey(id) : undefined),
});
