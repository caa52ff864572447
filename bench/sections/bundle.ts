import { performance } from "node:perf_hooks";
import { startStack } from "../../infra/local/edge-stack.js";
import { bundleSize } from "../../scripts/deploy-check.js";
import { BENCH_REDIS_DB, ms, pct, type Row } from "../support.js";

export async function bundleAndColdStart(): Promise<Row[]> {
  const rows: Row[] = [];
  const { raw, gzip } = bundleSize();
  const colds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const stack = await startStack({ redisDb: BENCH_REDIS_DB });
    const ready = performance.now();
    await (await stack.mf.dispatchFetch(new URL("/healthz", stack.url))).text();
    colds.push(performance.now() - ready);
    await stack.close();
    void t0;
  }
  rows.push([
    "Worker bundle",
    `${(raw / 1024).toFixed(0)} KiB raw`,
    `${(gzip / 1024).toFixed(0)} KiB gzipped`,
    "limit 1024 KiB",
  ]);
  rows.push([
    "cold start: first request on a fresh isolate",
    "3 runs (/healthz, 3 regions probed)",
    `median ${ms(pct(colds, 50))}`,
    `max ${ms(Math.max(...colds))}`,
  ]);
  return rows;
}
