import { DurableObject } from "cloudflare:workers";
import { edgeFor } from "../create-edge.js";
import { RolloutState, type RolloutCommand } from "../core/rollout.js";
import type { RegionId } from "../core/region-policy.js";
import { commandRollout, judgeRollouts, reconcile, type RolloutStateStore } from "../pipeline/rollout.js";

/**
 * The one writer of every region's model rollout (one object for the deployment, named "rollouts"):
 * a person's command and the cron's decision never overwrite each other, as two writers of KV, which
 * has no compare-and-set and may be read a minute stale, could. Its storage holds the truth; each
 * change is published to KV (`rollout:<region>`), which the messages read. Each operation runs alone
 * (blockConcurrencyWhile): a decision awaiting its figures holds a command back rather than racing it.
 */
export class RolloutDesk extends DurableObject<Env> {
  private readonly store: RolloutStateStore = {
    get: async (region) => {
      const raw = await this.ctx.storage.get<unknown>(`rollout:${region}`);
      return raw === undefined ? null : RolloutState.parse(raw);
    },
    put: async (region, state) => {
      await this.ctx.storage.put(`rollout:${region}`, state);
      await edgeFor(this.env).rollouts.put(region, state);
    },
  };

  /** The region's state, as the desk holds it. */
  status(region: RegionId): Promise<RolloutState> {
    return this.ctx.blockConcurrencyWhile(async () =>
      reconcile(edgeFor(this.env), region, await this.store.get(region)),
    );
  }

  command(region: RegionId, order: RolloutCommand): Promise<{ state: RolloutState } | { refused: string }> {
    return this.ctx.blockConcurrencyWhile(() =>
      commandRollout(edgeFor(this.env), this.store, region, order, Date.now()),
    );
  }

  judge(only?: RegionId, force = false): Promise<string[]> {
    return this.ctx.blockConcurrencyWhile(() => judgeRollouts(edgeFor(this.env), this.store, Date.now(), only, force));
  }
}
