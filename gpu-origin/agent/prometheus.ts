/**
 * Reading vLLM's `/metrics` (the Prometheus text exposition format, as Python's prometheus_client
 * writes it) and rendering the agent's own.
 */

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

// name, optional {labels}, value, optional timestamp. The label block is taken up to the last "}"
// on the line: label values may hold "}" (and "," or spaces), the value and timestamp never do.
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;

/**
 * Every sample of a Prometheus text exposition. Comments (`# HELP`, `# TYPE`, others) and blank lines
 * are skipped; so is a malformed line, rather than failing the whole read: one metric a new vLLM
 * release writes differently must not blind the agent to the three it needs.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels = match[2] === undefined ? {} : parseLabels(match[2]);
    const value = parseValue(match[3]!);
    if (labels === undefined || value === undefined) continue;
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** `a="x",b="y \"quoted\""` → { a: "x", b: 'y "quoted"' }; undefined when malformed. */
function parseLabels(block: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < block.length) {
    while (block[i] === " " || block[i] === ",") i++;
    if (i >= block.length) break;
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(block.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (block[i] === " ") i++;
    if (block[i] !== "=") return undefined;
    i++;
    while (block[i] === " ") i++;
    if (block[i] !== '"') return undefined;
    i++;
    let value = "";
    for (;;) {
      const c = block[i];
      if (c === undefined) return undefined;
      i++;
      if (c === '"') break;
      if (c === "\\") {
        const next = block[i++];
        value += next === "n" ? "\n" : (next ?? "");
      } else value += c;
    }
    labels[name] = value;
  }
  return labels;
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** The vLLM gauges the agent scales on (names as vLLM v0.33.0 exposes them). */
const VLLM_GAUGES = {
  running: "vllm:num_requests_running",
  waiting: "vllm:num_requests_waiting",
  kvCacheUsage: "vllm:kv_cache_usage_perc",
} as const;

/** What one read of vLLM's `/metrics` says about its load. */
export interface VllmLoad {
  /** Requests in the running batch (at most --max-num-seqs). */
  running: number;
  /** Requests waiting for a sequence. */
  waiting: number;
  /** KV-cache blocks in use, 0–1. */
  kvCacheUsage: number;
}

/**
 * The load in one exposition, or undefined when one of the three gauges is missing. With several
 * engines (data parallelism) requests add up and the fullest cache counts. Names must match exactly:
 * vLLM also writes `vllm:num_requests_waiting_by_reason`, which must not be counted twice.
 */
export function vllmLoad(samples: readonly Sample[]): VllmLoad | undefined {
  const of = (name: string) => samples.filter((s) => s.name === name && Number.isFinite(s.value)).map((s) => s.value);
  const running = of(VLLM_GAUGES.running);
  const waiting = of(VLLM_GAUGES.waiting);
  const kv = of(VLLM_GAUGES.kvCacheUsage);
  if (!running.length || !waiting.length || !kv.length) return undefined;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { running: sum(running), waiting: sum(waiting), kvCacheUsage: Math.max(...kv) };
}

/** One metric family of the agent's own exposition. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

/** The text exposition of `families` (format 0.0.4, what Prometheus scrapes). */
export function renderPrometheusText(families: readonly Family[]): string {
  const escape = (v: string) => v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
  const number = (v: number) =>
    Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const block = labels.length ? `{${labels.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}` : "";
      lines.push(`${f.name}${block} ${number(s.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
