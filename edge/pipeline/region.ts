import type { RegionId } from "../core/region-policy.js";
import type { Edge } from "../edge.js";
import { errorKind, log } from "../log.js";
import type { InboundMessage } from "../message.js";
import { describeErasure, eraseUserKey } from "./erase.js";

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

/**
 * /region. Where a channel lets users choose (Telegram: the bot's region is a default), a user may
 * move to any region the file marks userSelectable; moving erases what the old region held, so
 * nothing is kept in two places. Elsewhere the region follows the user's number or where the chat
 * started.
 */
export async function regionCommand(edge: Edge, message: InboundMessage, args: string): Promise<string> {
  const file = edge.config.regionFile;
  const name = (id: RegionId) => `${file.regions[id]?.name ?? id} (${id})`;
  const current = message.region;
  const how = edge.channel(message.address.channel)?.capabilities.region ?? "client country";
  if (how !== "selectable") {
    return `Your conversation is kept in ${name(current)}. On this channel the region follows ${
      how === "phone number" ? "your phone number's country" : "the country you started from"
    } and cannot be changed.`;
  }
  if (message.chatKey !== message.userKey) {
    return `This group's conversation is kept, and answered, in ${name(current)}. A group's region cannot be changed; in a private chat with me, /region moves yours.`;
  }
  const selectable = Object.keys(file.regions).filter((id) => file.regions[id]!.userSelectable);
  const target = args.trim().toLowerCase();
  if (!target) {
    const others = selectable.filter((id) => id !== current);
    return [
      `Your conversation is kept, and answered, in ${name(current)}.`,
      others.length
        ? `To move it, send /region followed by one of: ${others.join(", ")}. Moving deletes what is kept here.`
        : "It cannot be moved.",
    ].join("\n");
  }
  if (target === current) return `Your conversation is already kept in ${name(current)}.`;
  if (!selectable.includes(target))
    return `"${target}" is not a region you can choose. Choose one of: ${selectable.join(", ")}.`;
  const report = await eraseUserKey(edge, message.address.channel, message.userKey);
  await edge.pins.set(message.userKey, target);
  log.info("region.moved", { from: current, to: target });
  const erased = Object.values(report.erased.regions).reduce((n, c) => n + c.messages, 0);
  return `Done: from now on your conversation is kept, and answered, in ${name(target)}. The ${erased} message${erased === 1 ? "" : "s"} kept in ${name(current)} ${erased === 1 ? "was" : "were"} deleted.`;
}

/** /forget, on every channel: erases what is kept about the user and says what there was. */
export async function forgetCommand(edge: Edge, message: InboundMessage): Promise<string> {
  return describeErasure(await eraseUserKey(edge, message.address.channel, message.userKey));
}
