import http from "node:http";
import { listen, readBody, sendJson } from "./http.js";
import { MessageLog, type Delivered } from "./message-log.js";

/**
 * A local stand-in for the Telegram Bot API (`POST /bot<token>/<method>`), for the local stack and the
 * tests. It answers as the Bot API does (`{"ok":true,"result":…}`, `{"ok":false,"error_code":…,
 * "description":…,"parameters":{"retry_after":…}}`), records every call, and can be told to fail the
 * next calls of a method: an HTTP error, a 429 with retry_after, or a connection dropped after the
 * message was recorded (a send whose outcome the bot cannot know).
 */
export interface TelegramCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

/**
 * error: an HTTP error; drop-after-delivery: the message is delivered, the connection cut before the
 * answer; hang: the request is taken and never answered (nothing delivered); slow: delivered and
 * answered only after `ms`.
 */
export type TelegramFault =
  | { kind: "error"; status: number; description?: string; retryAfter?: number }
  | { kind: "drop-after-delivery" }
  | { kind: "hang" }
  | { kind: "slow"; ms: number };

export interface TelegramStandIn {
  /** Base URL to give the edge as TELEGRAM_API_BASE. */
  url: string;
  calls: TelegramCall[];
  /** Messages delivered by sendMessage, in order (with their entities). */
  sent(chatId?: number | string): Delivered[];
  /** Drafts shown with sendMessageDraft, in order. */
  drafts(chatId?: number | string): Array<{ chatId: string; draftId: number; text: string; at: number }>;
  failNext(method: string, ...faults: TelegramFault[]): void;
  /** Makes `userId` an administrator of group `chatId` (getChatMember answers "administrator"). */
  addAdmin(chatId: number | string, userId: number | string): void;
  /** Resolves once `count` messages were delivered (to `chatId`, if given). */
  waitForMessages(count: number, opts?: { chatId?: number | string; timeoutMs?: number }): Promise<Delivered[]>;
  reset(): void;
  close(): Promise<void>;
}

