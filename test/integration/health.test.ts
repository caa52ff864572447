import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../infra/local/edge-stack.js";
import type { MessageMetrics } from "../../edge/core/message-metrics.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

type Health = {
  status: string;
  regions: Record<
    string,
    { redis: string; origins: Array<{ origin: string; breaker: string; failures: number; health: string }> }
  >;
};
const health = async () => {
  const res = await stack.mf.dispatchFetch(new URL("/healthz", stack.url));
  return { status: res.status, body: (await res.json()) as Health };
};
const up = (region: string) => ({
  redis: "up",
  origins: [{ origin: `${region}1`, breaker: "closed", failures: 0, health: "up" }],
});

it("reports every region's database and origin as up", async () => {
  const { status, body } = await health();
  expect(status).toBe(200);
  expect(body).toEqual({
    status: "ok",
    regions: { eu: up("eu"), us: up("us"), apac: up("apac") },
  });
  // Addresses and keys stay private.
  expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|token|key/);
});

it("reports a region whose origin is down as degraded, and stays alive", async () => {
  await stack.emulator.close();
  const { status, body } = await health();
  expect(status).toBe(200);
  expect(body.status).toBe("degraded");
  expect(body.regions.eu).toEqual({
    redis: "up",
    origins: [{ origin: "eu1", breaker: "closed", failures: 0, health: "down" }],
  });
});

it("answers unknown routes with a JSON 404", async () => {
  const res = await stack.mf.dispatchFetch(new URL("/nope", stack.url));
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
});

it("records one metric per message, with channel, region, outcome and timings but no text", async () => {
  const withOrigin = await startStack();
  try {
    await withOrigin.sendUpdate(
      (await import("../../infra/local/edge-stack.js")).textUpdate(5501, "metrics please, secret words"),
    );
    await withOrigin.telegram.waitForMessages(1, { chatId: 5501 });
    await new Promise((r) => setTimeout(r, 200));
    const [record] = withOrigin.metrics.records;
    expect(record).toMatchObject({ channel: "telegram", region: "eu", outcome: "answered", delivery: "delivered" });
    expect(record!.totalMs).toBeGreaterThan(0);
    expect(record!.tokensOut).toBeGreaterThan(0);
    expect(record!.ackMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(withOrigin.metrics.records)).not.toContain("secret words");
    // A new user's first message reads their pin (none yet) and the region's FAQ, and writes the pin;
    // the next one finds both in the isolate's cache.
    expect(record).toMatchObject({ kvReads: 2, kvWrites: 1 });
    await withOrigin.sendUpdate((await import("../../infra/local/edge-stack.js")).textUpdate(5501, "and again"));
    await withOrigin.telegram.waitForMessages(2, { chatId: 5501 });
    await new Promise((r) => setTimeout(r, 200));
    expect(withOrigin.metrics.records[1]).toMatchObject({ kvReads: 0, kvWrites: 0 });
    // Each record carries the billed units used for its message (docs/COSTS.md prices them): at least
    // its webhook and queue batch, its queue write, read and acknowledgement, the inbox's RPC and
    // alarm, the rows the inbox stored, the inbox's wall time, and the log lines.
    const [first, second] = withOrigin.metrics.records as [MessageMetrics, MessageMetrics];
    for (const r of [first, second]) {
      expect(r.workerRequests).toBeGreaterThanOrEqual(2);
      expect(r.queueOps).toBeGreaterThanOrEqual(3);
      expect(r.doRequests).toBeGreaterThanOrEqual(2);
      expect(r.doRowsWritten).toBeGreaterThanOrEqual(2);
      expect(r.logLines).toBeGreaterThanOrEqual(1);
    }
    // The first reply's alarm (the model call within it) ended after its record: the next one carries it.
    expect(second.doWallMs).toBeGreaterThan(0);
    const text = await (await fetch(`${withOrigin.metrics.url}/metrics`)).text();
    // The metric names production's exporter serves from Analytics Engine (alerts read them).
    // Each reply says which model version answered it (core/rollout.ts: the name and a hash of its parts).
    expect(record!.version).toMatch(/^v1-[0-9a-f]{8}$/);
    expect(text).toMatch(
      /gateway_messages_5m\{channel="telegram",region="eu",outcome="answered",delivery="delivered",version="v1-[0-9a-f]{8}"\} 2/,
    );
    expect(text).toMatch(/gateway_reply_seconds_5m\{region="eu",quantile="0\.9"\} [\d.]+/);
  } finally {
    await withOrigin.close();
  }
});
