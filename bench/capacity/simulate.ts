import { quantile, random } from "../numbers.js";
import { A100_40GB, AUTOSCALER, BOOT_SECONDS } from "./calibration.js";

/**
 * A discrete-event model of one region's pool of GPU servers, the edge in front of it, and Google's
 * autoscaler, replaying a request trace. Each server runs vLLM's scheduler at the level of its engine
 * steps (calibration.ts): at most maxNumSeqs sequences, chunked prefill within a token budget, an
 * admission that queues up to `maxWaiting` more and refuses the rest (429). The pool's load balancer
 * sends a request to its least loaded ready server with room: the pool's consistent hashing keeps a
 * chat on one server, and a full server's chats ask again at random salted keys (other servers), so
 * least loaded is the optimistic end of that. Each server's agent counts the held chats whose key
 * hashes to it: an even share of those the edge holds. A request every server refuses is held by the edge (asked again every few seconds, a note
 * after the hold budget), or sent to the overflow. Servers boot before they serve, drain before they
 * go, and are paid for from creation to removal.
 */

export interface SimRequest {
  /** Arrival at the edge, seconds. */
  at: number;
  input: number;
  output: number;
}

export interface FleetPolicy {
  kind: "fixed" | "autoscaled" | "oracle";
  /** fixed: the servers, all the time. */
  servers?: number;
  /** autoscaled: Google's autoscaler on the per-server queue load, and on the edge's demand if set. */
  min?: number;
  max?: number;
  /**
   * Target of the per-server metric queue_load = (running + waiting + held for it) / maxNumSeqs, where
   * "held for it" is what the agent estimates from its refusals (refusals in the period × Retry-After /
   * period: each held message asks again every Retry-After seconds). Unbounded above, so a burst asks
   * for its servers in one decision.
   */
  targetQueueLoad?: number;
  /** The autoscaler's initialization period (cooldown_period): a new server's metrics are ignored this long. */
  cooldownSeconds?: number;
  /**
   * Scale-in controls (scale_in_control): the pool is never more than max_scaled_in_replicas (a number
   * of servers, or a percent of the peak) below the peak recommendation of the last time_window_sec.
   */
  scaleInMaxServers?: number;
  scaleInPercent?: number;
  scaleInWindowSeconds?: number;
  /** oracle: servers needed in each minute, known ahead (booted in time, boots paid for). */
  schedule?: number[];
}

export interface EdgePolicy {
  /** Requests waiting at a server beyond maxNumSeqs before its admission refuses (429). */
  maxWaiting: number;
  /** CAPACITY_RETRY_SECONDS, CAPACITY_HOLD_MS, CAPACITY_RETRY_AFTER_NOTE_SECONDS, CAPACITY_MAX_WAIT_MS. */
  retrySeconds: number;
  holdSeconds: number;
  retryAfterNoteSeconds: number;
  maxWaitSeconds: number;
  /** Send what every server refuses to the region's overflow endpoint instead of holding it. */
  overflow: boolean;
  /** A draining server's connections are cut after this long (connection_draining_timeout_sec). */
  drainSeconds: number;
}

export interface SimResult {
  requests: number;
  answered: number;
  /** Answered as for a model that is down, after CAPACITY_MAX_WAIT_MS (never silence). */
  gaveUp: number;
  /** Neither: must be 0. */
  lost: number;
  /** Seconds: whole reply, first token, and the part of the reply the pool's load added (reply − alone). */
  replies: number[];
  firstTokens: number[];
  added: number[];
  /** Seconds between a reply's tokens after the first (its stream's pace). */
  perToken: number[];
  /** P90 of the first token in each 5-minute window of arrivals. */
  windowP90FirstToken: number[];
  /** The pool's size after each decision of the autoscaler: [time, servers]. */
  decisions: Array<[number, number]>;
  held: number;
  heldSeconds: number[];
  busyNotes: number;
  overflowed: number;
  streamsCut: number;
  gpuHours: number;
  scaleOuts: number;
  scaleIns: number;
  /** The most scale-ins in any 10 minutes. */
  maxScaleInsPer10Min: number;
  /** Servers in the pool over time (one point a minute), and the autoscaler's largest single recommendation. */
  sizeByMinute: number[];
  /** Sequences in service (running + waiting, all servers) sampled each second. */
  demand: number[];
  inputTokens: number;
  outputTokens: number;
}

