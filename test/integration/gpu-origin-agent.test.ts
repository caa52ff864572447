import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATED_MODEL, startEmulator, type Emulator } from "../../gpu-origin/emulator/server.js";

/**
 * The agent as it runs on a GPU server: a real process (Node running gpu-origin/agent/main.ts) in
 * front of the gpt-oss emulator standing in for vLLM (the emulator's own capacity mode off: the agent
 * is the admission), with a stand-in for vLLM's /metrics and one for Google (the GCE metadata server
 * and Cloud Monitoring's projects.timeSeries.create), speaking their real REST shapes.
 */

const KEY = "integration-origin-key-7d1f";
const MAX_NUM_SEQS = 2;
const MAX_WAITING = 1;
const METADATA = {
  "/computeMetadata/v1/project/project-id": "acme-staging",
  "/computeMetadata/v1/instance/id": "4507812386411093231",
  "/computeMetadata/v1/instance/zone": "projects/123456789012/zones/europe-west4-b",
};
// vLLM's gauges as the stand-in reports them: the published queue load is (5 + 2 + refused × 3 / 15) / 2.
const VLLM_METRICS = [
  "# HELP vllm:num_requests_running Number of requests in model execution batches.",
  "# TYPE vllm:num_requests_running gauge",
  `vllm:num_requests_running{engine="0",model_name="${EMULATED_MODEL}"} 5.0`,
  "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
  "# TYPE vllm:num_requests_waiting gauge",
  `vllm:num_requests_waiting{engine="0",model_name="${EMULATED_MODEL}"} 2.0`,
  `vllm:num_requests_waiting_by_reason{engine="0",model_name="${EMULATED_MODEL}",reason="capacity"} 2.0`,
  "# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.",
  "# TYPE vllm:kv_cache_usage_perc gauge",
  `vllm:kv_cache_usage_perc{engine="0",model_name="${EMULATED_MODEL}"} 0.42`,
  "",
].join("\n");

interface Write {
  path: string;
  authorization: string | undefined;
  body: {
    timeSeries: Array<{
      metric: { type: string };
      resource: { type: string; labels: Record<string, string> };
      metricKind: string;
      valueType: string;
      points: Array<{ interval: { endTime: string }; value: { doubleValue: number } }>;
    }>;
  };
}

let emulator: Emulator;
let google: http.Server;
let metrics: http.Server;
let agent: ChildProcess;
let output = "";
let proxyUrl: string;
let controlUrl: string;
const writes: Write[] = [];
const metadataRequests: Array<{ path: string; flavor: string | undefined }> = [];
let failNextWrite = true;

