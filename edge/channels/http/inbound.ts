import { parseCommand } from "../../core/commands.js";
import { regionForCountry } from "../../core/region-policy.js";
import { issueLines } from "../../core/zod-issues.js";
import { secretsEqual } from "../../crypto.js";
import { MalformedPayload } from "../../errors.js";
import { bearerToken } from "../../requests.js";
import type { InboundMessage } from "../../message.js";
import type { ParseContext, RequestInfo } from "../types.js";
import { MessageRequest } from "./schema.js";
import type { HttpSettings } from "./settings.js";

/** Whether the request carries one of the keys; every key is compared, so the time taken tells none. */
export async function verifyKey({ headers }: RequestInfo, s: HttpSettings): Promise<boolean> {
  const given = bearerToken(headers);
  const matches = await Promise.all(s.keys.map((k) => secretsEqual(given, k.key)));
  return matches.includes(true);
}

/**
 * The message of a request whose key verifyKey accepted. Conversations are kept per key name
 * (`http:<key name>:<user_id>`), so two systems never share a user.
 */
export function parseRequest(
  payload: unknown,
  s: HttpSettings,
  { config, request, commands }: Required<ParseContext>,
): InboundMessage {
  const parsed = MessageRequest.safeParse(payload);
  if (!parsed.success) throw new MalformedPayload(issueLines(parsed.error, "body").join("; "));
  const { user_id: userId, text, lang } = parsed.data;
  const given = bearerToken(request.headers);
  const account = s.keys.find((k) => k.key === given)?.name ?? "unknown";
  const idempotencyKey = request.headers.get("idempotency-key");
  const command = parseCommand(text, commands);
  return {
    id: `http:${account}:${idempotencyKey ? `idem:${idempotencyKey.slice(0, 128)}` : crypto.randomUUID()}`,
    address: { channel: "http", account, chat: userId },
    userKey: `http:${account}:${userId}`,
    chatKey: `http:${account}:${userId}`,
    region: regionForCountry(config.regionFile, request.country, request.isEuCountry),
    sentAt: Date.now(),
    content: command ? { kind: "command", command } : { kind: "text", text },
    ...(idempotencyKey ? { idempotent: true } : {}),
    ...(lang ? { lang } : {}),
  };
}