interface Req extends SimRequest {
  prefillLeft: number;
  /** Output tokens still to come once its prefill is done (the first comes with the prefill's last step). */
  decodeLeft: number;
  chunk: number;
  /** The server's decode clock at which its last token is out. */
  finishTick: number;
  admittedAt?: number;
  firstTokenAt?: number;
  doneAt?: number;
  heldSince?: number;
  noteSent?: boolean;
  overflow?: boolean;
  gaveUp?: boolean;
  server?: Server;
}

interface Server {
  id: number;
  createdAt: number;
  readyAt: number;
  state: "booting" | "ready" | "draining" | "gone";
  drainingSince?: number;
  goneAt?: number;
  /** Admitted, waiting for a sequence (vLLM's waiting queue). */
  waiting: Req[];
  /** Running, their prompt not yet all prefilled. */
  prefilling: Req[];
  /** Running and decoding, by the decode-clock tick their last token comes at. */
  decoding: MinHeap<Req>;
  /** Decode steps taken so far: every decoding sequence advances one token a step. */
  tick: number;
  /**
   * The engine steps under way: from `start`, `steps` steps of `stepMs` each (several only when every
   * running sequence is decoding: nothing changes then until the first of them finishes or a request
   * arrives, so the steps are taken at once). `version` tells the current step event from one that an
   * arrival replaced.
   */
  span: { start: number; stepMs: number; steps: number; chunked: Req[] } | undefined;
  version: number;
  /** Queue-load points the agent published: [time, value]. */
  samples: Array<[number, number]>;
  /** The agent's polls since its last point (it publishes their mean). */
  polls: number[];
}

type Event =
  | { t: number; kind: "arrive"; req: Req }
  | { t: number; kind: "step"; server: Server; version: number }
  | { t: number; kind: "ready"; server: Server }
  | { t: number; kind: "decide" }
  | { t: number; kind: "sample" }
  | { t: number; kind: "poll" }
  | { t: number; kind: "oracle"; minute: number };

