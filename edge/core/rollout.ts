import * as z from "zod";
import { VersionName, type ModelVersion } from "./region-policy.js";

/**
 * Model rollouts (docs/ARCHITECTURE.md, "Model versions"): which version of a region's model a chat
 * is answered by, and the rule that moves a candidate version from its first share of chats to all of
 * them, or back to none. Pure: the state lives in KV (`rollout:<region>`, pipeline/rollout.ts), the
 * figures come from the per-message records.
 */

/** The share of new conversations is set in hundredths of a point: a chat's bucket is one of 10,000. */
const BUCKETS = 10_000;

/**
 * A version's id, recorded on every reply it gives: its name and a hash of what it is made of (the
 * weights' repository and revision, the vLLM image, the serve flags' file and the system prompt's
 * text), so a changed part is a different id in the figures even under the same name.
 */
export function versionId(name: string, version: ModelVersion, systemPromptText: string): string {
  const parts = [
    version.weights.repository,
    version.weights.revision,
    version.vllm,
    version.serveFlags,
    version.systemPrompt,
    systemPromptText,
  ].join("\n");
  return `${name}-${hash32(parts, 0x811c9dc5).toString(16).padStart(8, "0")}`;
}

/**
 * What a version did over a span, from the per-message records (pipeline/rollout.ts reads them):
 * `replies` are messages its model was asked to answer, `failures` those it did not (model_failed,
 * faq_offline). Latencies in ms, NaN where there were none.
 */
export const VersionStats = z
  .object({
    replies: z.number().min(0),
    failures: z.number().min(0),
    /** Answers the output filter stopped. */
    blocked: z.number().min(0),
    p90ReplyMs: z.number().nullable(),
    p99FirstTokenMs: z.number().nullable(),
    /** Means per answer: tokens out, and the model's time (GPU-seconds, as the pool is shared). */
    tokensOut: z.number().nullable(),
    modelMs: z.number().nullable(),
    /** Users' reactions on its answers (👍 and alike, 👎 and alike; the web chat's thumbs). */
    thumbsUp: z.number().min(0),
    thumbsDown: z.number().min(0),
  })
  .strict();
export type VersionStats = z.infer<typeof VersionStats>;

/** What a version with no records did: nothing, and no latencies to speak of (not zeros). */
export const NO_FIGURES: VersionStats = {
  replies: 0,
  failures: 0,
  blocked: 0,
  p90ReplyMs: null,
  p99FirstTokenMs: null,
  tokensOut: null,
  modelMs: null,
  thumbsUp: 0,
  thumbsDown: 0,
};

/** A region's rollout, as kept in KV and changed only by `decide` and the people's commands. */
export const RolloutState = z
  .object({
    /** The version every conversation gets unless the candidate's share takes it. */
    stable: VersionName,
    candidate: z
      .object({
        version: VersionName,
        /** Index into `stages`. */
        stage: z.number().int().min(0),
        /** Percent of new conversations it gets (the stage's, unless a person set another). */
        percent: z.number().min(0).max(100),
        /** paused: it keeps its share, but is neither promoted nor judged. */
        status: z.enum(["running", "paused"]),
        startedAt: z.number().int(),
        /** When the current stage began: its figures are counted from then. */
        stageSince: z.number().int(),
        /** Consecutive decisions that found it over a guardrail. */
        over: z.number().int().min(0),
      })
      .strict()
      .nullable(),
    /**
     * Stable versions before the last promotions: conversations already on one finish there (none
     * moves mid-conversation) until its `until` (retiringMs after the promotion), and its pool stays.
     */
    retiring: z.array(z.object({ version: VersionName, until: z.number().int() }).strict()).max(4),
    /** Percent of new conversations at each stage, rising; the last is 100 (then: promotion). */
    stages: z.array(z.number().gt(0).max(100)).min(1).max(10),
    /** The last decisions (newest last), for `npm run rollout -- status` and the log. */
    decisions: z
      .array(
        z
          .object({
            at: z.number().int(),
            action: z.enum(["start", "hold", "advance", "promote", "rollback", "pause", "resume", "set"]),
            version: VersionName,
            percent: z.number(),
            reason: z.string().max(300),
            by: z.enum(["rule", "person"]),
          })
          .strict(),
      )
      .max(50),
    /** When the rule last decided (it decides once a window). */
    decidedAt: z.number().int(),
    /** The stable version's figures from the last span it had enough of (a baseline when it has few, at 100 %). */
    baseline: VersionStats.nullable(),
  })
  .strict();
export type RolloutState = z.infer<typeof RolloutState>;

const DEFAULT_STAGES = [1, 5, 25, 50, 100];