export async function startTelegramStandIn(options: {
  token: string;
  port?: number;
  host?: string;
  /** Called on each delivered message, e.g. to show it in the local stack's console. */
  onMessage?: (chatId: string, text: string) => void;
}): Promise<TelegramStandIn> {
  const calls: TelegramCall[] = [];
  const faults = new Map<string, TelegramFault[]>();
  const delivered = new MessageLog();
  const admins = new Set<string>();
  const drafts: Array<{ chatId: string; draftId: number; text: string; at: number }> = [];
  let nextMessageId = 1;
  const botId = Number(options.token.slice(0, options.token.indexOf(":")));

  const server = http.createServer(async (req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? "/", "http://tg").pathname);
    if (!m) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const [, token, rawMethod = ""] = m;
    if (token !== options.token) return sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = rawMethod.toLowerCase();
    let params: Record<string, unknown>;
    try {
      params = parseParams(String(await readBody(req)), String(req.headers["content-type"] ?? ""));
    } catch {
      return sendJson(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON object" });
    }
    const fault = faults.get(method)?.shift();
    if (fault?.kind === "hang") {
      calls.push({ method, params: { ...params, _hung: true }, at: Date.now() });
      return; // the socket stays open, unanswered, until the client gives up
    }
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "error") {
      calls.push({ method, params: { ...params, _failed: fault.status }, at: Date.now() });
      return sendJson(res, fault.status, {
        ok: false,
        error_code: fault.status,
        description:
          fault.description ??
          (fault.status === 429 ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}` : "Internal Server Error"),
        ...(fault.retryAfter !== undefined ? { parameters: { retry_after: fault.retryAfter } } : {}),
      });
    }
    calls.push({ method, params, at: preciseNow() });
    const result = answer(method, params);
    if (result === undefined)
      return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    if (typeof result === "string") return sendJson(res, 400, { ok: false, error_code: 400, description: result });
    if (method === "sendmessage") {
      const entities = params.entities as Delivered["entities"];
      delivered.add({ chatId: String(params.chat_id), text: String(params.text), ...(entities ? { entities } : {}) });
      options.onMessage?.(String(params.chat_id), String(params.text));
    }
    // The message is delivered, but the bot never hears so.
    if (fault?.kind === "drop-after-delivery") return void res.socket?.destroy();
    sendJson(res, 200, { ok: true, result: result.value });
  });

  function answer(method: string, params: Record<string, unknown>): { value: unknown } | string | undefined {
    switch (method) {
      case "sendmessagedraft": {
        // Bot API 9.x: private chats only, a non-zero draft_id, 0–4096 characters (empty: "Thinking…").
        const text = typeof params.text === "string" ? params.text : "";
        if (!params.chat_id) return "Bad Request: chat_id is empty";
        if (Number(params.chat_id) < 0) return "Bad Request: draft messages can be sent only to private chats";
        if (!Number.isInteger(params.draft_id) || params.draft_id === 0)
          return "Bad Request: invalid draft_id specified";
        if (text.length > 4096) return "Bad Request: message is too long";
        const bad = entityProblem(params.entities, text);
        if (bad) return bad;
        drafts.push({ chatId: String(params.chat_id), draftId: Number(params.draft_id), text, at: preciseNow() });
        return { value: true };
      }
      case "sendmessage": {
        const text = typeof params.text === "string" ? params.text : "";
        if (!params.chat_id) return "Bad Request: chat_id is empty";
        if (!text.trim()) return "Bad Request: message text is empty";
        if (text.length > 4096) return "Bad Request: message is too long";
        if (params.parse_mode !== undefined && params.entities !== undefined)
          return "Bad Request: can't use parse_mode together with entities";
        const bad = entityProblem(params.entities, text);
        if (bad) return bad;
        const chatId = Number(params.chat_id);
        return {
          value: {
            message_id: nextMessageId++,
            from: { id: botId, is_bot: true, first_name: "Assistant", username: "local_assistant_bot" },
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: chatId < 0 ? "supergroup" : "private" },
            ...(params.message_thread_id !== undefined
              ? { message_thread_id: params.message_thread_id, is_topic_message: true }
              : {}),
            text,
          },
        };
      }
      case "sendchataction":
        return params.chat_id ? { value: true } : "Bad Request: chat_id is empty";
      case "setwebhook":
        return params.url ? { value: true } : "Bad Request: bad webhook: An HTTPS URL must be provided for webhook";
      case "deletewebhook":
        return { value: true };
      case "getme":
        return { value: { id: botId, is_bot: true, first_name: "Assistant", username: "local_assistant_bot" } };
      case "getchatmember": {
        if (!params.chat_id || !params.user_id) return "Bad Request: chat_id and user_id are required";
        const status = admins.has(`${params.chat_id}:${params.user_id}`) ? "administrator" : "member";
        return { value: { status, user: { id: Number(params.user_id), is_bot: false, first_name: "Member" } } };
      }
      case "getwebhookinfo": {
        const last = [...calls].reverse().find((c) => c.method === "setwebhook");
        return { value: { url: last?.params.url ?? "", has_custom_certificate: false, pending_update_count: 0 } };
      }
      default:
        return undefined;
    }
  }

  return {
    url: await listen(server, options),
    calls,
    sent: (chatId) => delivered.list(chatId),
    drafts: (chatId) => drafts.filter((d) => chatId === undefined || d.chatId === String(chatId)),
    addAdmin: (chatId, userId) => void admins.add(`${chatId}:${userId}`),
    failNext: (method, ...f) => {
      const key = method.toLowerCase();
      faults.set(key, [...(faults.get(key) ?? []), ...f]);
    },
    waitForMessages: (count, opts) => delivered.waitFor(count, opts),
    reset: () => {
      calls.length = 0;
      drafts.length = 0;
      faults.clear();
      delivered.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const ENTITY_TYPES = new Set([
  "mention",
  "hashtag",
  "cashtag",
  "bot_command",
  "url",
  "email",
  "phone_number",
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "blockquote",
  "expandable_blockquote",
  "code",
  "pre",
  "text_link",
  "text_mention",
  "custom_emoji",
  "date_time",
]);

/** Telegram's checks of a MessageEntity list against the text (offsets and lengths in UTF-16 code units). */
function entityProblem(entities: unknown, text: string): string | undefined {
  if (entities === undefined) return undefined;
  if (!Array.isArray(entities)) return "Bad Request: can't parse entities JSON object";
  for (const e of entities as Array<Record<string, unknown>>) {
    const { type, offset, length } = e;
    if (typeof type !== "string" || !ENTITY_TYPES.has(type))
      return `Bad Request: unsupported entity type "${String(type)}"`;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || (offset as number) < 0 || (length as number) <= 0)
      return "Bad Request: can't parse entities: entity offset and length must be non-negative integers";
    if ((offset as number) + (length as number) > text.length)
      return "Bad Request: can't parse entities: entity ends beyond the end of the text";
    if (type === "text_link" && !/^(https?:\/\/|tg:\/\/)\S+$/i.test(String(e.url ?? "")))
      return "Bad Request: can't parse entities: wrong HTTP URL specified";
  }
  return undefined;
}

/** Epoch ms with sub-ms precision. */
const preciseNow = () => performance.timeOrigin + performance.now();

function parseParams(body: string, contentType: string): Record<string, unknown> {
  if (!body) return {};
  if (contentType.includes("application/json")) return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}
