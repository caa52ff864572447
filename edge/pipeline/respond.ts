import { runCommand } from "../commands/index.js";
import type { Edge } from "../edge.js";
import type { AnswerPreview, ChannelSender, InboundMessage, Reply, Responded, RespondOptions } from "../message.js";
import { addUsage, takeUsage } from "../usage.js";
import type { ReminderBook } from "../services/reminder-book.js";
import { toolOffer } from "../tools/index.js";
import type { ToolContext } from "../tools/types.js";
import { converse, type ConverseDeps } from "./converse.js";
import { deliver, keepTyping } from "./deliver.js";
import { withFallback, type Answered } from "./fallback.js";
import { versionChooser } from "./rollout.js";
import { regionLanguages } from "../core/region-policy.js";
import { TOOL_LOOP_DELIVERY_MARGIN_MS } from "../limits.js";

/**
 * One message, whatever its channel: the conversation step in the user's region, then delivery on
 * the channel it came from, with "typing…" while the model works and the answer's pieces handed to
 * `onText` as they stream (web chat and the SSE API show them live).
 */
export async function respond(
  edge: Edge,
  message: InboundMessage,
  sender: ChannelSender,
  options: RespondOptions = {},
): Promise<Responded> {
  const { ackMs = 0, waitUntil } = options;
  const started = Date.now();
  const services = edge.region(message.region);
  const preview = options.previewId !== undefined ? sender.preview?.(message.address, options.previewId) : undefined;
  const onText = withPreview(options.onText, preview);
  let reply: Reply;
  let answered: Answered | undefined;
  try {
    reply = await converse(message, {
      ...conversationDeps(edge, message, sender, onText, preview, (who) => (answered = who)),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.capacity ? { capacity: options.capacity } : {}),
      ...(options.admitted ? { admitted: true } : {}),
      ...(options.serialized ? { serialized: true } : {}),
      ...(options.firstInChat ? { firstInChat: true } : {}),
      ...(options.onLanguage ? { onLanguage: options.onLanguage } : {}),
    });
  } catch (err) {
    // Asked again (a burst grew) or failed: the preview shown so far is taken back.
    await preview?.discard();
    throw err;
  }
  await preview?.finish();
  const delivery = reply.text === null ? undefined : await deliver(sender, message.address, reply.text);
  if (delivery?.outcome === "undeliverable") {
    // Kept, with the region's retention, for when the user writes again.
    await services.conversations.recordUndelivered(
      message.userKey,
      message.id,
      reply.text!,
      services.settings.sessionTtlSeconds,
      started,
    );
  }
  await edge.metrics
    .record({
      channel: message.address.channel,
      region: message.region,
      outcome: reply.outcome,
      delivery: delivery?.outcome ?? "none",
      ackMs,
      firstTokenMs: reply.firstTokenMs ?? 0,
      totalMs: Date.now() - started,
      tokensIn: reply.tokensIn ?? 0,
      tokensOut: reply.tokensOut ?? 0,
      ...addUsage(takeUsage(), options.usage),
      heldMs: options.heldMs ?? 0,
      modelMs: reply.modelMs ?? 0,
      overflow: answered?.overflow ? 1 : 0,
      // The version is judged by what its own pool did: by an answer it gave, or a failure a fallback
      // region covered; not by an answer the overflow gave for a saturated pool.
      version:
        reply.version && (!answered || answered.ownFailed || (answered.region === message.region && !answered.overflow))
          ? reply.version
          : "",
      share: 0,
      versionFailed: answered?.ownFailed ? 1 : 0,
    })
    .catch(() => {}); // metrics never fail a reply
  if (reply.later) {
    const work = reply.later();
    if (waitUntil) waitUntil(work);
    else await work;
  }
  return { reply, delivery };
}

/** The answer's pieces to the caller's `onText` and, as the answer so far, to the channel's preview. */
function withPreview(
  onText: ((piece: string) => void) | undefined,
  preview: AnswerPreview | undefined,
): ((piece: string) => void) | undefined {
  if (!preview) return onText;
  let soFar = "";
  return (piece) => {
    onText?.(piece);
    soFar += piece;
    preview.update(soFar);
  };
}

/** What the conversation step needs for this message: the user's region, channel, commands and tools. */
function conversationDeps(
  edge: Edge,
  message: InboundMessage,
  sender: ChannelSender,
  onText: ((piece: string) => void) | undefined,
  preview: AnswerPreview | undefined,
  answered: (who: Answered) => void,
): ConverseDeps {
  const { config, faq } = edge;
  const services = edge.region(message.region);
  const channel = edge.channel(message.address.channel);
  const affinity = edge.keys.of(`affinity:${message.chatKey}`).slice(0, 16);
  // Reminders reach the user later, unprompted: only on channels that can.
  const reminders = channel?.capabilities.push ? edge.reminders?.(message.userKey, message.region) : undefined;
  return {
    store: services.conversations,
    model: withFallback(edge, message.region, answered),
    // A pseudonym of its own (not the storage keys'): what an origin's logs may keep joins nothing.
    affinity,
    version: versionChooser(edge, message, affinity, answered),
    modelSettings: config.model,
    rateLimit: config.rateLimit,
    sessionTtlSeconds: services.settings.sessionTtlSeconds,
    faq: {
      ...config.faq,
      languages: config.regionFile.regions[message.region]?.faqLanguages ?? ["en"],
      entries: () => faq.load(message.region),
    },
    ...toolsFor(edge, message, reminders),
    contentFilter: edge.contentFilter,
    runCommand: (command, lang) => runCommand(command, { edge, message, sender }, lang),
    languages: regionLanguages(config.regionFile, message.region),
    ...(message.country ? { country: message.country } : {}),
    moveChat: (to) => moveChat(edge, message, to),
    whileThinking: () => keepTyping(sender, message.address, preview),
    ...(onText ? { onText } : {}),
  };
}

/** A Telegram group became a supergroup: its conversation, its setting and its region follow it. */
async function moveChat(edge: Edge, message: InboundMessage, to: string): Promise<void> {
  const services = edge.region(message.region);
  await Promise.all([
    services.conversations.moveChat(message.chatKey, to),
    services.groupSettings.move(message.chatKey, to),
  ]);
  await edge.pins.set(to, message.region);
  await edge.pins.delete(message.chatKey);
}

function toolsFor(
  edge: Edge,
  message: InboundMessage,
  reminders: ReminderBook | undefined,
): Pick<ConverseDeps, "tools"> {
  const context: ToolContext = {
    userKey: message.userKey,
    chatKey: message.chatKey,
    region: message.region,
    address: message.address,
    config: edge.config,
    ...(reminders ? { reminders } : {}),
  };
  const offer = toolOffer(context);
  if (!offer) return {};
  const {
    maxToolRounds: maxRounds,
    maxToolCallsPerRound: maxCallsPerRound,
    maxToolCalls: maxCalls,
  } = edge.config.model;
  // After a tool ran, a saturated pool is waited out within the reply's watchdog, leaving it a whole
  // model call (and some room for delivery) to finish in.
  const capacityWaitMs = Math.max(
    0,
    edge.config.timeouts.replyMs - edge.config.model.timeoutMs - TOOL_LOOP_DELIVERY_MARGIN_MS,
  );
  return { tools: { offer, context, maxRounds, maxCallsPerRound, maxCalls, capacityWaitMs } };
}
