/**
 * Writing the server's gauges to Cloud Monitoring, where the pool's autoscaler reads them:
 * `projects.timeSeries.create` (POST {monitoring}/v3/projects/{project}/timeSeries), one point per
 * series, on the monitored resource `gce_instance` (project_id, instance_id, zone), which is what a
 * per-instance autoscaling metric must be written against. The project, the instance, the zone and an
 * access token come from the GCE metadata server (the VM's own service account).
 */

export interface MonitoredInstance {
  projectId: string;
  /** The numeric instance id (not the name). */
  instanceId: string;
  /** The zone's name, e.g. europe-west4-a. */
  zone: string;
}

export interface GaugePoint {
  /** The metric type, e.g. custom.googleapis.com/gpu_origin/queue_load. */
  metricType: string;
  value: number;
}

/**
 * The request body of `projects.timeSeries.create`: one TimeSeries per point (GAUGE, DOUBLE; a gauge's
 * interval needs only its end time). Points whose value is not a finite number are left out: JSON
 * cannot carry them and Cloud Monitoring would refuse the whole request.
 */
export function timeSeriesRequest(instance: MonitoredInstance, points: readonly GaugePoint[], endTime: Date) {
  return {
    timeSeries: points
      .filter((p) => Number.isFinite(p.value))
      .map((p) => ({
        metric: { type: p.metricType },
        resource: {
          type: "gce_instance",
          labels: { project_id: instance.projectId, instance_id: instance.instanceId, zone: instance.zone },
        },
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        points: [{ interval: { endTime: endTime.toISOString() }, value: { doubleValue: p.value } }],
      })),
  };
}

/** The metadata server's `instance/zone` is `projects/<number>/zones/<zone>`: the zone is its last part. */
export function zoneName(metadataZone: string): string {
  return metadataZone.trim().split("/").at(-1) ?? "";
}

export interface PublisherOptions {
  metadataUrl: URL;
  monitoringUrl: URL;
  fetch?: typeof fetch;
  /** Logs a failure: what failed and its HTTP status or error kind, never a body, token or key. */
  log: (event: string, fields: Record<string, string | number>) => void;
  now?: () => number;
  timeoutMs?: number;
}

export interface Publisher {
  /** Writes the points; false when that failed (logged). Never throws. */
  publish(points: readonly GaugePoint[]): Promise<boolean>;
}

class PublishFailure extends Error {
  readonly stage: string;
  readonly status: string;
  constructor(stage: string, status: string) {
    super(`${stage}: ${status}`);
    this.stage = stage;
    this.status = status;
  }
}

/**
 * A publisher that reads the instance's identity once (again after a failure) and its token until
 * shortly before it expires. A failed write is logged and dropped: the next period writes fresher
 * values, and serving never waits on it.
 */
export function createMonitoringPublisher(options: PublisherOptions): Publisher {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let instance: MonitoredInstance | undefined;
  let token: { value: string; expiresAt: number } | undefined;

  const call = async (stage: string, url: URL, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const name = (error as { name?: string }).name;
      throw new PublishFailure(stage, name === "TimeoutError" ? "timeout" : "network");
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new PublishFailure(stage, `http_${response.status}`);
    }
    return response;
  };
  const metadata = async (path: string): Promise<string> => {
    const response = await call("metadata", new URL(`/computeMetadata/v1/${path}`, options.metadataUrl), {
      headers: { "Metadata-Flavor": "Google" },
    });
    return (await response.text()).trim();
  };
  const identity = async (): Promise<MonitoredInstance> => {
    if (instance) return instance;
    const [projectId, instanceId, zone] = await Promise.all([
      metadata("project/project-id"),
      metadata("instance/id"),
      metadata("instance/zone").then(zoneName),
    ]);
    if (!projectId || !instanceId || !zone) throw new PublishFailure("metadata", "empty");
    instance = { projectId, instanceId, zone };
    return instance;
  };
  const accessToken = async (): Promise<string> => {
    if (token && now() < token.expiresAt) return token.value;
    const response = await call(
      "token",
      new URL("/computeMetadata/v1/instance/service-accounts/default/token", options.metadataUrl),
      { headers: { "Metadata-Flavor": "Google" } },
    );
    const body = (await response.json().catch(() => undefined)) as
      { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== "string") throw new PublishFailure("token", "malformed");
    const lifetime = typeof body.expires_in === "number" ? body.expires_in : 300;
    // Renewed a minute early, so a token never expires between being read and being used.
    token = { value: body.access_token, expiresAt: now() + Math.max(0, lifetime - 60) * 1000 };
    return token.value;
  };

  return {
    async publish(points) {
      try {
        const target = await identity();
        const bearer = await accessToken();
        const body = timeSeriesRequest(target, points, new Date(now()));
        if (body.timeSeries.length === 0) return true;
        await call(
          "write",
          new URL(`/v3/projects/${encodeURIComponent(target.projectId)}/timeSeries`, options.monitoringUrl),
          {
            method: "POST",
            headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          },
        );
        return true;
      } catch (error) {
        const failure =
          error instanceof PublishFailure ? error : new PublishFailure("publish", (error as Error).name ?? "error");
        // A refused token (revoked, or the clock) is read again next time.
        if (failure.stage === "write" && failure.status === "http_401") token = undefined;
        if (failure.stage === "metadata") instance = undefined;
        options.log("publish_failed", { stage: failure.stage, status: failure.status });
        return false;
      }
    },
  };
}
