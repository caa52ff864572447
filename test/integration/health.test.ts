import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../infra/local/edge-stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const health = async () => {
  const res = await stack.mf.dispatchFetch(new URL("/healthz", stack.url));
  return { status: res.status, body: (await res.json()) as { status: string; regions: Record<string, { redis: string; origin: string }> } };
};

it("reports every region's database and origin as up", async () => {
  const { status, body } = await health();
  expect(status).toBe(200);
  expect(body).toEqual({
    status: "ok",
    regions: { eu: { redis: "up", origin: "up" }, us: { redis: "up", origin: "up" }, apac: { redis: "up", origin: "up" } },
  });
  // Addresses and keys stay private.
  expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|token|key/);
});

it("reports a region whose origin is down as degraded, and stays alive", async () => {
  await stack.emulator.close();
  const { status, body } = await health();
  expect(status).toBe(200);
  expect(body.status).toBe("degraded");
  expect(body.regions.eu).toEqual({ redis: "up", origin: "down" });
});

it("answers unknown routes with a JSON 404", async () => {
  const res = await stack.mf.dispatchFetch(new URL("/nope", stack.url));
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
});