async function serve(handler: http.RequestListener): Promise<[http.Server, string]> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const chat = (content: string, init: RequestInit = {}) =>
  fetch(`${proxyUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: EMULATED_MODEL, messages: [{ role: "user", content }], stream: true }),
    ...init,
  });

/** Reads an SSE response: `first` resolves at the first answer token, `done` with the whole answer. */
function readStream(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let resolveFirst = () => {};
  const first = new Promise<void>((r) => (resolveFirst = r));
  const done = (async () => {
    let buffer = "";
    let content = "";
    let last = "";
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split("\n\n");
      buffer = events.pop()!;
      for (const event of events.filter((e) => e.startsWith("data: ")).map((e) => e.slice(6))) {
        last = event;
        if (event === "[DONE]") continue;
        const delta = (JSON.parse(event) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta;
        if (delta?.content) {
          content += delta.content;
          resolveFirst();
        }
      }
    }
    return { content, ended: last === "[DONE]" };
  })();
  return { first, done };
}

const agentMetric = async (line: string) => {
  const text = await (await fetch(`${controlUrl}/agent-metrics`)).text();
  return Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`${line} `))
      ?.split(" ")[1],
  );
};

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: KEY, tokensPerSecond: 0 });
  // The first request vLLM gets is the agent's first probe: slow, so the agent starts unready.
  emulator.enqueue({ content: "ready", firstTokenMs: 1_000 });
  let googleUrl: string;
  [google, googleUrl] = await serve(async (req, res) => {
    const path = new URL(req.url!, "http://google").pathname;
    if (path.startsWith("/computeMetadata/")) {
      const flavor = req.headers["metadata-flavor"] as string | undefined;
      metadataRequests.push({ path, flavor });
      // The real metadata server refuses requests without the header.
      if (flavor !== "Google") return void res.writeHead(403).end();
      if (path === "/computeMetadata/v1/instance/service-accounts/default/token") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ access_token: "ya29.stand-in", expires_in: 3599, token_type: "Bearer" }));
      }
      const value = METADATA[path as keyof typeof METADATA];
      return void (value
        ? res.writeHead(200, { "content-type": "application/text" }).end(value)
        : res.writeHead(404).end());
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === "POST" && /^\/v3\/projects\/[^/]+\/timeSeries$/.test(path)) {
      if (failNextWrite) {
        failNextWrite = false;
        res.writeHead(503, { "content-type": "application/json" });
        return void res.end(
          '{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}',
        );
      }
      writes.push({
        path,
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      });
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end("{}");
    }
    res.writeHead(404).end();
  });
  let metricsUrl: string;
  [metrics, metricsUrl] = await serve((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(VLLM_METRICS);
  });

  agent = spawn(process.execPath, ["gpu-origin/agent/main.ts"], {
    env: {
      PATH: process.env.PATH,
      AGENT_PROXY_PORT: "0",
      AGENT_CONTROL_PORT: "0",
      AGENT_SERVE_FLAGS_FILE: "/nonexistent",
      AGENT_MAX_NUM_SEQS: String(MAX_NUM_SEQS),
      AGENT_MAX_WAITING: String(MAX_WAITING),
      AGENT_RETRY_AFTER_SECONDS: "3",
      AGENT_BOOT_PROBE_INTERVAL_SECONDS: "0.1",
      AGENT_METRICS_POLL_SECONDS: "0.1",
      AGENT_PUBLISH_SECONDS: "0.3",
      AGENT_DRAIN_TIMEOUT_SECONDS: "10",
      VLLM_URL: emulator.url,
      VLLM_METRICS_URL: `${metricsUrl}/metrics`,
      VLLM_MODEL: EMULATED_MODEL,
      ORIGIN_API_KEY: KEY,
      GCE_METADATA_URL: googleUrl,
      CLOUD_MONITORING_URL: googleUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  agent.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const listening = await until(
    "the agent to listen",
    () => /listening proxy=(\S+) control=(\S+)/.exec(output) ?? undefined,
  );
  proxyUrl = `http://${listening[1]}`;
  controlUrl = `http://${listening[2]}`;
});

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill("SIGKILL");
    await new Promise((r) => agent.once("exit", r));
  }
  await emulator?.close();
  google?.close();
  metrics?.close();
});

