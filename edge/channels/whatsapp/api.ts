import { withinMs } from "../../deadline.js";
import { NetworkError, PlatformError } from "../../errors.js";
import { WHATSAPP_RATE_LIMIT_CODES } from "./constants.js";
import { GraphErrorBody } from "./schema.js";
import { PLATFORM_MAX_INLINE_WAIT_SECONDS } from "../../limits.js";

export interface GraphApi {
  /** POST {base}/{phone number id}/messages. */
  messages(body: Record<string, unknown>): Promise<unknown>;
}

/**
 * The Cloud API's messages endpoint. Rate limits (HTTP 429, 130429 throughput, 131056 pair rate) are
 * waited out with backoff, up to half a minute in all; a network failure is never repeated, as the
 * message may already be on the user's phone.
 */
export function graphApi(options: {
  apiBase: string;
  phoneNumberId: string;
  accessToken: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Each request's deadline (TIMEOUT_PLATFORM_MS): past it, the request failed on the network. */
  timeoutMs: number;
}): GraphApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const url = `${options.apiBase}/${options.phoneNumberId}/messages`;
  return {
    async messages(body) {
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        const { response, json } = await withinMs(options.timeoutMs, async (signal) => {
          let response: Response;
          try {
            response = await doFetch(url, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${options.accessToken}` },
              body: JSON.stringify({ messaging_product: "whatsapp", ...body }),
              signal,
            });
          } catch (cause) {
            throw new NetworkError("whatsapp", "messages", { cause });
          }
          try {
            return { response, json: (await response.json()) as unknown };
          } catch (cause) {
            throw new NetworkError("whatsapp", "messages", { cause });
          }
        });
        if (response.ok) return json;
        const parsed = GraphErrorBody.safeParse(json);
        const code = parsed.success ? parsed.data.error.code : undefined;
        const description =
          (parsed.success && (parsed.data.error.error_data?.details ?? parsed.data.error.message)) ||
          `HTTP ${response.status}`;
        const base =
          (code !== undefined ? WHATSAPP_RATE_LIMIT_CODES[code] : undefined) ??
          (response.status === 429 ? 1 : undefined);
        if (base === undefined)
          throw new PlatformError("whatsapp", "messages", response.status, description, undefined, code);
        const wait = base * 2 ** (attempt - 1);
        if (waited + wait > PLATFORM_MAX_INLINE_WAIT_SECONDS) {
          throw new PlatformError("whatsapp", "messages", response.status, description, wait, code);
        }
        waited += wait;
        await sleep(wait * 1000);
      }
    },
  };
}
