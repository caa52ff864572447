/**
 * The agent's settings, read once from the environment at start. Every knob is declared here once,
 * with its unit, default and reason; gpu-origin/README.md's table lists the same ones
 * (test/unit/gpu-origin/config.test.ts keeps the two equal).
 */

export interface Setting {
  /** The environment variable. */
  env: string;
  /** Its default as written in the environment, or undefined when it has none (required or derived). */
  default: string | undefined;
  /** What it is, in which unit, and why the default. */
  description: string;
}

export const SETTINGS = {
  host: {
    env: "AGENT_HOST",
    default: "127.0.0.1",
    description: "Address both listeners bind to. Only Caddy, on the same host, talks to the agent.",
  },
  proxyPort: {
    env: "AGENT_PROXY_PORT",
    default: "8001",
    description: "The admission proxy's port: Caddy sends `/v1/*` here, the agent forwards to vLLM.",
  },
  controlPort: {
    env: "AGENT_CONTROL_PORT",
    default: "8002",
    description:
      "`/ready`, `/drain` (POST) and `/agent-metrics`. Caddy exposes only `/ready` (443) and `/agent-metrics` (9443).",
  },
  vllmUrl: {
    env: "VLLM_URL",
    default: "http://127.0.0.1:8000",
    description: "vLLM's OpenAI-compatible server (bound to localhost by serve-flags.txt).",
  },
  vllmMetricsUrl: {
    env: "VLLM_METRICS_URL",
    default: undefined,
    description: "vLLM's Prometheus `/metrics`; default `$VLLM_URL/metrics`.",
  },
  model: {
    env: "VLLM_MODEL",
    default: "openai/gpt-oss-20b",
    description: "The model the readiness probe asks (vLLM's served model name).",
  },
  apiKey: {
    env: "ORIGIN_API_KEY",
    default: undefined,
    description:
      "vLLM's `--api-key`, for the readiness probe only (requests through the proxy carry the edge's own). Never logged.",
  },
  maxNumSeqs: {
    env: "AGENT_MAX_NUM_SEQS",
    default: undefined,
    description: "vLLM's `--max-num-seqs`; default: read from the serve flags file. Sequences vLLM runs at once.",
  },
  serveFlagsFile: {
    env: "AGENT_SERVE_FLAGS_FILE",
    default: "/etc/gpu-origin/serve-flags",
    description: "The serve flags startup.sh wrote (serve-flags.txt without comments), read for `--max-num-seqs`.",
  },
  maxWaiting: {
    env: "AGENT_MAX_WAITING",
    default: "32",
    description:
      "Requests admitted beyond `max-num-seqs` to wait in vLLM's queue; past `max-num-seqs + this` the agent answers 429. Half a batch: a waiting request starts within about one reply's time.",
  },
  retryAfterSeconds: {
    env: "AGENT_RETRY_AFTER_SECONDS",
    default: "3",
    description:
      "Retry-After of a 429, seconds: how often the edge retries a held message. Also the queue-load estimate's unit.",
  },
  probeIntervalSeconds: {
    env: "AGENT_PROBE_INTERVAL_SECONDS",
    default: "60",
    description: "Seconds between readiness probes (a real chat completion) once ready.",
  },
  bootProbeIntervalSeconds: {
    env: "AGENT_BOOT_PROBE_INTERVAL_SECONDS",
    default: "5",
    description:
      "Seconds between probes while not ready (loading, or after a failed probe): readiness follows within this.",
  },
  probeTimeoutSeconds: {
    env: "AGENT_PROBE_TIMEOUT_SECONDS",
    default: "60",
    description:
      "A probe slower than this fails. The probe waits in vLLM's queue like any request, so a saturated server still passes.",
  },
  probeMaxTokens: {
    env: "AGENT_PROBE_MAX_TOKENS",
    default: "32",
    description: "max_tokens of the probe (with reasoning_effort low): enough for any finish, cheap to generate.",
  },
  metricsPollSeconds: {
    env: "AGENT_METRICS_POLL_SECONDS",
    default: "1",
    description:
      "Seconds between reads of vLLM's `/metrics` (a local read of a few KB); each publish sends the mean of its period's reads, as bench/capacity models it.",
  },
  publishSeconds: {
    env: "AGENT_PUBLISH_SECONDS",
    default: "15",
    description:
      "Seconds between writes to Cloud Monitoring (0: off). Cloud Monitoring refuses points of one series written too close together; the autoscaler reads a minute's worth.",
  },
  refusalWindowSeconds: {
    env: "AGENT_REFUSAL_WINDOW_SECONDS",
    default: "30",
    description:
      "A chat refused as full within this many seconds counts as held at the edge for this server (queue load); longer than the edge's slowest retry (10 s once the user was told).",
  },
  drainTimeoutSeconds: {
    env: "AGENT_DRAIN_TIMEOUT_SECONDS",
    default: "60",
    description:
      "How long `/drain` (and SIGTERM) waits for the requests in flight, seconds: the longest reply (the edge's MODEL_TIMEOUT_MS).",
  },
  compressStreams: {
    env: "AGENT_COMPRESS_STREAMS",
    default: "on",
    description:
      "`on`: token streams go to a client that accepts gzip (the edge) gzipped, event by event: about a tenth of the bytes Google bills as egress. `off`: as vLLM writes them.",
  },
  metadataUrl: {
    env: "GCE_METADATA_URL",
    default: "http://metadata.google.internal",
    description: "The GCE metadata server: project, instance id, zone and the access token.",
  },
  monitoringUrl: {
    env: "CLOUD_MONITORING_URL",
    default: "https://monitoring.googleapis.com",
    description: "Cloud Monitoring's API, for `projects.timeSeries.create`.",
  },
} as const satisfies Record<string, Setting>;

