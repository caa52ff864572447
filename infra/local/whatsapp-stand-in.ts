import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import { listen, readBody, sendJson } from "./http.js";
import { MessageLog, type Delivered } from "./message-log.js";

/**
 * A local stand-in for the WhatsApp Cloud API's messages endpoint
 * (`POST /<version>/<phone number id>/messages`), for the local stack and the tests. It answers as
 * the Graph API does (`{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid…"}]}`,
 * errors as `{"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}`), records
 * every call, and can be told to fail the next sends with a Graph error code (131056 pair rate limit,
 * 131047 outside the 24-hour window, …) or to drop the connection after the message was delivered.
 */
export interface WhatsAppCall {
  phoneNumberId: string;
  body: Record<string, unknown>;
  at: number;
}

export type WhatsAppFault =
  | { kind: "error"; status: number; code: number; details?: string }
  | { kind: "drop-after-delivery" }
  /** The request is taken and never answered (nothing delivered). */
  | { kind: "hang" }
  /** Delivered, and answered only after `ms`. */
  | { kind: "slow"; ms: number };

export interface WhatsAppStandIn {
  /** Base URL to give the edge as WHATSAPP_API_BASE. */
  url: string;
  calls: WhatsAppCall[];
  /** Text messages delivered, in order. */
  sent(to?: string): Delivered[];
  /** Template messages delivered: `{ chatId, text: <template name> }`. */
  templates(to?: string): Delivered[];
  failNext(...faults: WhatsAppFault[]): void;
  waitForMessages(count: number, opts?: { chatId?: string; timeoutMs?: number }): Promise<Delivered[]>;
  reset(): void;
  close(): Promise<void>;
}

const GRAPH_VERSION = "v23.0";

export async function startWhatsAppStandIn(options: {
  accessToken: string;
  port?: number;
  host?: string;
  onMessage?: (to: string, text: string) => void;
}): Promise<WhatsAppStandIn> {
  const calls: WhatsAppCall[] = [];
  const faults: WhatsAppFault[] = [];
  const texts = new MessageLog();
  const templates = new MessageLog();

  const graphError = (res: http.ServerResponse, status: number, code: number, message: string, details?: string) =>
    sendJson(res, status, {
      error: {
        message: `(#${code}) ${message}`,
        type: "OAuthException",
        code,
        error_data: { messaging_product: "whatsapp", details: details ?? message },
        fbtrace_id: randomBytes(8).toString("base64url"),
      },
    });

  const server = http.createServer(async (req, res) => {
    const m = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(new URL(req.url ?? "/", "http://graph").pathname);
    if (req.method !== "POST" || !m) return graphError(res, 400, 100, "Unsupported request", "Unknown path components");
    if ((req.headers.authorization ?? "") !== `Bearer ${options.accessToken}`) {
      return graphError(res, 401, 190, "Invalid OAuth access token - Cannot parse access token");
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(String(await readBody(req))) as Record<string, unknown>;
    } catch {
      return graphError(res, 400, 100, "Invalid parameter", "Request body is not JSON");
    }
    if (body.messaging_product !== "whatsapp")
      return graphError(res, 400, 100, "Invalid parameter", "messaging_product must be whatsapp");
    const phoneNumberId = m[2]!;
    // Read receipts and typing indicators are not messages: they neither fail nor count as sends.
    if (body.status === "read") {
      calls.push({ phoneNumberId, body, at: Date.now() });
      return sendJson(res, 200, { success: true });
    }
    const fault = faults.shift();
    if (fault?.kind === "hang") {
      calls.push({ phoneNumberId, body: { ...body, _hung: true }, at: Date.now() });
      return; // the socket stays open, unanswered, until the client gives up
    }
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "error") {
      calls.push({ phoneNumberId, body: { ...body, _failed: fault.code }, at: Date.now() });
      return graphError(res, fault.status, fault.code, "Scripted failure", fault.details);
    }
    calls.push({ phoneNumberId, body, at: Date.now() });
    // A phone number (`to`), or a user known only by their business-scoped id (`recipient`).
    const to = String(body.to ?? body.recipient ?? "");
    if (!to) return graphError(res, 400, 100, "Invalid parameter", "to or recipient is required");
    if (body.to !== undefined && !/^\+?\d{6,15}$/.test(String(body.to))) {
      return graphError(res, 400, 100, "Invalid parameter", "to must be a phone number; send a BSUID as recipient");
    }
    if (body.type === "text") {
      const text = String((body.text as { body?: unknown } | undefined)?.body ?? "");
      if (!text) return graphError(res, 400, 100, "Invalid parameter", "text.body is required");
      if (text.length > 4096)
        return graphError(
          res,
          400,
          100,
          "Invalid parameter",
          "Param text['body'] must be at most 4096 characters long.",
        );
      texts.add({ chatId: to, text });
      options.onMessage?.(to, text);
    } else if (body.type === "template") {
      templates.add({ chatId: to, text: String((body.template as { name?: unknown } | undefined)?.name ?? "") });
    } else {
      return graphError(res, 400, 100, "Invalid parameter", `Unsupported type ${String(body.type)}`);
    }
    if (fault?.kind === "drop-after-delivery") return void res.socket?.destroy();
    sendJson(res, 200, {
      messaging_product: "whatsapp",
      contacts: [body.to !== undefined ? { input: to, wa_id: to } : { input: to, user_id: to }],
      messages: [{ id: `wamid.${randomBytes(18).toString("base64url")}` }],
    });
  });

  const base = await listen(server, options);
  return {
    url: `${base}/${GRAPH_VERSION}`,
    calls,
    sent: (to) => texts.list(to),
    templates: (to) => templates.list(to),
    failNext: (...f) => void faults.push(...f),
    waitForMessages: (count, opts) => texts.waitFor(count, opts),
    reset: () => {
      calls.length = 0;
      faults.length = 0;
      texts.clear();
      templates.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** X-Hub-Signature-256 for a body, as Meta signs webhooks with the app secret. */
export function signWhatsAppBody(appSecret: string, body: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}
