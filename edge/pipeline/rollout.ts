import { eventRecord, type Usage } from "../core/message-metrics.js";
import {
  chooseVersion,
  command,
  decide,
  initialState,
  NO_FIGURES,
  RolloutError,
  type RolloutCommand,
  type RolloutState,
} from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { errorKind, log, ref } from "../log.js";
import type { InboundMessage } from "../message.js";
import type { ModelClient } from "../services/origin-client.js";
import { withFallback, type Answered } from "./fallback.js";

/**
 * Model versions at run time (docs/ARCHITECTURE.md, "Model versions"): which version answers a
 * conversation, people's commands and the rule's decisions (run by the one writer, the RolloutDesk
 * Durable Object, which publishes each state to KV `rollout:<region>` for the messages to read), and
 * users' reactions counted for the version that answered them.
 */

/** A former stable version serves the conversations it has for this long after a promotion. */
const RETIRING_MS = 86_400_000;

/** The version a conversation is answered by: its name and id, its model (with the fallbacks) and its system prompt. */
export interface ChosenVersion {
  name: string;
  id: string;
  model: ModelClient;
  systemPrompt: string;
}

/** Where the desk keeps a region's rollout (its own storage, published to KV on every change). */
export interface RolloutStateStore {
  get(region: RegionId): Promise<RolloutState | null>;
  put(region: RegionId, state: RolloutState): Promise<void>;
}

/**
 * A region's stored rollout reconciled with regions.json: a stable version the file no longer
 * declares gives way to the file's stable one; a candidate or a retiring version it no longer
 * declares is dropped. An edited file never leaves a chat without a pool.
 */
export function reconcile(edge: Edge, region: RegionId, stored: RolloutState | null): RolloutState {
  const settings = edge.region(region).settings;
  if (!stored) return initialState(settings.stableVersion);
  const known = (name: string) => Object.hasOwn(settings.versions, name);
  if (!known(stored.stable)) {
    log.warn("rollout.unknown_version", { region, version: stored.stable });
    return initialState(settings.stableVersion);
  }
  return {
    ...stored,
    candidate: stored.candidate && known(stored.candidate.version) ? stored.candidate : null,
    retiring: stored.retiring.filter((r) => known(r.version)),
  };
}

/**
 * A region's rollout as a message sees it (KV, cached per isolate). undefined when it cannot be read
 * and this isolate has never read it: the caller then keeps each conversation on its version.
 */
async function stateForMessages(edge: Edge, region: RegionId): Promise<RolloutState | undefined> {
  const settings = edge.region(region).settings;
  // A region with one version has nothing to roll out: no read.
  if (Object.keys(settings.versions).length === 1) return initialState(settings.stableVersion);
  try {
    return reconcile(edge, region, await edge.rollouts.get(region));
  } catch (err) {
    log.warn("rollout.state_unreadable", { region, error: errorKind(err) });
    return undefined;
  }
}

/**
 * What chooses the version for a message of `message.region`'s user: called with the version the
 * conversation's last model answer came from (none: a new conversation). Without the rollout's state
 * (KV unreadable) a conversation stays on its version and a new one gets the file's stable version. A
 * region whose pool is down or saturated still falls back as regions.json allows; `ownFailed` hears
 * when the version's own pool failed (a fallback may still have answered: the failure is the version's).
 */
export function versionChooser(
  edge: Edge,
  message: InboundMessage,
  affinity: string,
  answered: (who: Answered) => void,
): (current: string | undefined) => Promise<ChosenVersion> {
  return async (current) => {
    const services = edge.region(message.region);
    const state = await stateForMessages(edge, message.region);
    const name = state
      ? chooseVersion(state, affinity, current, Date.now())
      : current !== undefined && Object.hasOwn(services.versions, current)
        ? current
        : services.settings.stableVersion;
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
 * chat's conversation is on, outcome reaction_up or reaction_down, once per reacted message (a thumb
 * taken back and given again, or sent twice, counts once). Nothing of who reacted is kept; a reaction
 * where no conversation is under way (it ended, or was reset) is not counted.
 */
export async function recordReaction(edge: Edge, message: InboundMessage, usage?: Usage): Promise<void> {
  if (message.content.kind !== "reaction") return;
  const services = edge.region(message.region);
  const reacted = message.content.on ?? message.id;
  const { version: name, first } = await services.conversations.reactionOn(
    message.chatKey,
    reacted,
    services.settings.sessionTtlSeconds,
  );
  const version = name === undefined ? undefined : services.versions[name];
  if (!version || !first) {
    log.info("reaction.uncounted", {
      ref: ref(message.id),
      channel: message.address.channel,
      why: version ? "counted_before" : "no_conversation",
    });
    return;
  }
  await edge.metrics
    .record({
      ...eventRecord(message.address.channel, message.region, `reaction_${message.content.value}`),
      ...(usage ?? {}),
      version: version.id,
    })
    .catch(() => {});
}

/**
 * Runs a person's command on the region's state: the new state, stored, published, logged and
 * recorded (outcome rollout_<action>), or why it cannot be done.
 */
export async function commandRollout(
  edge: Edge,
  store: RolloutStateStore,
  region: RegionId,
  order: RolloutCommand,
  now: number,
): Promise<{ state: RolloutState } | { refused: string }> {
  const state = reconcile(edge, region, await store.get(region));
  if (order.version !== undefined && !Object.hasOwn(edge.region(region).settings.versions, order.version))
    return { refused: `${region} has no model version "${order.version}" in infra/regions.json` };
  let next: RolloutState;
  try {
    next = command(
      order.stages ? { ...state, stages: order.stages } : state,
      order.action,
      now,
      RETIRING_MS,
      order.version,
    );
  } catch (err) {
    if (err instanceof RolloutError) return { refused: err.message };
    throw err;
  }
  // A person's command starts a window: the rule next decides a whole window after it.
  next = { ...next, decidedAt: now };
  await store.put(region, next);
  await recordDecision(edge, region, next, "rollout.commanded");
  return { state: next };
}

/**
 * The rule, once a window, for every region with a candidate running (the cron trigger, each
 * minute; `force`: now, whatever the window: `npm run rollout -- … decide`, each run a decision).
 * Each decision is stored, published, logged and written as a record (outcome rollout_<action>).
 */
export async function judgeRollouts(
  edge: Edge,
  store: RolloutStateStore,
  now: number,
  only?: RegionId,
  force = false,
): Promise<string[]> {
  const said: string[] = [];
  const policy = edge.config.rollout;
  for (const region of Object.keys(edge.config.regions)) {
    if (only !== undefined && region !== only) continue;
    try {
      const state = reconcile(edge, region, await store.get(region));
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
        RETIRING_MS,
        policy,
      );
      await store.put(region, decision.state);
      await recordDecision(edge, region, decision.state, "rollout.decided");
      said.push(`${region}: ${decision.action} ${c.version} (${decision.reason})`);
    } catch (err) {
      log.error("rollout.decide_failed", { region, error: errorKind(err) });
      said.push(`${region}: failed (${errorKind(err)})`);
    }
  }
  return said;
}

/** The state's last decision, logged and written as a record for the dashboard. */
async function recordDecision(edge: Edge, region: RegionId, state: RolloutState, event: string): Promise<void> {
  const last = state.decisions.at(-1);
  if (!last) return;
  const id = edge.region(region).versions[last.version]?.id ?? last.version;
  log.info(event, { region, version: id, action: last.action, share: last.percent, by: last.by, reason: last.reason });
  await edge.metrics
    .record({ ...eventRecord("rollout", region, `rollout_${last.action}`), version: id, share: last.percent })
    .catch(() => {});
}
