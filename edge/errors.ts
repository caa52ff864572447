import type { RegionId } from "./core/region-policy.js";

/**
 * The ways work fails, told apart because each is handled differently. Every one is an EdgeError
 * with a machine-readable `code`; app.ts's error handler is the one place that turns them into HTTP.
 */
export abstract class EdgeError extends Error {
  /** Stable and machine-readable: what error bodies, frames and logs carry. */
  abstract readonly code: string;
}

/** A request the edge refuses: the HTTP status, the body's code and message, and headers to send. */
export class HttpError extends EdgeError {
  override readonly name = "HttpError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 426 | 429 | 500 | 503 | 504,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What arrived is not the channel's shape: a 400, or an error frame on a socket. */
export class MalformedPayload extends EdgeError {
  override readonly name = "MalformedPayload";
  constructor(
    message: string,
    /** A short reason, for channels that answer with error codes (web chat frames). */
    readonly code = "bad_request",
  ) {
    super(message);
  }
}

/** A setting is missing or malformed: the Worker refuses to run (503), naming the setting, never its value. */
export class ConfigError extends EdgeError {
  override readonly name = "ConfigError";
  readonly code = "misconfigured";
}

/** The platform answered with an error (may carry retry_after). */
export class PlatformError extends EdgeError {
  override readonly name = "PlatformError";
  readonly code = "platform_error";
  constructor(
    readonly platform: string,
    readonly method: string,
    /** HTTP status of the platform's answer. */
    readonly status: number,
    readonly description: string,
    /** Seconds to wait before the next call: the platform's retry_after, or a backoff for its rate limits. */
    readonly retryAfterSeconds?: number,
    /** The platform's own error code (WhatsApp's 131056, …), when it gives one. */
    readonly platformCode?: number,
  ) {
    super(`${platform} ${method} failed with ${status}${platformCode ? ` (${platformCode})` : ""}: ${description}`);
  }
}

/** The platform accepts no free text to this user now (WhatsApp, 24 h after their last message). */
export class WindowClosedError extends EdgeError {
  override readonly name = "WindowClosedError";
  readonly code = "window_closed";
  constructor(readonly platform: string) {
    super(`${platform} accepts no free-form message to this user now`);
  }
}

/** A network call whose outcome is unknown: never repeated blindly (the platform may have acted on it). */
export class NetworkError extends EdgeError {
  override readonly name = "NetworkError";
  readonly code = "network_error";
  constructor(
    readonly target: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`network call to ${target} (${operation}) failed`, options);
  }

  /** No answer came within the call's deadline (rather than a connection refused or cut). */
  get timedOut(): boolean {
    const cause = this.cause as { name?: unknown } | undefined;
    return cause?.name === "TimeoutError";
  }
}

/**
 * Why no model answered: `busy` is an origin (or every origin of a pool) saturated: it answered 429,
 * asking to be called again later; it is not broken, so no breaker counts it.
 */
export type ModelFailure = "timeout" | "unavailable" | "bad_response" | "rejected" | "busy";

/** A model origin failed or timed out: the user gets an apology or the FAQ's answer. */
export class UpstreamModelError extends EdgeError {
  override readonly name = "UpstreamModelError";
  readonly code: `model_${ModelFailure}`;
  /** Part of the answer had already been handed on: the call must not be repeated elsewhere. */
  readonly streamed: boolean;
  /** For `busy`: how long the origin asked the caller to wait (its Retry-After), in seconds. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly failure: ModelFailure,
    readonly region: RegionId,
    detail: string,
    options?: { cause?: unknown; streamed?: boolean; retryAfterSeconds?: number },
  ) {
    super(`model origin of region ${region}: ${failure} (${detail})`, options);
    this.code = `model_${failure}`;
    this.streamed = options?.streamed ?? false;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * Every server that may answer this user (their region's pool, its overflow, the fallbacks of the same
 * jurisdiction) is saturated or still booting: the message is to be held and asked again, not
 * answered with an apology. The inbox holds it (messengers), the web chat shows it queued, the HTTP
 * API answers 503 with Retry-After.
 */
export class CapacityShort extends EdgeError {
  override readonly name = "CapacityShort";
  readonly code = "capacity_short";
  constructor(
    readonly region: RegionId,
    /** When to ask again, at the soonest (the origin's Retry-After, or the edge's own wait). */
    readonly retryAfterSeconds: number,
  ) {
    super(`every server for region ${region} is saturated; retry in ${retryAfterSeconds} s`);
  }
}

/** The model's answer broke the content filter while streaming: the stream is stopped, nothing more is shown. */
export class OutputBlocked extends EdgeError {
  override readonly name = "OutputBlocked";
  readonly code = "output_blocked";
  constructor(
    readonly rule: string,
    /** What the user is told instead. */
    readonly reply: string,
  ) {
    super(`the answer broke content rule ${rule}`);
  }
}

/** Nothing was delivered and the platform asked to wait (or failed): the whole delivery may be retried. */
export class RetryDelivery extends EdgeError {
  override readonly name = "RetryDelivery";
  readonly code = "retry_delivery";
  constructor(
    readonly delaySeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`delivery to retry in ${delaySeconds} s`, options);
  }
}

/** A reply was cancelled while the model wrote it: more of its burst arrived, and the burst is asked again. */
export class Superseded extends EdgeError {
  override readonly name = "Superseded";
  readonly code = "superseded";
}

/**
 * A reply ran past its deadline (TIMEOUT_REPLY_MS) and was abandoned: whatever it would still send is
 * refused, so it cannot overtake or repeat the try that answers instead.
 */
export class ReplyAbandoned extends EdgeError {
  override readonly name = "ReplyAbandoned";
  readonly code = "reply_abandoned";
}