describe("gpu-origin agent in front of vLLM", () => {
  it("is not ready, and lets nothing through, until a probe completion succeeds", async () => {
    const ready = await fetch(`${controlUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, state: "booting" });
    const early = await chat("too early");
    expect(early.status).toBe(503);
    // With Retry-After: this server cannot, another of the pool can (the edge spills, blaming no one).
    expect(early.headers.get("retry-after")).toBe("3");
    expect(((await early.json()) as { error: { type: string } }).error.type).toBe("ServiceUnavailableError");
    expect(emulator.requests.filter((r) => r.body.messages?.[0]?.content === "too early")).toEqual([]);

    await until("/ready to answer 200", async () => (await fetch(`${controlUrl}/ready`)).status === 200);
    // What made it ready: a real, small, low-effort completion, with the key.
    const probe = emulator.requests[0]!;
    expect(probe.authorized).toBe(true);
    expect(probe.body).toMatchObject({ model: EMULATED_MODEL, reasoning_effort: "low", stream: false });
    expect(probe.body.max_tokens).toBeLessThanOrEqual(64);
  });

  it("streams the answer through as vLLM writes it", async () => {
    emulator.enqueue({ reasoning: "Brief.", content: "one two three four five six", tokenGapMs: 150 });
    const response = await chat("count to six");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const stream = readStream(response);
    await stream.first;
    // The first words arrived while vLLM was still writing the rest: nothing buffered on the way.
    const recorded = emulator.requests.at(-1)!;
    expect(recorded.body.messages?.[0]?.content).toBe("count to six");
    expect(recorded.finishedAt).toBeUndefined();
    expect(await stream.done).toEqual({ content: "one two three four five six", ended: true });
    // Gzipped for a client that accepts it (this one's fetch, as the edge's), event by event.
    expect(response.headers.get("content-encoding")).toBe("gzip");
  });

  it("sends the stream as vLLM wrote it to a client that does not accept gzip", async () => {
    emulator.enqueue({ content: "plain words", tokenGapMs: 20 });
    const raw = await new Promise<{ encoding: string | undefined; body: string }>((resolve, reject) => {
      const req = http.request(
        `${proxyUrl}/v1/chat/completions`,
        { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" } },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body }));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ model: EMULATED_MODEL, messages: [{ role: "user", content: "hi" }], stream: true }));
    });
    expect(raw.encoding).toBeUndefined();
    expect(raw.body).toContain("data: [DONE]");
  });

  it("admits max-num-seqs + max-waiting, refuses the next at once with 429 and Retry-After", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const controllers = [1, 2, 3].map(() => new AbortController());
    for (const _ of controllers) emulator.enqueue({ reasoning: "Go.", content: long, tokenGapMs: 100 });
    const streams = await Promise.all(
      controllers.map(async (c, i) => {
        const response = await chat(`long ${i}`, { signal: c.signal });
        expect(response.status).toBe(200);
        const s = readStream(response);
        s.done.catch(() => undefined);
        await s.first;
        return s;
      }),
    );
    expect(streams).toHaveLength(MAX_NUM_SEQS + MAX_WAITING);
    expect(await agentMetric("gpu_origin_agent_in_flight")).toBe(3);

    const started = performance.now();
    // As the edge asks: with the chat's key in the pool's hash.
    const refused = await chat("one too many", {
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "x-chat-affinity": "q2Vx1dK0b9TzWm4A",
      },
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("3");
    expect(await refused.json()).toEqual({
      error: { message: expect.stringContaining("retry after 3 s"), type: "RateLimitError", param: null, code: 429 },
    });
    expect(emulator.requests.filter((r) => r.body.messages?.[0]?.content === "one too many")).toEqual([]);
    expect(await agentMetric('gpu_origin_agent_refused_total{reason="full"}')).toBe(1);

    // The edge gives up on them (a newer message superseded the reply): vLLM stops generating.
    for (const c of controllers) c.abort();
    const longOnes = () => emulator.requests.filter((r) => r.body.messages?.[0]?.content?.startsWith("long "));
    await until("vLLM to see the requests cancelled", () => longOnes().every((r) => r.cancelled) || undefined);
    expect(longOnes().every((r) => r.finishedAt === undefined && r.tokens < 41)).toBe(true);
    await until("the admission to count them out", async () => (await agentMetric("gpu_origin_agent_in_flight")) === 0);
  });

  it("cuts the client's stream when vLLM's is cut, rather than ending it as if complete", async () => {
    emulator.enqueue({ reasoning: "Go.", content: "one two three four five six", cutAfterTokens: 2, tokenGapMs: 50 });
    const stream = readStream(await chat("cut me"));
    await stream.first;
    await expect(stream.done).rejects.toThrow();
    await until("the admission to count it out", async () => (await agentMetric("gpu_origin_agent_in_flight")) === 0);
  });

  it("writes queue load and KV-cache usage to Cloud Monitoring on the instance, after a failed write", async () => {
    // (5 running + 2 waiting + 1 chat refused, so held at the edge) / 2 sequences.
    const write = await until("a write counting the refusal", () =>
      writes.find((w) => Math.abs((w.body.timeSeries[0]?.points[0]?.value.doubleValue ?? 0) - 4) < 1e-9),
    );
    expect(write.path).toBe("/v3/projects/acme-staging/timeSeries");
    expect(write.authorization).toBe("Bearer ya29.stand-in");
    const resource = {
      type: "gce_instance",
      labels: { project_id: "acme-staging", instance_id: "4507812386411093231", zone: "europe-west4-b" },
    };
    expect(write.body.timeSeries).toEqual([
      {
        metric: { type: "custom.googleapis.com/gpu_origin/queue_load" },
        resource,
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        points: [{ interval: { endTime: expect.any(String) }, value: { doubleValue: expect.closeTo(4, 9) } }],
      },
      {
        metric: { type: "custom.googleapis.com/gpu_origin/kv_cache_usage" },
        resource,
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        points: [{ interval: { endTime: expect.any(String) }, value: { doubleValue: 0.42 } }],
      },
    ]);
    expect(Math.abs(Date.parse(write.body.timeSeries[0]!.points[0]!.interval.endTime) - Date.now())).toBeLessThan(
      10_000,
    );
    expect(metadataRequests.length).toBeGreaterThan(0);
    expect(metadataRequests.every((r) => r.flavor === "Google")).toBe(true);
    // The first write failed (503): logged by stage and status, and the next period wrote again.
    expect(failNextWrite).toBe(false);
    expect(output).toContain("publish_failed stage=write status=http_503");
    expect(await agentMetric("gpu_origin_agent_publish_failures_total")).toBe(1);
  });

  it("when vLLM goes away, refuses with 503 and Retry-After and is not ready until a probe completes again", async () => {
    const { port } = new URL(emulator.url);
    await emulator.close();
    const refused = await chat("while vLLM restarts");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("3");
    expect((await fetch(`${controlUrl}/ready`)).status).toBe(503);
    emulator = await startEmulator({ apiKey: KEY, tokensPerSecond: 0, port: Number(port) });
    await until("/ready to answer 200 again", async () => (await fetch(`${controlUrl}/ready`)).status === 200);
    expect((await chat("and now?")).status).toBe(200);
  });

  it("drains: /ready and new requests 503 at once, answering when the streams in flight have finished", async () => {
    emulator.enqueue(
      { reasoning: "Go.", content: "short reply here", tokenGapMs: 100 },
      { reasoning: "Go.", content: "a b c d e f g h i j", tokenGapMs: 100 },
    );
    const short = readStream(await chat("short one"));
    const long = readStream(await chat("long one"));
    await Promise.all([short.first, long.first]);
    const longRecorded = emulator.requests.find((r) => r.body.messages?.[0]?.content === "long one")!;

    let drainAnswered = false;
    const drain = fetch(`${controlUrl}/drain`, { method: "POST" }).then(async (r) => {
      drainAnswered = true;
      // By the time the drain answers, vLLM has written the longest answer whole.
      expect(longRecorded.finishedAt).toBeDefined();
      return {
        status: r.status,
        body: (await r.json()) as { drained: boolean; in_flight: number; waited_seconds: number },
      };
    });
    await until("/ready to turn 503", async () => (await fetch(`${controlUrl}/ready`)).status === 503, 1_000);
    expect(await (await fetch(`${controlUrl}/ready`)).json()).toEqual({ ready: false, state: "draining" });
    const refused = await chat("after the drain");
    expect(refused.status).toBe(503);

    expect(await short.done).toEqual({ content: "short reply here", ended: true });
    expect(drainAnswered).toBe(false);
    expect(await long.done).toEqual({ content: "a b c d e f g h i j", ended: true });
    const answer = await drain;
    expect(answer).toEqual({ status: 200, body: { drained: true, in_flight: 0, waited_seconds: expect.any(Number) } });
    expect(answer.body.waited_seconds).toBeGreaterThan(0.3);
    expect(longRecorded.cancelled).toBeUndefined();
  });

  it("never logs the key, a token or message content", () => {
    expect(output).toContain("[gpu-origin-agent] ready");
    for (const secret of [KEY, "ya29", "count to six", "one two three", "word1", "Reply with the word"])
      expect(output, secret).not.toContain(secret);
  });
});
