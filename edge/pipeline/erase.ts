import { channelSettings } from "../channels/types.js";
import { durableObjectJurisdiction, type Config } from "../config.js";
import type { RegionId } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { log } from "../log.js";
import type { ChannelName } from "../message.js";
import type { ErasedCounts } from "../services/conversation/index.js";

export interface EraseReport {
  channel: string;
  erased: {
    /** Per region, what its database held. Every region is swept, so nothing is missed after a move. */
    regions: Record<RegionId, ErasedCounts>;
    pinnedRegion: boolean;
    /** Pending reminders cancelled with the rest. */
    reminders: number;
    /** Messenger messages still waiting in the chat's inbox (an operator's erasure only). */
    waitingMessages?: number;
  };
}

/** Erases a user's conversation, saved replies, rate-limit state and pinned region, and says what there was. */
export async function eraseUserKey(edge: Edge, channel: ChannelName, userKey: string): Promise<EraseReport> {
  const regions: Record<RegionId, ErasedCounts> = {};
  await Promise.all(
    Object.keys(edge.config.regions).map(async (region) => {
      regions[region] = await edge.region(region).conversations.erase(userKey);
    }),
  );
  // Reminders live in Durable Objects, EU users' in the EU jurisdiction: one region per namespace is asked.
  let reminders = 0;
  if (edge.reminders) {
    // While a key rotation is under way, also the object named under the previous key.
    const generations = edge.keys.previous ? [false, true] : [false];
    for (const region of onePerNamespace(edge.config))
      for (const previous of generations) reminders += await edge.reminders(userKey, region, previous).erase();
  }
  const pinnedRegion = await edge.pins.delete(userKey);
  log.info("user.erased", { channel, regions: Object.keys(regions).length, pinnedRegion, reminders });
  return { channel, erased: { regions, pinnedRegion, reminders } };
}

/** Regions whose Durable Objects together cover every namespace (the EU jurisdiction and the rest). */
function onePerNamespace(config: Config): RegionId[] {
  return [
    ...new Map(
      Object.keys(config.regions).map((region) => [durableObjectJurisdiction(config, region), region]),
    ).values(),
  ];
}

/**
 * An operator's erasure (the admin API): everything /forget erases, and for messenger users also the
 * messages still waiting in their chat's inbox (/forget itself runs from that inbox, after the
 * messages sent before it were answered).
 */
export async function eraseUser(
  edge: Edge,
  channelName: ChannelName,
  operatorId: string,
): Promise<EraseReport | undefined> {
  const channel = edge.channel(channelName);
  const settings = channel && channelSettings(edge.config, channel);
  if (!channel || settings === undefined) return undefined;
  const userKey = channel.userKey(operatorId, settings);
  if (!userKey) return undefined;
  // The inbox first: a waiting message answered meanwhile would write the conversation again.
  // Channels that reply through their platform (a sender) take messages in through an inbox.
  let waitingMessages: number | undefined;
  if (channel.sender) {
    waitingMessages = 0;
    for (const region of onePerNamespace(edge.config)) waitingMessages += await edge.inbox(userKey, region).erase();
  }
  const report = await eraseUserKey(edge, channelName, userKey);
  if (waitingMessages !== undefined) report.erased.waitingMessages = waitingMessages;
  return report;
}