/** A binary min-heap of events by time (ties in insertion order). */
class Events {
  private heap: Array<{ e: Event; n: number }> = [];
  private n = 0;
  push(e: Event): void {
    const h = this.heap;
    h.push({ e, n: this.n++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top.e;
  }
  private less(a: { e: Event; n: number }, b: { e: Event; n: number }): boolean {
    return a.e.t < b.e.t || (a.e.t === b.e.t && a.n < b.n);
  }
}

const S = A100_40GB;

/** The seconds a request takes on a server that serves nothing else: its prefill steps, then one step a token. */
export function aloneSeconds(input: number, output: number): number {
  let ms = 0;
  let left = input;
  while (left > 0) {
    const chunk = Math.min(left, S.tokenBudget);
    ms += S.stepBaseMs + S.prefillMsPerToken * chunk;
    left -= chunk;
  }
  ms += Math.max(0, output - 1) * (S.stepBaseMs + S.decodeMsPerSeq);
  return ms / 1000;
}

export function simulate(
  trace: readonly SimRequest[],
  fleet: FleetPolicy,
  edge: EdgePolicy,
  options: { seed?: number; initialServers?: number } = {},
): SimResult {
  const rand = random(options.seed ?? 1);
  const events = new Events();
  const servers: Server[] = [];
  const reqs: Req[] = trace.map((r) => ({
    ...r,
    output: Math.max(1, r.output),
    prefillLeft: Math.max(1, r.input),
    decodeLeft: Math.max(1, r.output) - 1,
    chunk: 0,
    finishTick: 0,
  }));
  const end = reqs.reduce((m, r) => Math.max(m, r.at), 0);
  let nextId = 0;
  let busyNotes = 0;
  /** Requests the edge holds now (every server refused them). */
  let heldNow = 0;
  let streamsCut = 0;
  let scaleOuts = 0;
  const scaleInTimes: number[] = [];
  const recommendations: Array<[number, number]> = [];
  /** The pool's size after each change: [time, servers]. */
  const sizes: Array<[number, number]> = [];
  const sizeAt = (t: number) => sizes.findLast(([at]) => at <= t)?.[1] ?? initial;
  const demandSamples: Array<[number, number]> = [];

  const bootSeconds = () =>
    Math.min(BOOT_SECONDS.max, Math.max(BOOT_SECONDS.min, BOOT_SECONDS.median + (rand() - 0.5) * 80));

  const addServer = (t: number, ready: boolean, createdAt = t): Server => {
    const server: Server = {
      id: nextId++,
      createdAt,
      readyAt: ready ? t : t + bootSeconds(),
      state: ready ? "ready" : "booting",
      waiting: [],
      prefilling: [],
      decoding: new MinHeap<Req>((r) => r.finishTick),
      tick: 0,
      span: undefined,
      version: 0,
      samples: [],
      polls: [],
    };
    servers.push(server);
    if (!ready) events.push({ t: server.readyAt, kind: "ready", server });
    return server;
  };
  const live = () => servers.filter((s) => s.state === "booting" || s.state === "ready");
  const running = (s: Server) => s.prefilling.length + s.decoding.size;
  const load = (s: Server) => running(s) + s.waiting.length;

  /** Starts the next engine steps of a server with work, as vLLM's scheduler would. */
  const step = (t: number, server: Server) => {
    if (server.span) return;
    while (running(server) < S.maxNumSeqs && server.waiting.length) server.prefilling.push(server.waiting.shift()!);
    if (!running(server)) return;
    const decoding = server.decoding.size;
    let budget = S.tokenBudget - decoding;
    let prefill = 0;
    const chunked: Req[] = [];
    for (const r of server.prefilling) {
      if (budget <= 0) break;
      r.chunk = Math.min(r.prefillLeft, budget);
      budget -= r.chunk;
      prefill += r.chunk;
      chunked.push(r);
    }
    const stepMs = S.stepBaseMs + S.decodeMsPerSeq * decoding + S.prefillMsPerToken * prefill;
    // Decoding only: every sequence advances a token a step until the first one finishes.
    const steps = chunked.length ? 1 : Math.max(1, server.decoding.peek()!.finishTick - server.tick);
    server.span = { start: t, stepMs, steps, chunked };
    events.push({ t: t + (steps * stepMs) / 1000, kind: "step", server, version: ++server.version });
  };

  /** A request joins a server taking several decode steps at once: they end after the step under way. */
  const interrupt = (t: number, server: Server) => {
    const span = server.span;
    if (!span || span.steps === 1) return;
    const done = Math.min(span.steps, Math.ceil(((t - span.start) * 1000) / span.stepMs - 1e-9));
    if (done >= span.steps) return;
    span.steps = Math.max(1, done);
    events.push({ t: span.start + (span.steps * span.stepMs) / 1000, kind: "step", server, version: ++server.version });
  };

  const finish = (t: number, r: Req) => {
    r.doneAt = t;
  };

  /** Drained servers leave once empty; past the draining timeout, what they still serve is cut. */
  const settleDrain = (t: number, server: Server) => {
    if (server.state !== "draining") return;
    if (load(server) === 0 || t - server.drainingSince! >= edge.drainSeconds) {
      streamsCut += load(server);
      for (const r of [...server.prefilling, ...server.waiting, ...server.decoding.drain()]) finish(t, r);
      server.prefilling = [];
      server.waiting = [];
      server.state = "gone";
      server.goneAt = t;
    }
  };

  /** The load balancer: the least loaded ready server with room, else the edge holds (or overflows). */
  const route = (t: number, r: Req) => {
    if (r.heldSince !== undefined && t - r.heldSince >= edge.maxWaitSeconds) {
      r.gaveUp = true;
      heldNow -= 1;
      finish(t, r);
      return;
    }
    let best: Server | undefined;
    for (const s of servers) if (s.state === "ready" && (!best || load(s) < load(best))) best = s;
    if (best && load(best) < S.maxNumSeqs + edge.maxWaiting) {
      r.server = best;
      r.admittedAt = t;
      if (r.heldSince !== undefined) heldNow -= 1;
      best.waiting.push(r);
      if (best.span) interrupt(t, best);
      else step(t, best);
      return;
    }
    if (edge.overflow) {
      if (r.heldSince !== undefined) heldNow -= 1;
      r.overflow = true;
      r.firstTokenAt = t + aloneSeconds(r.input, 1);
      finish(t + aloneSeconds(r.input, r.output), r);
      return;
    }
    if (r.heldSince === undefined) {
      r.heldSince = t;
      heldNow += 1;
    }
    if (!r.noteSent && t - r.heldSince >= edge.holdSeconds) {
      r.noteSent = true;
      busyNotes += 1;
    }
    events.push({ t: t + (r.noteSent ? edge.retryAfterNoteSeconds : edge.retrySeconds), kind: "arrive", req: r });
  };

  // The fleet at the start: a fixed one, the oracle's first minute, or the autoscaler's steady state.
  const initial =
    fleet.kind === "fixed"
      ? fleet.servers!
      : fleet.kind === "oracle"
        ? fleet.schedule![0]!
        : (options.initialServers ?? fleet.min!);
  // (Running since long before: their data counts at once.)
  for (let i = 0; i < initial; i++) addServer(0, true, -3600);
  for (const r of reqs) events.push({ t: r.at, kind: "arrive", req: r });
  if (fleet.kind === "autoscaled") {
    events.push({ t: AUTOSCALER.sampleSeconds, kind: "sample" });
    events.push({ t: AUTOSCALER.pollSeconds, kind: "poll" });
    events.push({ t: AUTOSCALER.decisionSeconds, kind: "decide" });
  } else events.push({ t: AUTOSCALER.sampleSeconds, kind: "sample" });
  if (fleet.kind === "oracle")
    for (let m = 1; m < fleet.schedule!.length; m++) events.push({ t: m * 60, kind: "oracle", minute: m });

  const horizon = end + 3600;
  for (let e = events.pop(); e && e.t <= horizon; e = events.pop()) {
    const t = e.t;
    switch (e.kind) {
      case "arrive":
        route(t, e.req);
        break;
      case "step": {
        const server = e.server;
        const span = server.span;
        if (e.version !== server.version || !span || server.state === "gone") break;
        server.span = undefined;
        server.tick += span.steps;
        while (server.decoding.size && server.decoding.peek()!.finishTick <= server.tick)
          finish(t, server.decoding.pop()!);
        for (const r of span.chunked) {
          r.prefillLeft -= r.chunk;
          r.chunk = 0;
          if (r.prefillLeft > 0) continue;
          server.prefilling.splice(server.prefilling.indexOf(r), 1);
          r.firstTokenAt = t;
          if (r.decodeLeft <= 0) finish(t, r);
          else {
            r.finishTick = server.tick + r.decodeLeft;
            server.decoding.push(r);
          }
        }
        settleDrain(t, server);
        // (settleDrain may have let it go.)
        if ((server.state as Server["state"]) !== "gone") step(t, server);
        break;
      }
      case "ready":
        if (e.server.state === "booting") {
          e.server.state = "ready";
          step(t, e.server);
        }
        break;
      case "poll": {
        // The agent's poll of vLLM: running + waiting, and the edge's held messages, which ask the pool
        // again every few seconds and are refused by one server each (spread by the load balancer).
        const ready = servers.filter((s) => s.state === "ready");
        for (const s of ready) s.polls.push((load(s) + heldNow / ready.length) / S.maxNumSeqs);
        if (t < horizon) events.push({ t: t + AUTOSCALER.pollSeconds, kind: "poll" });
        break;
      }
      case "sample": {
        // Each agent publishes the mean of its polls since its last point.
        for (const s of servers) {
          if (s.state === "ready" && s.polls.length)
            s.samples.push([t, s.polls.reduce((a, b) => a + b, 0) / s.polls.length]);
          s.polls = [];
        }
        const inService = servers.reduce((n, s) => n + load(s), 0);
        demandSamples.push([t, inService + heldNow]);
        for (const s of servers) settleDrain(t, s);
        if (t < horizon) events.push({ t: t + AUTOSCALER.sampleSeconds, kind: "sample" });
        break;
      }
      case "decide":
        decide(t);
        if (t < end + 1200) events.push({ t: t + AUTOSCALER.decisionSeconds, kind: "decide" });
        break;
      case "oracle": {
        const want = fleet.schedule![e.minute]!;
        const have = live();
        // Booted ahead, so ready now: the oracle pays the boot it started a boot's time earlier.
        for (let i = have.length; i < want; i++) addServer(t, true, t - BOOT_SECONDS.median);
        for (const s of have.sort((a, b) => load(a) - load(b)).slice(0, Math.max(0, have.length - want))) drain(t, s);
        break;
      }
    }
  }

  function drain(t: number, s: Server): void {
    s.state = "draining";
    s.drainingSince = t;
    settleDrain(t, s);
  }

  /** Google's autoscaler: the largest recommendation of its signals, sized up at once, down only to the last 10 minutes' peak. */
  function decide(t: number): void {
    const pool = live();
    const initialized = pool.filter((s) => s.state === "ready" && t - s.createdAt >= (fleet.cooldownSeconds ?? 0));
    const seen = t - AUTOSCALER.metricLagSeconds;
    const values = initialized
      .map((s) => s.samples.findLast(([at]) => at <= seen)?.[1])
      .filter((v): v is number => v !== undefined);
    let recommended = pool.length;
    if (values.length) {
      // The load the initialized servers carry, at the target per server: the servers still booting
      // are in the group already and count towards it, but their data is ignored (not taken as idle).
      const total = values.reduce((a, b) => a + b, 0);
      recommended = Math.ceil(total / fleet.targetQueueLoad! - 1e-9);
    }
    recommended = Math.min(fleet.max!, Math.max(fleet.min!, recommended));
    recommendations.push([t, recommended]);
    if (recommended > pool.length) {
      scaleOuts += 1;
      for (let i = pool.length; i < recommended; i++) addServer(t, false);
      sizes.push([t, recommended]);
      return;
    }
    // Scaling in: never below the peak recommendation of the stabilization period, and (scale-in
    // controls) never more than maxScaledIn below the peak of the controls' window.
    const peakSince = (seconds: number) =>
      Math.max(...recommendations.filter(([at]) => at > t - seconds).map(([, n]) => n));
    let floor = peakSince(AUTOSCALER.stabilizationSeconds);
    if (fleet.scaleInWindowSeconds) {
      const peak = peakSince(fleet.scaleInWindowSeconds);
      const allowed = fleet.scaleInMaxServers ?? Math.floor(((fleet.scaleInPercent ?? 100) / 100) * peak);
      floor = Math.max(floor, peak - allowed);
    }
    const remove = pool.length - floor;
    if (remove <= 0) return;
    sizes.push([t, floor]);
    scaleInTimes.push(t);
    // Booting servers go first, then the least loaded.
    const order = [...pool].sort(
      (a, b) => (a.state === "booting" ? -1 : 0) - (b.state === "booting" ? -1 : 0) || load(a) - load(b),
    );
    for (const s of order.slice(0, remove)) drain(t, s);
  }

  // What a request was: answered, given up on, or (never) lost.
  const answered = reqs.filter((r) => r.doneAt !== undefined && !r.gaveUp);
  const replies = answered.map((r) => r.doneAt! - r.at);
  const added = answered.map((r) => r.doneAt! - r.at - aloneSeconds(r.input, r.output));
  const firstTokens = answered.map((r) => (r.firstTokenAt ?? r.doneAt!) - r.at);
  const windows = new Map<number, number[]>();
  answered.forEach((r, i) => {
    const w = Math.floor(r.at / 300);
    const window = windows.get(w);
    if (window) window.push(firstTokens[i]!);
    else windows.set(w, [firstTokens[i]!]);
  });
  const lastMinute = Math.ceil((end + 60) / 60);
  const sizeByMinute = Array.from(
    { length: lastMinute },
    (_, m) => servers.filter((s) => s.createdAt <= m * 60 && (s.goneAt ?? Infinity) > m * 60).length,
  );
  const paidUntil = (s: Server) => Math.min(s.goneAt ?? end, end);
  return {
    requests: reqs.length,
    answered: answered.length,
    gaveUp: reqs.filter((r) => r.gaveUp).length,
    lost: reqs.filter((r) => r.doneAt === undefined).length,
    replies,
    firstTokens,
    added,
    perToken: answered
      .filter((r) => r.output > 1 && !r.overflow)
      .map((r) => (r.doneAt! - r.firstTokenAt!) / (r.output - 1)),
    windowP90FirstToken: [...windows.values()].map((v) => quantile(v, 0.9)),
    decisions: recommendations.map(([t]) => [t, sizeAt(t)] as [number, number]),
    held: reqs.filter((r) => r.heldSince !== undefined).length,
    heldSeconds: reqs
      .filter((r) => r.heldSince !== undefined)
      .map((r) => (r.admittedAt ?? r.doneAt ?? end) - r.heldSince!),
    busyNotes,
    overflowed: reqs.filter((r) => r.overflow).length,
    streamsCut,
    // Paid for within the trace's time (the servers running at its start, from its start).
    gpuHours: servers.reduce((h, s) => h + Math.max(0, paidUntil(s) - Math.max(0, s.createdAt)), 0) / 3600,
    scaleOuts,
    scaleIns: scaleInTimes.length,
    maxScaleInsPer10Min: Math.max(
      0,
      ...scaleInTimes.map((t) => scaleInTimes.filter((u) => u >= t && u < t + 600).length),
    ),
    sizeByMinute,
    demand: demandSamples.map(([, d]) => d),
    inputTokens: reqs.reduce((n, r) => n + r.input, 0),
    outputTokens: reqs.reduce((n, r) => n + r.output, 0),
  };
}

/** A binary min-heap by a numeric key. */
class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly key: (item: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(h[p]!) <= this.key(h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.key(h[l]!) < this.key(h[m]!)) m = l;
        if (r < h.length && this.key(h[r]!) < this.key(h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
  /** Every item, emptying the heap. */
  drain(): T[] {
    const all = this.items;
    this.items = [];
    return all;
  }
}
