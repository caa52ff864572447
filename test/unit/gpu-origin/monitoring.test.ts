import { describe, expect, it, vi } from "vitest";
import { KV_CACHE_USAGE_METRIC, QUEUE_LOAD_METRIC } from "../../../gpu-origin/agent/capacity.js";
import { createMonitoringPublisher, timeSeriesRequest, zoneName } from "../../../gpu-origin/agent/monitoring.js";

const instance = { projectId: "acme-prod", instanceId: "4507812386411093231", zone: "europe-west4-a" };
const at = new Date("2026-12-07T10:15:30.250Z");

describe("projects.timeSeries.create body", () => {
  it("writes one GAUGE DOUBLE series per metric on the instance's gce_instance resource", () => {
    expect(
      timeSeriesRequest(
        instance,
        [
          { metricType: QUEUE_LOAD_METRIC, value: 1.8125 },
          { metricType: KV_CACHE_USAGE_METRIC, value: 0.43 },
        ],
        at,
      ),
    ).toEqual({
      timeSeries: [
        {
          metric: { type: "custom.googleapis.com/gpu_origin/queue_load" },
          resource: {
            type: "gce_instance",
            labels: { project_id: "acme-prod", instance_id: "4507812386411093231", zone: "europe-west4-a" },
          },
          metricKind: "GAUGE",
          valueType: "DOUBLE",
          points: [{ interval: { endTime: "2026-12-07T10:15:30.250Z" }, value: { doubleValue: 1.8125 } }],
        },
        {
          metric: { type: "custom.googleapis.com/gpu_origin/kv_cache_usage" },
          resource: {
            type: "gce_instance",
            labels: { project_id: "acme-prod", instance_id: "4507812386411093231", zone: "europe-west4-a" },
          },
          metricKind: "GAUGE",
          valueType: "DOUBLE",
          points: [{ interval: { endTime: "2026-12-07T10:15:30.250Z" }, value: { doubleValue: 0.43 } }],
        },
      ],
    });
  });

  it("leaves out values JSON cannot carry, and writes an integer as a double", () => {
    const body = timeSeriesRequest(
      instance,
      [
        { metricType: QUEUE_LOAD_METRIC, value: Number.NaN },
        { metricType: KV_CACHE_USAGE_METRIC, value: 1 },
      ],
      at,
    );
    expect(body.timeSeries.map((t) => t.metric.type)).toEqual([KV_CACHE_USAGE_METRIC]);
    expect(JSON.parse(JSON.stringify(body)).timeSeries[0].points[0].value).toEqual({ doubleValue: 1 });
  });

  it("takes the zone's name from the metadata server's projects/<n>/zones/<zone>", () => {
    expect(zoneName("projects/123456789012/zones/europe-west4-b")).toBe("europe-west4-b");
    expect(zoneName("europe-west4-b\n")).toBe("europe-west4-b");
  });
});

/** A metadata server and Cloud Monitoring behind one fake fetch, recording what it was asked. */
function fakeGoogle(writeStatus: () => number) {
  const calls: Array<{ url: string; headers: Headers; body?: string }> = [];
  let tokens = 0;
  const fetch = vi.fn(async (input: URL | RequestInfo, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    calls.push({ url: url.pathname, headers, body: init?.body as string | undefined });
    if (url.host === "metadata.test") {
      if (headers.get("metadata-flavor") !== "Google") return new Response("", { status: 403 });
      const values: Record<string, string> = {
        "/computeMetadata/v1/project/project-id": "acme-prod",
        "/computeMetadata/v1/instance/id": "4507812386411093231",
        "/computeMetadata/v1/instance/zone": "projects/123456789012/zones/europe-west4-a",
      };
      if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
        tokens++;
        return Response.json({ access_token: `ya29.token-${tokens}`, expires_in: 3599, token_type: "Bearer" });
      }
      return values[url.pathname] ? new Response(values[url.pathname]) : new Response("", { status: 404 });
    }
    return new Response(writeStatus() === 200 ? "{}" : '{"error":{"status":"PERMISSION_DENIED"}}', {
      status: writeStatus(),
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls, tokens: () => tokens };
}

describe("Cloud Monitoring publisher", () => {
  const options = {
    metadataUrl: new URL("http://metadata.test"),
    monitoringUrl: new URL("https://monitoring.test"),
  };

  it("reads the instance and a token from the metadata server, then writes with the token", async () => {
    const google = fakeGoogle(() => 200);
    const log = vi.fn();
    const publisher = createMonitoringPublisher({ ...options, fetch: google.fetch, log, now: () => at.getTime() });
    expect(await publisher.publish([{ metricType: QUEUE_LOAD_METRIC, value: 0.5 }])).toBe(true);
    const write = google.calls.find((c) => c.url.startsWith("/v3/"))!;
    expect(write.url).toBe("/v3/projects/acme-prod/timeSeries");
    expect(write.headers.get("authorization")).toBe("Bearer ya29.token-1");
    expect(JSON.parse(write.body!).timeSeries[0].resource.labels).toEqual({
      project_id: "acme-prod",
      instance_id: "4507812386411093231",
      zone: "europe-west4-a",
    });
    for (const c of google.calls.filter((c) => c.url.startsWith("/computeMetadata/")))
      expect(c.headers.get("metadata-flavor")).toBe("Google");
    // The identity and the token are reused while the token lives.
    await publisher.publish([{ metricType: QUEUE_LOAD_METRIC, value: 0.6 }]);
    expect(google.calls.filter((c) => c.url.includes("instance/id"))).toHaveLength(1);
    expect(google.tokens()).toBe(1);
    expect(log).not.toHaveBeenCalled();
  });

  it("logs a failed write by its stage and status only, and asks for a new token after a 401", async () => {
    let status = 401;
    const google = fakeGoogle(() => status);
    const log = vi.fn();
    const publisher = createMonitoringPublisher({ ...options, fetch: google.fetch, log });
    expect(await publisher.publish([{ metricType: QUEUE_LOAD_METRIC, value: 0.5 }])).toBe(false);
    expect(log).toHaveBeenCalledWith("publish_failed", { stage: "write", status: "http_401" });
    expect(JSON.stringify(log.mock.calls)).not.toMatch(/ya29|PERMISSION_DENIED|queue_load/);
    status = 200;
    expect(await publisher.publish([{ metricType: QUEUE_LOAD_METRIC, value: 0.5 }])).toBe(true);
    expect(google.tokens()).toBe(2);
  });

  it("never throws: an unreachable metadata server is a logged failure", async () => {
    const log = vi.fn();
    const publisher = createMonitoringPublisher({
      ...options,
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as typeof fetch,
      log,
    });
    expect(await publisher.publish([{ metricType: QUEUE_LOAD_METRIC, value: 1 }])).toBe(false);
    expect(log).toHaveBeenCalledWith("publish_failed", { stage: "metadata", status: "network" });
  });
});