/** A region's state when none is stored: its file's stable version, nothing rolling out. */
export function initialState(stable: string): RolloutState {
  return {
    stable,
    candidate: null,
    retiring: [],
    stages: DEFAULT_STAGES,
    decisions: [],
    decidedAt: 0,
    baseline: null,
  };
}

/** The versions a conversation may be on now: the stable one, the candidate, and those retiring. */
function liveVersions(state: RolloutState, now: number): string[] {
  return [
    state.stable,
    ...(state.candidate ? [state.candidate.version] : []),
    ...state.retiring.filter((r) => r.until > now).map((r) => r.version),
  ];
}

/**
 * The version that answers a conversation. One already under way stays on its version while that
 * version is live (so a share that rises or a promotion never moves it; a rollback does). A new one
 * goes to the candidate when the chat's bucket for that candidate is below its share: raising the
 * share only adds buckets, so chats move from old to new and never back. `chat` is a keyed pseudonym
 * of the chat (nobody can choose their bucket); the candidate's name salts it, so each rollout tries
 * its version on a different set of chats.
 */
export function chooseVersion(state: RolloutState, chat: string, current: string | undefined, now: number): string {
  if (current !== undefined && liveVersions(state, now).includes(current)) return current;
  const candidate = state.candidate;
  if (candidate && bucketOf(chat, candidate.version) < candidate.percent * (BUCKETS / 100)) return candidate.version;
  return state.stable;
}

/** The chat's bucket (0…9,999) for a candidate version. */
export function bucketOf(chat: string, version: string): number {
  const text = `${chat}\n${version}`;
  // Two independent 32-bit hashes make 53 bits: no bias worth a bucket.
  const high = hash32(text, 0x811c9dc5) >>> 11;
  const low = hash32(text, 0x01000193);
  return Math.floor(((high * 4294967296 + low) / 2 ** 53) * BUCKETS);
}

function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The rule's numbers (docs/ARCHITECTURE.md, "Model versions", explains each). */
export interface RolloutPolicy {
  /** Minutes between decisions. */
  windowMinutes: number;
  /** Replies of the candidate at a stage before it is judged (below: "not enough data", never "no errors"). */
  minSample: number;
  /** Over a guardrail this many decisions in a row: rolled back. */
  windowsToRollback: number;
  /**
   * Failures (model_failed, faq_offline), judged by Wald's sequential probability ratio test, made for
   * figures looked at again and again as they grow: "as good as the stable version" (its rate) against
   * "bad" (max(`errorLimitRatio` × its rate, its rate + `errorLimitMarginPoints`)). Over once the
   * evidence for bad passes what `errorFalseAlarm` allows (the chance of rolling back a good version);
   * within once the evidence for as good passes what `errorMissed` allows (the chance of passing a
   * bad one); in between it cannot tell yet, and holds.
   */
  errorLimitRatio: number;
  errorLimitMarginPoints: number;
  errorFalseAlarm: number;
  errorMissed: number;
  /** P90 reply: over when ≥ ratio × the stable's and ≥ margin ms above. */
  replyRatio: number;
  replyMarginMs: number;
  /** P99 first token: likewise. */
  firstTokenRatio: number;
  firstTokenMarginMs: number;
  /** Output filter blocks: over when ≥ margin points above the stable's rate. */
  blockedMarginPoints: number;
  /** Thumbs down among reactions: over when ≥ margin points above the stable's, with ≥ minReactions. */
  thumbsDownMarginPoints: number;
  minReactions: number;
  /** Rolled back at once: failures at or above this rate over at least `floorSample` replies. */
  floorFailureRate: number;
  floorSample: number;
}

export const DEFAULT_POLICY: RolloutPolicy = {
  windowMinutes: 10,
  minSample: 400,
  windowsToRollback: 2,
  errorLimitRatio: 2,
  errorLimitMarginPoints: 0.5,
  errorFalseAlarm: 0.01,
  errorMissed: 0.05,
  replyRatio: 1.2,
  replyMarginMs: 250,
  firstTokenRatio: 1.5,
  firstTokenMarginMs: 500,
  blockedMarginPoints: 2,
  thumbsDownMarginPoints: 15,
  minReactions: 20,
  floorFailureRate: 0.2,
  floorSample: 20,
};

export interface Decision {
  action: "hold" | "advance" | "promote" | "rollback";
  reason: string;
  state: RolloutState;
}

/**
 * One decision over the candidate's and the stable version's figures since the candidate's stage
 * began. Not enough replies holds (and is never read as zero errors); a hard floor rolls back at
 * once; `windowsToRollback` decisions over a guardrail in a row roll back; a stage within every
 * guardrail with its sample moves on, and the last promotes. `retiringMs`: how long the former stable
 * version serves the conversations it has after a promotion.
 */
