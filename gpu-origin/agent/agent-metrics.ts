import type { Refusal } from "#agent/admission";
import { renderPrometheusText, type Family } from "#agent/prometheus";

/** The agent's own Prometheus metrics (`/agent-metrics`, scraped on 9443 beside vLLM's). */
export const AGENT_METRICS = {
  admitted: "gpu_origin_agent_admitted_total",
  refused: "gpu_origin_agent_refused_total",
  inFlight: "gpu_origin_agent_in_flight",
  capacity: "gpu_origin_agent_capacity",
  ready: "gpu_origin_agent_ready",
  draining: "gpu_origin_agent_draining",
  queueLoad: "gpu_origin_agent_queue_load",
  publishFailures: "gpu_origin_agent_publish_failures_total",
} as const;

export interface AgentSnapshot {
  admitted: number;
  refused: Readonly<Record<Refusal, number>>;
  inFlight: number;
  capacity: number;
  ready: boolean;
  draining: boolean;
  /** The last queue load computed for Cloud Monitoring; undefined before the first. */
  queueLoad: number | undefined;
  publishFailures: number;
}

export function renderAgentMetrics(s: AgentSnapshot): string {
  const families: Family[] = [
    {
      name: AGENT_METRICS.admitted,
      help: "Requests the admission let through to vLLM.",
      type: "counter",
      samples: [{ value: s.admitted }],
    },
    {
      name: AGENT_METRICS.refused,
      help: "Requests refused: full (429), not_ready or draining (503).",
      type: "counter",
      samples: (Object.keys(s.refused) as Refusal[]).map((reason) => ({
        labels: { reason },
        value: s.refused[reason],
      })),
    },
    {
      name: AGENT_METRICS.inFlight,
      help: "Requests in flight through the admission (running and waiting in vLLM).",
      type: "gauge",
      samples: [{ value: s.inFlight }],
    },
    {
      name: AGENT_METRICS.capacity,
      help: "Requests the admission lets in at once: max-num-seqs + max-waiting.",
      type: "gauge",
      samples: [{ value: s.capacity }],
    },
    {
      name: AGENT_METRICS.ready,
      help: "1 when /ready answers 200: a probe completion succeeded lately and not draining.",
      type: "gauge",
      samples: [{ value: s.ready ? 1 : 0 }],
    },
    {
      name: AGENT_METRICS.draining,
      help: "1 once /drain was called: no new request is let in.",
      type: "gauge",
      samples: [{ value: s.draining ? 1 : 0 }],
    },
    {
      name: AGENT_METRICS.queueLoad,
      help: "The queue load last computed for Cloud Monitoring: (running + waiting + refused estimate) / max-num-seqs.",
      type: "gauge",
      samples: s.queueLoad === undefined ? [] : [{ value: s.queueLoad }],
    },
    {
      name: AGENT_METRICS.publishFailures,
      help: "Writes to Cloud Monitoring that failed (each retried with fresh values the next period).",
      type: "counter",
      samples: [{ value: s.publishFailures }],
    },
  ];
  return renderPrometheusText(families);
}