export interface AgentConfig {
  host: string;
  proxyPort: number;
  controlPort: number;
  vllmUrl: URL;
  vllmMetricsUrl: URL;
  model: string;
  apiKey: string | undefined;
  maxNumSeqs: number;
  maxWaiting: number;
  retryAfterSeconds: number;
  /** AGENT_COMPRESS_STREAMS. */
  compressStreams: boolean;
  probeIntervalMs: number;
  bootProbeIntervalMs: number;
  probeTimeoutMs: number;
  probeMaxTokens: number;
  metricsPollMs: number;
  /** 0: publishing is off. */
  publishMs: number;
  refusalWindowMs: number;
  drainTimeoutMs: number;
  metadataUrl: URL;
  monitoringUrl: URL;
}

/** A setting that is missing or malformed; the message names it (never its value). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The configuration from `env`; `serveFlags` is the serve flags file's text (undefined when there is
 * none), read for `--max-num-seqs` when AGENT_MAX_NUM_SEQS is not set.
 */
export function readConfig(env: Env, serveFlags: string | undefined): AgentConfig {
  const text = (s: Setting): string => {
    const value = env[s.env]?.trim() || s.default;
    if (value === undefined) throw new ConfigError(`${s.env} is required`);
    return value;
  };
  const number = (s: Setting, { min, integer = false }: { min: number; integer?: boolean }): number => {
    const raw = text(s);
    const value = Number(raw);
    if (raw === "" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new ConfigError(`${s.env} must be ${integer ? "an integer" : "a number"} ≥ ${min}`);
    }
    return value;
  };
  const seconds = (s: Setting, min = 0.001) => Math.round(number(s, { min }) * 1000);
  const url = (s: Setting, value = text(s)): URL => {
    try {
      return new URL(value);
    } catch {
      throw new ConfigError(`${s.env} must be a URL`);
    }
  };
  const port = (s: Setting) => {
    const value = number(s, { min: 0, integer: true });
    if (value > 65535) throw new ConfigError(`${s.env} must be a port (0–65535)`);
    return value;
  };

  const onOff = (s: Setting) => {
    const v = (env[s.env]?.trim() || s.default || "").toLowerCase();
    if (v !== "on" && v !== "off") throw new ConfigError(`${s.env} must be on or off`);
    return v === "on";
  };
  const vllmUrl = url(SETTINGS.vllmUrl);
  if (vllmUrl.protocol !== "http:")
    throw new ConfigError(`${SETTINGS.vllmUrl.env} must be http:// (vLLM listens on localhost)`);
  const fromFlags = serveFlags === undefined ? undefined : maxNumSeqsFromServeFlags(serveFlags);
  let maxNumSeqs: number;
  if (env[SETTINGS.maxNumSeqs.env]?.trim()) maxNumSeqs = number(SETTINGS.maxNumSeqs, { min: 1, integer: true });
  else if (fromFlags !== undefined) maxNumSeqs = fromFlags;
  else {
    // vLLM's own default depends on the GPU and the release: guessing it would make every admission
    // and queue-load figure silently wrong.
    throw new ConfigError(
      `${SETTINGS.maxNumSeqs.env} is not set and ${SETTINGS.serveFlagsFile.env} has no --max-num-seqs`,
    );
  }
  const publishSeconds = number(SETTINGS.publishSeconds, { min: 0 });
  const refusalWindowMs = seconds(SETTINGS.refusalWindowSeconds);
  const retryAfterSeconds = number(SETTINGS.retryAfterSeconds, { min: 1, integer: true });
  if (refusalWindowMs < retryAfterSeconds * 1000) {
    // Each held message comes back once per Retry-After: a shorter window would miss some.
    throw new ConfigError(`${SETTINGS.refusalWindowSeconds.env} must be at least ${SETTINGS.retryAfterSeconds.env}`);
  }
  return {
    host: text(SETTINGS.host),
    proxyPort: port(SETTINGS.proxyPort),
    controlPort: port(SETTINGS.controlPort),
    vllmUrl,
    vllmMetricsUrl: env[SETTINGS.vllmMetricsUrl.env]?.trim()
      ? url(SETTINGS.vllmMetricsUrl)
      : new URL("/metrics", vllmUrl),
    model: text(SETTINGS.model),
    apiKey: env[SETTINGS.apiKey.env] || undefined,
    maxNumSeqs,
    maxWaiting: number(SETTINGS.maxWaiting, { min: 0, integer: true }),
    retryAfterSeconds,
    compressStreams: onOff(SETTINGS.compressStreams),
    probeIntervalMs: seconds(SETTINGS.probeIntervalSeconds),
    bootProbeIntervalMs: seconds(SETTINGS.bootProbeIntervalSeconds),
    probeTimeoutMs: seconds(SETTINGS.probeTimeoutSeconds),
    probeMaxTokens: number(SETTINGS.probeMaxTokens, { min: 1, integer: true }),
    metricsPollMs: seconds(SETTINGS.metricsPollSeconds),
    publishMs: Math.round(publishSeconds * 1000),
    refusalWindowMs,
    drainTimeoutMs: seconds(SETTINGS.drainTimeoutSeconds, 0),
    metadataUrl: url(SETTINGS.metadataUrl),
    monitoringUrl: url(SETTINGS.monitoringUrl),
  };
}

/**
 * `--max-num-seqs` from serve flags as startup.sh passes them to `vllm serve` (one flag or value per
 * word; `--flag value` or `--flag=value`; `#` starts a comment); undefined when absent. The last one
 * wins, as argparse does.
 */
export function maxNumSeqsFromServeFlags(flags: string): number | undefined {
  const words = flags
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, ""))
    .join(" ")
    .split(/\s+/)
    .filter(Boolean);
  let found: number | undefined;
  for (const [i, word] of words.entries()) {
    const value = word === "--max-num-seqs" ? words[i + 1] : word.startsWith("--max-num-seqs=") ? word.slice(15) : null;
    if (value === null) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError("--max-num-seqs in the serve flags is not an integer ≥ 1");
    found = n;
  }
  return found;
}
