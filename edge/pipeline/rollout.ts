import { chooseVersion, decide, initialState, RolloutState, type VersionStats } from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { errorKind, log, ref } from "../log.js";
import type { InboundMessage } from "../message.js";
import type { ModelClient } from "../services/origin-client.js";
import { USAGE_UNITS, type Usage } from "../core/message-metrics.js";
import { withFallback, type Answered } from "./fallback.js";

/**
 * Model versions at run time (docs/ARCHITECTURE.md, "Model versions"): which version answers a
 * conversation, the rule's decision once a window (the cron trigger), and users' reactions counted
 * for the version that answered them. The state is KV's `rollout:<region>` (services/rollouts.ts).
 */

/** The version a conversation is answered by: its name and id, its model (with the fallbacks) and its system prompt. */
export interface ChosenVersion {
  name: string;
  id: string;
  model: ModelClient;
  systemPrompt: string;
}

/**
 * A region's rollout as stored, reconciled with regions.json: a stable or candidate version the file
 * no longer declares is not used (the file's stable answers instead), so an edited file never leaves
 * a chat without a pool.
 */
export async function currentState(edge: Edge, region: RegionId, fresh = false): Promise<RolloutState> {
  const settings = edge.region(region).settings;
  const fallback = initialState(settings.stableVersion);
  // A region with one version has nothing to roll out: no read.
  if (Object.keys(settings.versions).length === 1) return fallback;
  let stored: RolloutState | null;
  try {
    stored = await edge.rollouts.get(region, fresh);
  } catch (err) {
    log.warn("rollout.state_unreadable", { region, error: errorKind(err) });
    return fallback;
  }
  if (!stored) return fallback;
  const known = (name: string) => Object.hasOwn(settings.versions, name);
  if (!known(stored.stable)) {
    log.warn("rollout.unknown_version", { region, version: stored.stable });
    return fallback;
  }
  return {
    ...stored,
    candidate: stored.candidate && known(stored.candidate.version) ? stored.candidate : null,
    retiring: stored.retiring && known(stored.retiring.version) ? stored.retiring : null,
  };
}

/**
 * What chooses the version for a message of `message.region`'s user: called with the version the
 * conversation's last answer came from (none: a new conversation). A region whose pool is down or
 * saturated still falls back as regions.json allows (pipeline/fallback.ts); a fallback region
 * answers with its file's stable version.
 */
export function versionChooser(
  edge: Edge,
  message: InboundMessage,
  affinity: string,
  answered: (who: Answered) => void,
): (current: string | undefined) => Promise<ChosenVersion> {
  return async (current) => {
    const services = edge.region(message.region);
    const state = await currentState(edge, message.region);
    const name = chooseVersion(state, affinity, current, Date.now());
    const version = services.versions[name]!;
    return {
      name,
      id: version.id,
      systemPrompt: version.systemPrompt,
      model: withFallback(edge, message.region, answered, version.model),
    };
  };
}

/**
 * A user's reaction on the bot's answers (content kind "reaction"): one record for the version the
 * chat's conversation is on, outcome reaction_up or reaction_down. Nothing of who reacted is kept; a
 * reaction where no conversation is under way (it ended, or was reset) is not counted.
 */
export async function recordReaction(edge: Edge, message: InboundMessage, usage?: Usage): Promise<void> {
  if (message.content.kind !== "reaction") return;
  const services = edge.region(message.region);
  const name = await services.conversations.currentVersion(message.chatKey);
  const version = name === undefined ? undefined : services.versions[name];
  if (!version) {
    log.info("reaction.unattributed", { ref: ref(message.id), channel: message.address.channel });
    return;
  }
  await edge.metrics
    .record({
      ...emptyRecord(message.address.channel, message.region),
      ...(usage ?? {}),
      outcome: `reaction_${message.content.value}`,
      version: version.id,
    })
    .catch(() => {});
}

/**
 * The rule, once a window, for every region with a candidate running (the cron trigger, each
 * minute; `force`: now, whatever the window, for `npm run rollout -- … decide`). Each decision is
 * stored, logged and written as a record (outcome rollout_<action>, the candidate's share).
 */
export async function judgeRollouts(edge: Edge, now: number, only?: RegionId, force = false): Promise<string[]> {
  const said: string[] = [];
  const policy = edge.config.rollout;
  for (const region of Object.keys(edge.config.regions)) {
    if (only !== undefined && region !== only) continue;
    try {
      const state = await currentState(edge, region, true);
      const c = state.candidate;
      if (!c || c.status !== "running") continue;
      if (!force && now - state.decidedAt < policy.windowMinutes * 60_000) continue;
      const services = edge.region(region);
      const ids = { candidate: services.versions[c.version]!.id, stable: services.versions[state.stable]!.id };
      const figures = await edge.versionFigures(region, [ids.candidate, ids.stable], c.stageSince);
      if (!figures) {
        log.warn("rollout.no_figures", { region, version: ids.candidate });
        said.push(`${region}: no figures to judge by (hold)`);
        continue;
      }
      const decision = decide(
        state,
        { candidate: figures[ids.candidate] ?? NO_FIGURES, stable: figures[ids.stable] ?? NO_FIGURES },
        now,
        services.settings.sessionTtlSeconds * 1000,
        policy,
      );
      await edge.rollouts.put(region, decision.state);
      const share = decision.state.candidate?.percent ?? (decision.action === "promote" ? 100 : 0);
      log.info("rollout.decided", {
        region,
        version: ids.candidate,
        action: decision.action,
        share,
        reason: decision.reason,
      });
      await edge.metrics
        .record({
          ...emptyRecord("rollout", region),
          outcome: `rollout_${decision.action}`,
          version: ids.candidate,
          share,
        })
        .catch(() => {});
      said.push(`${region}: ${decision.action} ${c.version} (${decision.reason})`);
    } catch (err) {
      log.error("rollout.decide_failed", { region, error: errorKind(err) });
      said.push(`${region}: failed (${errorKind(err)})`);
    }
  }
  return said;
}

const NO_FIGURES: VersionStats = {
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

function emptyRecord(channel: string, region: RegionId) {
  const usage = Object.fromEntries(USAGE_UNITS.map((u) => [u, 0])) as Usage;
  return {
    ...usage,
    channel,
    region,
    outcome: "",
    delivery: "none",
    ackMs: 0,
    firstTokenMs: 0,
    totalMs: 0,
    tokensIn: 0,
    tokensOut: 0,
    heldMs: 0,
    modelMs: 0,
    overflow: 0,
    version: "",
    share: 0,
  };
}
