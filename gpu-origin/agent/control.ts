import type http from "node:http";
import type { AdmissionGate } from "#agent/admission";
import { log, sendJson } from "#agent/http";
import type { ReadinessState } from "#agent/probe";

export interface ControlOptions {
  gate: AdmissionGate;
  /** The readiness probe's state now. */
  readiness: () => ReadinessState;
  /** The agent's metrics in the Prometheus text format. */
  metrics: () => string;
  /** How long /drain waits for the requests in flight unless the caller asks for less or more. */
  drainTimeoutMs: number;
}

/**
 * The control listener (localhost only):
 * - `GET /ready`: 200 once a probe completion succeeded lately and the server is not draining, else
 *   503 with the reason. The pool's health check and auto-healing read it (through Caddy).
 * - `POST /drain[?timeout_seconds=N]`: /ready turns 503 and new requests get 503 at once; answers
 *   when nothing is in flight any more, or after the timeout, with `{drained, in_flight,
 *   waited_seconds}`. shutdown.sh calls it; it is never exposed by Caddy.
 * - `GET /agent-metrics`: the agent's Prometheus metrics.
 */
export function createControlHandler(options: ControlOptions): http.RequestListener {
  const { gate } = options;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://agent");
    const get = req.method === "GET" || req.method === "HEAD";
    if (get && url.pathname === "/ready") {
      const state = gate.draining ? "draining" : options.readiness();
      return sendJson(res, state === "ready" ? 200 : 503, { ready: state === "ready", state });
    }
    if (get && url.pathname === "/agent-metrics") {
      const text = options.metrics();
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      return void res.end(text);
    }
    if (req.method === "POST" && url.pathname === "/drain") {
      req.resume();
      const asked = Number(url.searchParams.get("timeout_seconds"));
      const timeoutMs = url.searchParams.has("timeout_seconds") && asked >= 0 ? asked * 1000 : options.drainTimeoutMs;
      const started = performance.now();
      const inFlightAtStart = gate.inFlight;
      gate.startDrain();
      log("drain_started", { in_flight: inFlightAtStart, timeout_seconds: timeoutMs / 1000 });
      const drained = await gate.whenIdle(timeoutMs);
      const waited = Math.round(performance.now() - started) / 1000;
      log("drain_done", { drained, in_flight: gate.inFlight, waited_seconds: waited });
      return sendJson(res, 200, { drained, in_flight: gate.inFlight, waited_seconds: waited });
    }
    sendJson(res, 404, { error: "not found" });
  };
  return (req, res) => {
    handle(req, res).catch(() => res.destroy());
  };
}
