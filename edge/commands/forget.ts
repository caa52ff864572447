import { eraseUserKey, type EraseReport } from "../pipeline/erase.js";
import type { Say } from "../texts/index.js";
import { defineCommand } from "./types.js";

/**
 * `/forget`, on every channel: erases everything kept about the user (their conversation, their turns
 * in groups, saved replies, rate-limit state, reminders, pinned region, in every region) and says
 * what there was. Messages of theirs still waiting in the inbox are answered before it runs.
 */
export const forget = defineCommand({
  name: "forget",
  who: "anyone",
  help: "help.forget",
  async run({ edge, message, say }) {
    return describeErasure(await eraseUserKey(edge, message.address.channel, message.userKey), say);
  },
});

/** What /forget tells the user: each kind of data, counted over every region. */
function describeErasure(report: EraseReport, say: Say): string {
  const total = Object.values(report.erased.regions).reduce(
    (sum, c) => ({
      messages: sum.messages + c.messages,
      replies: sum.replies + c.savedReplies + c.undeliveredReplies,
      limits: sum.limits + c.rateLimitKeys,
      summaries: sum.summaries + c.summaries,
    }),
    { messages: 0, replies: 0, limits: 0, summaries: 0 },
  );
  const { reminders, pinnedRegion } = report.erased;
  return [
    say("erasure.done"),
    say("erasure.messages", { count: total.messages }),
    ...(total.summaries > 0 ? [say("erasure.summary")] : []),
    // (A reply kept for a retry is its answer's turn, counted with the messages; a Telegram or
    // WhatsApp chat's rate limit is its turns: kept apart only for the HTTP API and the web chat.)
    ...(total.replies > 0 ? [say("erasure.replies", { count: total.replies })] : []),
    ...(total.limits > 0 ? [say("erasure.rateLimits", { count: total.limits })] : []),
    ...(reminders > 0 ? [say("erasure.reminders", { count: reminders })] : []),
    say(pinnedRegion ? "erasure.region" : "erasure.noRegion"),
    say("erasure.afresh"),
  ].join("\n");
}
