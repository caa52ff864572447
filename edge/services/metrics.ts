import { METRIC_BLOBS, METRIC_DOUBLES, type MessageMetrics } from "../core/message-metrics.js";

/**
 * One record per handled message: channel, region, outcome and timings, never text or user ids.
 * In production it is a Workers Analytics Engine data point (binding METRICS); locally, where the
 * runtime has no Analytics Engine, it is POSTed to the local stack's metrics endpoint (METRICS_URL).
 */
export interface MetricsSink {
  record(m: MessageMetrics): Promise<void>;
}

/** The Analytics Engine binding's one method used here. */
interface Dataset {
  writeDataPoint(point: { indexes: string[]; blobs: string[]; doubles: number[] }): void;
}

export function createMetricsSink(env: { METRICS?: Dataset; METRICS_URL?: string }): MetricsSink {
  return {
    async record(m) {
      if (env.METRICS) {
        env.METRICS.writeDataPoint({
          indexes: [m.region],
          blobs: METRIC_BLOBS.map((k) => m[k]),
          doubles: METRIC_DOUBLES.map((k) => m[k]),
        });
      } else if (env.METRICS_URL) {
        await fetch(env.METRICS_URL, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(m),
        });
      }
    },
  };
}
