import { withinMs } from "../../deadline.js";
import { NetworkError, PlatformError } from "../../errors.js";
import { BotApiResponse } from "./schema.js";
import { PLATFORM_MAX_INLINE_WAIT_SECONDS, TELEGRAM_API_MAX_ATTEMPTS } from "../../limits.js";

export interface BotApi {
  /**
   * One Bot API method. A 429 is waited out in place (up to 30 s) unless `waitOnRateLimit` is false:
   * then it is thrown at once, for calls that are better skipped than late (drafts).
   */
  call(method: string, params: Record<string, unknown>, options?: { waitOnRateLimit?: boolean }): Promise<unknown>;
}

/**
 * A Bot API client. A 429 is retried after the `retry_after` Telegram gives (which it enforces: an
 * early retry extends the ban). A request that fails on the network is not repeated: Telegram may
 * already have delivered it, and there is no idempotency key to make a repeat safe.
 */
export function botApi(options: {
  apiBase: string;
  token: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Each request's deadline (TIMEOUT_PLATFORM_MS): past it, the request failed on the network. */
  timeoutMs: number;
}): BotApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async call(method, params, { waitOnRateLimit = true } = {}) {
      for (let attempt = 1; ; attempt++) {
        const { response, body } = await withinMs(options.timeoutMs, async (signal) => {
          let response: Response;
          try {
            response = await doFetch(`${options.apiBase}/bot${options.token}/${method}`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(params),
              signal,
            });
          } catch (cause) {
            throw new NetworkError("telegram", method, { cause });
          }
          try {
            return { response, body: BotApiResponse.parse(await response.json()) };
          } catch (cause) {
            // The request reached Telegram; only its answer is unreadable, so the outcome is unknown.
            throw new NetworkError("telegram", method, { cause });
          }
        });
        if (body.ok) return body.result;
        const retryAfter = body.parameters?.retry_after;
        const error = new PlatformError(
          "telegram",
          method,
          body.error_code ?? response.status,
          body.description ?? "",
          retryAfter,
        );
        if (
          waitOnRateLimit &&
          error.status === 429 &&
          retryAfter !== undefined &&
          retryAfter <= PLATFORM_MAX_INLINE_WAIT_SECONDS &&
          attempt < TELEGRAM_API_MAX_ATTEMPTS
        ) {
          await sleep(retryAfter * 1000);
          continue;
        }
        throw error;
      }
    },
  };
}