export function decide(
  state: RolloutState,
  figures: { candidate: VersionStats; stable: VersionStats },
  now: number,
  retiringMs: number,
  policy: RolloutPolicy = DEFAULT_POLICY,
): Decision {
  const c = state.candidate;
  if (!c || c.status !== "running") return { action: "hold", reason: "nothing to judge", state };
  const cand = figures.candidate;
  const stableHasSample = figures.stable.replies >= policy.minSample;
  const baseline = stableHasSample ? figures.stable : state.baseline;
  const next = (patch: Partial<RolloutState>, action: Decision["action"], reason: string): Decision => {
    const changed: RolloutState = { ...state, ...patch, decidedAt: now, baseline: baseline ?? null };
    const percent = changed.candidate?.percent ?? (action === "promote" ? 100 : 0);
    return {
      action,
      reason,
      state: withDecision(changed, { at: now, action, version: c.version, percent, reason, by: "rule" }),
    };
  };
  const rollback = (reason: string) => next({ candidate: null }, "rollback", reason);

  const failureRate = cand.replies ? cand.failures / cand.replies : 0;
  if (cand.replies >= policy.floorSample && failureRate >= policy.floorFailureRate)
    return rollback(`hard floor: ${pct(failureRate)} of ${cand.replies} replies failed`);
  if (cand.replies < policy.minSample)
    return next({}, "hold", `not enough data: ${cand.replies} of ${policy.minSample} replies at ${c.percent} %`);
  if (!baseline)
    return next(
      {},
      "hold",
      `not enough data: the stable version has ${figures.stable.replies} replies to compare with`,
    );

  const { over: breaches, unknown } = guardrails(cand, baseline, policy);
  if (breaches.length) {
    const over = c.over + 1;
    if (over >= policy.windowsToRollback) return rollback(`${breaches.join("; ")} (${over} windows in a row)`);
    return next({ candidate: { ...c, over } }, "hold", `over a guardrail once: ${breaches.join("; ")}`);
  }
  // Neither over nor shown within: more replies will tell.
  if (unknown.length)
    return next({ candidate: { ...c, over: 0 } }, "hold", `not enough data to tell: ${unknown.join("; ")}`);
  const stage = c.stage + 1;
  if (stage >= state.stages.length || c.percent >= 100) {
    return next(
      {
        stable: c.version,
        candidate: null,
        retiring: retire(state, now, retiringMs),
        baseline: null,
      },
      "promote",
      `within every guardrail over ${cand.replies} replies at 100 %`,
    );
  }
  const percent = state.stages[stage]!;
  return next(
    { candidate: { ...c, stage, percent, stageSince: now, over: 0 } },
    "advance",
    `within every guardrail over ${cand.replies} replies at ${c.percent} %: ${percent} %`,
  );
}

/**
 * The guardrails the candidate is over, and those it cannot yet be shown within, compared with the
 * baseline, each said with its figures.
 */
function guardrails(
  cand: VersionStats,
  base: VersionStats,
  policy: RolloutPolicy = DEFAULT_POLICY,
): { over: string[]; unknown: string[] } {
  const out: string[] = [];
  const unknown: string[] = [];
  const rate = (s: VersionStats, n: number) => (s.replies ? n / s.replies : 0);
  const cf = rate(cand, cand.failures);
  const bf = rate(base, base.failures);
  // The stable version's rate, never taken as zero (a version that never failed is no yardstick of 0).
  const p0 = Math.max(bf, 0.001);
  const p1 = Math.min(0.99, Math.max(p0 * policy.errorLimitRatio, p0 + policy.errorLimitMarginPoints / 100));
  const evidence = cand.failures * Math.log(p1 / p0) + (cand.replies - cand.failures) * Math.log((1 - p1) / (1 - p0));
  if (evidence >= Math.log((1 - policy.errorMissed) / policy.errorFalseAlarm))
    out.push(`failures ${pct(cf)} against ${pct(bf)}`);
  else if (evidence > Math.log(policy.errorMissed / (1 - policy.errorFalseAlarm)))
    unknown.push(`failures ${pct(cf)} of ${cand.replies} replies (stable ${pct(bf)}; bad would be ${pct(p1)})`);
  const worse = (a: number | null, b: number | null, ratio: number, margin: number) =>
    a !== null && b !== null && Number.isFinite(a) && Number.isFinite(b) && a >= b * ratio && a - b >= margin;
  if (worse(cand.p90ReplyMs, base.p90ReplyMs, policy.replyRatio, policy.replyMarginMs))
    out.push(`P90 reply ${ms(cand.p90ReplyMs)} against ${ms(base.p90ReplyMs)}`);
  if (worse(cand.p99FirstTokenMs, base.p99FirstTokenMs, policy.firstTokenRatio, policy.firstTokenMarginMs))
    out.push(`P99 first token ${ms(cand.p99FirstTokenMs)} against ${ms(base.p99FirstTokenMs)}`);
  const cb = rate(cand, cand.blocked);
  const bb = rate(base, base.blocked);
  if (cb - bb >= policy.blockedMarginPoints / 100) out.push(`output filter blocks ${pct(cb)} against ${pct(bb)}`);
  const reactions = cand.thumbsUp + cand.thumbsDown;
  // Thumbs are compared only where both versions have enough of them: none on the stable side is no yardstick of 0 %.
  if (reactions >= policy.minReactions && base.thumbsUp + base.thumbsDown >= policy.minReactions) {
    const down = cand.thumbsDown / reactions;
    const baseReactions = base.thumbsUp + base.thumbsDown;
    const baseDown = baseReactions ? base.thumbsDown / baseReactions : 0;
    if (down - baseDown >= policy.thumbsDownMarginPoints / 100)
      out.push(`thumbs down ${pct(down)} of ${reactions} reactions against ${pct(baseDown)}`);
  }
  return { over: out, unknown };
}

