import { botIdOf } from "../channels/telegram/constants.js";
import { durableObjectJurisdiction, type Config } from "../config.js";
import { log } from "../log.js";
import type { ErasedCounts } from "../services/conversation-store.js";
import type { EdgeContext } from "./context.js";
import { regionServices } from "./services.js";

export interface EraseReport {
  channel: string;
  erased: {
    /** Per region, what its database held. Every region is swept, so nothing is missed after a move. */
    regions: Record<string, ErasedCounts>;
    pinnedRegion: boolean;
    /** Pending reminders cancelled with the rest. */
    reminders: number;
    /** Messenger messages still waiting in the chat's inbox (an operator's erasure only). */
    waitingMessages?: number;
  };
}

/** A user's key from the channel and the id an operator knows them by. */
export function userKeyFor(config: Config, channel: string, userId: string): string | undefined {
  switch (channel) {
    case "telegram":
      return config.telegram && /^-?\d+$/.test(userId)
        ? `telegram:${botIdOf(config.telegram.botToken)}:${userId}`
        : undefined;
    case "whatsapp":
      return config.whatsapp && /^\d{6,15}$/.test(userId)
        ? `whatsapp:${config.whatsapp.phoneNumberId}:${userId}`
        : undefined;
    case "webchat":
      return config.webchat && /^[\w-]{10,64}$/.test(userId) ? `webchat:web:${userId}` : undefined;
    case "http": {
      // "<key name>:<user_id>", or just the user_id when one key is configured.
      const keys = config.httpApi?.keys ?? [];
      const colon = userId.indexOf(":");
      const [name, id] =
        colon > 0
          ? [userId.slice(0, colon), userId.slice(colon + 1)]
          : [keys.length === 1 ? keys[0]!.name : "", userId];
      return keys.some((k) => k.name === name) && id ? `http:${name}:${id}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Erases a user's conversation, saved replies, rate-limit state and pinned region, and says what there was. */
export async function eraseUserKey(edge: EdgeContext, channel: string, userKey: string): Promise<EraseReport> {
  const regions: Record<string, ErasedCounts> = {};
  await Promise.all(
    Object.keys(edge.config.regions).map(async (region) => {
      regions[region] = await regionServices(edge.config, region).conversations.erase(userKey);
    }),
  );
  // Reminders live in Durable Objects, EU users' in the EU jurisdiction: one region per namespace is asked.
  let reminders = 0;
  if (edge.reminders) {
    for (const region of onePerNamespace(edge.config)) reminders += await edge.reminders(userKey, region).erase();
  }
  const pinnedRegion = await edge.pins.delete(userKey);
  log.info("user.erased", { channel, regions: Object.keys(regions).length, pinnedRegion, reminders });
  return { channel, erased: { regions, pinnedRegion, reminders } };
}

/** Regions whose Durable Objects together cover every namespace (the EU jurisdiction and the rest). */
function onePerNamespace(config: Config): string[] {
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
export async function eraseUser(edge: EdgeContext, channel: string, userId: string): Promise<EraseReport | undefined> {
  const userKey = userKeyFor(edge.config, channel, userId);
  if (!userKey) return undefined;
  // The inbox first: a waiting message answered meanwhile would write the conversation again.
  let waitingMessages: number | undefined;
  if (channel === "telegram" || channel === "whatsapp") {
    waitingMessages = 0;
    for (const region of onePerNamespace(edge.config)) waitingMessages += await edge.inbox(userKey, region).erase();
  }
  const report = await eraseUserKey(edge, channel, userKey);
  if (waitingMessages !== undefined) report.erased.waitingMessages = waitingMessages;
  return report;
}

/** What /forget tells the user. */
export function describeErasure(report: EraseReport): string {
  const total = Object.values(report.erased.regions).reduce(
    (sum, c) => ({
      messages: sum.messages + c.messages,
      replies: sum.replies + c.savedReplies + c.undeliveredReplies,
      limits: sum.limits + c.rateLimitKeys,
      summaries: sum.summaries + c.summaries,
    }),
    { messages: 0, replies: 0, limits: 0, summaries: 0 },
  );
  return [
    "Done. I have deleted everything I kept about you:",
    `• ${total.messages} message${total.messages === 1 ? "" : "s"} of our conversation`,
    ...(total.summaries > 0 ? ["• the summary of our earlier conversation"] : []),
    `• ${total.replies} saved repl${total.replies === 1 ? "y" : "ies"}`,
    `• ${total.limits} rate-limit record${total.limits === 1 ? "" : "s"}`,
    ...(report.erased.reminders > 0
      ? [`• ${report.erased.reminders} reminder${report.erased.reminders === 1 ? "" : "s"}`]
      : []),
    `• ${report.erased.pinnedRegion ? "your region setting" : "no region setting (none was stored)"}`,
    "If you write again, we start afresh.",
  ].join("\n");
}
