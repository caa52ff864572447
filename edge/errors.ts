/**
 * The few ways work fails, told apart because each is handled differently: a platform that answered
 * with an error (may carry retry_after), a network call whose outcome is unknown (never repeated
 * blindly), a model origin that failed or timed out (the user gets an apology), and a setting that is
 * missing or malformed (the Worker refuses to run).
 */
export class PlatformError extends Error {
  override readonly name = "PlatformError";
  constructor(
    readonly platform: string,
    readonly method: string,
    /** HTTP status of the platform's answer. */
    readonly status: number,
    readonly description: string,
    /** Seconds to wait before the next call: the platform's retry_after, or a backoff for its rate limits. */
    readonly retryAfterSeconds?: number,
    /** The platform's own error code (WhatsApp's 131056, …), when it gives one. */
    readonly code?: number,
  ) {
    super(`${platform} ${method} failed with ${status}${code ? ` (${code})` : ""}: ${description}`);
  }
}

/** The platform accepts no free text to this user now (WhatsApp, 24 h after their last message). */
export class WindowClosedError extends Error {
  override readonly name = "WindowClosedError";
  constructor(readonly platform: string) {
    super(`${platform} accepts no free-form message to this user now`);
  }
}

export class NetworkError extends Error {
  override readonly name = "NetworkError";
  constructor(
    readonly target: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`network call to ${target} (${operation}) failed`, options);
  }
}

export type ModelFailure = "timeout" | "unavailable" | "bad_response" | "rejected";

export class UpstreamModelError extends Error {
  override readonly name = "UpstreamModelError";
  /** Part of the answer had already been handed on: the call must not be repeated elsewhere. */
  readonly streamed: boolean;
  constructor(
    readonly failure: ModelFailure,
    readonly region: string,
    detail: string,
    options?: { cause?: unknown; streamed?: boolean },
  ) {
    super(`model origin of region ${region}: ${failure} (${detail})`, options);
    this.streamed = options?.streamed ?? false;
  }
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The model's answer broke the content filter while streaming: the stream is stopped, nothing more is shown. */
export class OutputBlocked extends Error {
  override readonly name = "OutputBlocked";
  constructor(readonly rule: string) {
    super(`the answer broke content rule ${rule}`);
  }
}