/** A person's command: start, pause, resume, promote (to the next stage, or to stable from the last) or roll back. */
export function command(
  state: RolloutState,
  action: "start" | "pause" | "resume" | "promote" | "rollback",
  now: number,
  retiringMs: number,
  version?: string,
): RolloutState {
  const c = state.candidate;
  const record = (s: RolloutState, act: RolloutState["decisions"][number]["action"], v: string, reason: string) =>
    withDecision(s, { at: now, action: act, version: v, percent: s.candidate?.percent ?? 0, reason, by: "person" });
  switch (action) {
    case "start": {
      if (!version) throw new RolloutError("start needs a version");
      if (c) throw new RolloutError(`${c.version} is rolling out: promote it or roll it back first`);
      if (version === state.stable) throw new RolloutError(`${version} is the stable version already`);
      const percent = state.stages[0]!;
      return record(
        {
          ...state,
          candidate: { version, stage: 0, percent, status: "running", startedAt: now, stageSince: now, over: 0 },
          baseline: null,
        },
        "start",
        version,
        `started at ${percent} %`,
      );
    }
    case "pause":
    case "resume": {
      if (!c) throw new RolloutError("no rollout is under way");
      const status = action === "pause" ? "paused" : "running";
      return record(
        { ...state, candidate: { ...c, status, stageSince: action === "resume" ? now : c.stageSince, over: 0 } },
        action,
        c.version,
        `${status} at ${c.percent} %`,
      );
    }
    case "promote": {
      if (!c) throw new RolloutError("no rollout is under way");
      const stage = c.stage + 1;
      if (stage < state.stages.length && c.percent < 100) {
        const percent = state.stages[stage]!;
        return record(
          { ...state, candidate: { ...c, stage, percent, stageSince: now, over: 0 } },
          "advance",
          c.version,
          `${percent} % by hand`,
        );
      }
      return record(
        {
          ...state,
          stable: c.version,
          candidate: null,
          retiring: retire(state, now, retiringMs),
          baseline: null,
        },
        "promote",
        c.version,
        "made stable by hand",
      );
    }
    case "rollback": {
      if (!c) throw new RolloutError("no rollout is under way");
      return record({ ...state, candidate: null }, "rollback", c.version, "rolled back by hand");
    }
  }
}

export class RolloutError extends Error {}

/** A person's command on a region's rollout (`npm run rollout`), as the RolloutDesk takes it. */
export interface RolloutCommand {
  action: "start" | "pause" | "resume" | "promote" | "rollback";
  version?: string | undefined;
  stages?: number[] | undefined;
}

/** The stable version joins those retiring (the ones whose time is over leave). */
function retire(state: RolloutState, now: number, retiringMs: number): RolloutState["retiring"] {
  return [
    ...state.retiring.filter((r) => r.until > now && r.version !== state.stable),
    { version: state.stable, until: now + retiringMs },
  ].slice(-4);
}

function withDecision(state: RolloutState, decision: RolloutState["decisions"][number]): RolloutState {
  return { ...state, decisions: [...state.decisions, decision].slice(-50) };
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const ms = (value: number | null) => (value === null ? "–" : `${Math.round(value)} ms`);
