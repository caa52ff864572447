import { z } from "zod";
import { parseCommand } from "../../core/commands.js";
import { regionForCountry } from "../../core/region-policy.js";
import type { HttpApiSettings } from "../../config.js";
import { MalformedPayload, type ChannelAdapter, type ChannelSender } from "../types.js";
import { secretsEqual } from "../verify.js";

/** A request holds one message: a few kilobytes; anything bigger is not a chat message. */
export const HTTP_MAX_BODY_BYTES = 64 * 1024;
/** Longest message text accepted, in characters (the IM platforms' own limit). */
export const HTTP_TEXT_LIMIT = 4096;

const Body = z.object({
  user_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.@:+-]+$/, "letters, digits and . _ @ : + - only"),
  text: z.string().trim().min(1, "must not be empty").max(HTTP_TEXT_LIMIT, `at most ${HTTP_TEXT_LIMIT} characters`),
});

const bearer = (headers: Headers) => /^Bearer (\S+)$/.exec(headers.get("authorization") ?? "")?.[1];

/**
 * `POST /v1/messages` for business systems and other IM bridges: a bearer key from HTTP_API_KEYS,
 * `{"user_id","text"}` in, the reply out as JSON or as server-sent events. Conversations are keyed
 * per API key (`http:<key name>:<user_id>`), so two systems never share a user.
 */
export const httpChannel: ChannelAdapter<HttpApiSettings> = {
  name: "http",
  maxBodyBytes: HTTP_MAX_BODY_BYTES,

  settings: (config) => config.httpApi,

  async verify({ headers }, settings) {
    const given = bearer(headers);
    // Every key is compared, so the time taken does not tell which one nearly matched.
    const matches = await Promise.all(settings.keys.map((k) => secretsEqual(given, k.key)));
    return matches.includes(true);
  },

  parse(payload, settings, { config, request }) {
    const parsed = Body.safeParse(payload);
    if (!parsed.success) {
      throw new MalformedPayload(
        parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      );
    }
    const { user_id: userId, text } = parsed.data;
    if (!request) throw new Error("the HTTP API parses requests: pass the request");
    // verify() already established that the key is one of ours; this only names it.
    const account = settings.keys.find((k) => k.key === bearer(request.headers))?.name ?? "unknown";
    const idempotencyKey = request.headers.get("idempotency-key");
    const command = parseCommand(text);
    return [
      {
        id: `http:${account}:${idempotencyKey ? `idem:${idempotencyKey.slice(0, 128)}` : crypto.randomUUID()}`,
        address: { channel: "http", account, chat: userId },
        userKey: `http:${account}:${userId}`,
        region: regionForCountry(config.regionFile, request.country, request.isEuCountry),
        sentAt: Date.now(),
        content: command ? { kind: "command", command } : { kind: "text", text },
      },
    ];
  },
};

/** A sender that keeps the reply for the HTTP response instead of sending it anywhere. */
export function responseSender(): ChannelSender & { readonly text: string } {
  const chunks: string[] = [];
  return {
    // One response carries the whole reply: no splitting.
    textLimit: Number.MAX_SAFE_INTEGER,
    typingRefreshMs: 60_000,
    get text() {
      return chunks.join("\n\n");
    },
    async send(_to, text) {
      chunks.push(text);
      return "sent";
    },
    async typing() {},
  };
}
