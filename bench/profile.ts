import { writeFileSync } from "node:fs";
import WebSocket from "ws";

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples: number[];
}

/** A V8 CPU profile of the Worker's isolate, through workerd's inspector (Chrome DevTools protocol). */
export async function startProfile(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
    title?: string;
  }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((r) => ws.once("open", r));
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (msg.id !== mine) return;
        ws.off("message", onMessage);
        resolve(msg.result ?? {});
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  return {
    async stop(path: string) {
      const { profile } = (await call("Profiler.stop")) as unknown as { profile: CpuProfile };
      ws.close();
      writeFileSync(path, JSON.stringify(profile));
      // Self time per function, heaviest first.
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      for (const s of profile.samples) {
        const f = byId.get(s)!.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop() ?? ""}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + 1);
      }
      const total = profile.samples.length;
      console.log(`CPU profile written to ${path} (${total} samples); heaviest functions by self time:`);
      for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.log(`  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
    },
  };
}
