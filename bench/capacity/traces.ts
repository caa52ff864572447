import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Public LLM request traces, read where the workplace keeps them (`../shared/traces/` beside the
 * checkout, or CAPACITY_TRACES): never copied into the repository, whose bench/capacity/
 * trace-stats.json holds only statistics derived from them, with their sources.
 *
 * | trace | source (repository, path, commit) | licence |
 * |---|---|---|
 * | Azure LLM 2023, conversation | Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_conv.csv, 7909210150 | CC-BY 4.0 (Patel et al., "Splitwise", ISCA 2024) |
 * | Azure LLM 2023, code | same repository, data/AzureLLMInferenceTrace_code.csv | CC-BY 4.0 |
 * | Mooncake FAST'25, conversation | kvcache-ai/Mooncake, FAST25-release/traces/conversation_trace.jsonl, 3b5a5941 | Apache-2.0 (Qin et al., "Mooncake", FAST 2025) |
 */
export interface TraceRequest {
  /** Seconds from the trace's start. */
  at: number;
  /** Prompt and generated tokens, as the trace recorded them. */
  input: number;
  output: number;
}

export interface Trace {
  name: string;
  /** What the product's traffic is most like: conversations (the targets are checked on these). */
  kind: "conversation" | "code";
  source: string;
  requests: TraceRequest[];
}

const TRACES = [
  {
    name: "Azure LLM 2023 conversation",
    kind: "conversation",
    file: "azure-llm-2023-conv.csv",
    source: "Azure/AzurePublicDataset data/AzureLLMInferenceTrace_conv.csv (CC-BY 4.0, Splitwise ISCA'24)",
  },
  {
    name: "Mooncake FAST'25 conversation",
    kind: "conversation",
    file: "mooncake-fast25-conversation.jsonl",
    source: "kvcache-ai/Mooncake FAST25-release/traces/conversation_trace.jsonl (Apache-2.0, Mooncake FAST'25)",
  },
  {
    name: "Azure LLM 2023 code",
    kind: "code",
    file: "azure-llm-2023-code.csv",
    source: "Azure/AzurePublicDataset data/AzureLLMInferenceTrace_code.csv (CC-BY 4.0, Splitwise ISCA'24)",
  },
] as const;

/** The directory that holds the traces, or undefined when this machine has none. */
export function tracesDirectory(): string | undefined {
  const dir = resolve(process.env.CAPACITY_TRACES ?? "../shared/traces");
  return existsSync(resolve(dir, TRACES[0].file)) ? dir : undefined;
}

export function loadTraces(dir: string): Trace[] {
  return TRACES.filter((t) => existsSync(resolve(dir, t.file))).map((t) => ({
    name: t.name,
    kind: t.kind,
    source: t.source,
    requests: (t.file.endsWith(".csv") ? azure : mooncake)(readFileSync(resolve(dir, t.file), "utf8")),
  }));
}

/** `TIMESTAMP,ContextTokens,GeneratedTokens`, the timestamp a wall-clock time with 7 decimals. */
function azure(text: string): TraceRequest[] {
  const rows = text.trim().split("\n").slice(1);
  const parsed = rows.map((row) => {
    const [time = "", input, output] = row.split(",");
    return { t: Date.parse(`${time.slice(0, 23).replace(" ", "T")}Z`), input: Number(input), output: Number(output) };
  });
  const start = Math.min(...parsed.map((r) => r.t));
  return parsed
    .filter((r) => Number.isFinite(r.t) && r.input >= 0 && r.output >= 0)
    .map((r) => ({ at: (r.t - start) / 1000, input: r.input, output: r.output }))
    .sort((a, b) => a.at - b.at);
}

/** One JSON object a line: `timestamp` (ms), `input_length`, `output_length`. */
function mooncake(text: string): TraceRequest[] {
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { timestamp: number; input_length: number; output_length: number })
    .map((r) => ({ at: r.timestamp / 1000, input: r.input_length, output: r.output_length }))
    .sort((a, b) => a.at - b.at);
}
