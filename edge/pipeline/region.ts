import type { RegionId } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { errorKind, log } from "../log.js";
import type { InboundMessage } from "../message.js";

/**
 * Pins a message's conversation (a private chat: its user; a group: the group) to a region. The first
 * time it is seen, the region its channel resolved (calling code, country, the bot's region) is
 * stored; from then on the pin wins, so a traveller's history neither moves nor splits, and a later
 * edit of regions.json moves no one. Channels whose session fixes the region (web chat's signed
 * token) need no pin.
 */
export async function pinRegion(
  edge: Edge,
  message: InboundMessage,
  waitUntil: (work: Promise<unknown>) => void,
): Promise<InboundMessage> {
  if (edge.channel(message.address.channel)?.capabilities.region === "session") return message;
  let pinned: RegionId | undefined;
  try {
    pinned = await edge.pins.get(message.chatKey);
  } catch (err) {
    log.warn("pins.read_failed", { error: errorKind(err) });
    return message;
  }
  if (pinned && edge.config.regions[pinned])
    return pinned === message.region ? message : { ...message, region: pinned };
  // Off the acknowledgement's path: the resolution is deterministic until the pin lands.
  waitUntil(
    edge.pins
      .set(message.chatKey, message.region)
      .catch((err: unknown) => log.warn("pins.write_failed", { error: errorKind(err) })),
  );
  return message;
}
