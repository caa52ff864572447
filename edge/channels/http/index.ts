import { defineChannel } from "../types.js";
import { httpRoutes } from "./routes.js";
import { httpSettings, type HttpSettings } from "./settings.js";

/** The HTTP API for business systems and other IM bridges: `POST /v1/messages`, JSON or SSE. */
export const http = defineChannel<HttpSettings>({
  name: "http",
  path: "/v1",
  settings: httpSettings,
  capabilities: { push: false, streaming: true, formatting: "markdown", groups: false, region: "client country" },

  routes: httpRoutes,

  // "<key name>:<user_id>", or just the user_id when one key is configured.
  userKey(id, s) {
    const colon = id.indexOf(":");
    const [name, userId] =
      colon > 0 ? [id.slice(0, colon), id.slice(colon + 1)] : [s.keys.length === 1 ? s.keys[0]!.name : "", id];
    return s.keys.some((k) => k.name === name) && userId ? `http:${name}:${userId}` : undefined;
  },
});
