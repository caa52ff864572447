import http from "node:http";
import { listen, readBody, sendJson } from "./http.js";
import { MessageLog } from "./message-log.js";

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
  /** Texts delivered by sendMessage, in order. */
  sent(chatId?: number | string): Array<{ chatId: string; text: string }>;
  failNext(method: string, ...faults: TelegramFault[]): void;
  /** Makes `userId` an administrator of group `chatId` (getChatMember answers "administrator"). */
  addAdmin(chatId: number | string, userId: number | string): void;
  /** Resolves once `count` messages were delivered (to `chatId`, if given). */
  waitForMessages(
    count: number,
    opts?: { chatId?: number | string; timeoutMs?: number },
  ): Promise<Array<{ chatId: string; text: string }>>;
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
    calls.push({ method, params, at: Date.now() });
    const result = answer(method, params);
    if (result === undefined)
      return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    if (typeof result === "string") return sendJson(res, 400, { ok: false, error_code: 400, description: result });
    if (method === "sendmessage") {
      delivered.add({ chatId: String(params.chat_id), text: String(params.text) });
      options.onMessage?.(String(params.chat_id), String(params.text));
    }
    // The message is delivered, but the bot never hears so.
    if (fault?.kind === "drop-after-delivery") return void res.socket?.destroy();
    sendJson(res, 200, { ok: true, result: result.value });
  });

  function answer(method: string, params: Record<string, unknown>): { value: unknown } | string | undefined {
    switch (method) {
      case "sendmessage": {
        const text = typeof params.text === "string" ? params.text : "";
        if (!params.chat_id) return "Bad Request: chat_id is empty";
        if (!text.trim()) return "Bad Request: message text is empty";
        if (text.length > 4096) return "Bad Request: message is too long";
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
    addAdmin: (chatId, userId) => void admins.add(`${chatId}:${userId}`),
    failNext: (method, ...f) => {
      const key = method.toLowerCase();
      faults.set(key, [...(faults.get(key) ?? []), ...f]);
    },
    waitForMessages: (count, opts) => delivered.waitFor(count, opts),
    reset: () => {
      calls.length = 0;
      faults.clear();
      delivered.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function parseParams(body: string, contentType: string): Record<string, unknown> {
  if (!body) return {};
  if (contentType.includes("application/json")) return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}
