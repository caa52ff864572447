import type { RegionId } from "../core/region-policy.js";
import { log } from "../log.js";
import { eraseUserKey } from "../pipeline/erase.js";
import { defineCommand } from "./types.js";

/**
 * `/region`: where the conversation is kept. Where a channel lets users choose (Telegram: the bot's
 * region is a default), `/region <id>` moves a private chat to any region regions.json marks
 * userSelectable; moving erases what the old region held, so nothing is kept in two places. Elsewhere
 * the region follows the user's number or where the chat started, and the command only says so.
 */
export const region = defineCommand({
  name: "region",
  who: "anyone",
  help: "help.region",
  async run({ edge, message, args, say }) {
    const file = edge.config.regionFile;
    const name = (id: RegionId) => say("region.name", { name: file.regions[id]?.name ?? id, id });
    const current = message.region;
    const how = edge.channel(message.address.channel)?.capabilities.region ?? "client country";
    if (how !== "selectable")
      return say(how === "phone number" ? "region.fixedByPhone" : "region.fixedByCountry", { region: name(current) });
    if (message.chatKey !== message.userKey) return say("region.group", { region: name(current) });
    const selectable = Object.keys(file.regions).filter((id) => file.regions[id]!.userSelectable);
    const target = args.trim().toLowerCase();
    if (!target) {
      const others = selectable.filter((id) => id !== current);
      return [
        say("region.current", { region: name(current) }),
        others.length ? say("region.howToMove", { regions: others.join(", ") }) : say("region.cannotMove"),
      ].join("\n");
    }
    if (target === current) return say("region.already", { region: name(current) });
    if (!selectable.includes(target)) return say("region.notSelectable", { target, regions: selectable.join(", ") });
    const report = await eraseUserKey(edge, message.address.channel, message.userKey);
    await edge.pins.set(message.userKey, target);
    log.info("region.moved", { from: current, to: target });
    const erased = Object.values(report.erased.regions).reduce((n, c) => n + c.messages, 0);
    return say("region.moved", { region: name(target), count: erased, from: name(current) });
  },
});
