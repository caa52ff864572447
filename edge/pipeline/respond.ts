import { REPLIES } from "../core/commands.js";
import type { Edge } from "../edge.js";
import type { AnswerPreview, ChannelSender, InboundMessage, Reply, Responded, RespondOptions } from "../message.js";
import { addKvUsage, takeKvUsage } from "../services/kv-usage.js";
import type { ReminderBook } from "../services/reminder-book.js";
import { toolOffer } from "../tools/index.js";
import { describeReminders } from "../tools/reminders.js";
import type { ToolContext } from "../tools/types.js";
import { converse, type ConverseDeps } from "./converse.js";
import { deliver } from "./deliver.js";
import { modelFor } from "./model-router.js";
import { forgetCommand, regionCommand } from "./region.js";

/**
 * One message, whatever its channel: the conversation step in the user's region, then delivery on
 * the channel it came from, with "typing…" while the model works and the answer's pieces handed to
 * `onText` as they stream (web chat and the SSE API show them live).
 */
export async function respond(
  message: InboundMessage,
  sender: ChannelSender,
  edge: Edge,
  options: RespondOptions = {},
): Promise<Responded> {
  const { ackMs = 0, waitUntil } = options;
  const started = Date.now();
  const services = edge.region(message.region);
  const preview = options.previewId !== undefined ? sender.preview?.(message.address, options.previewId) : undefined;
  const onText = withPreview(options.onText, preview);
  let reply: Reply;
  try {
    reply = await converse(message, {
      ...conversationDeps(edge, message, sender, onText, preview),
      ...(options.signal ? { signal: options.signal } : {}),
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
      ...addKvUsage(takeKvUsage(), options.kvUsage),
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

/** What the conversation step needs for this message: the user's region, channel and tools. */
function conversationDeps(
  edge: Edge,
  message: InboundMessage,
  sender: ChannelSender,
  onText: ((piece: string) => void) | undefined,
  preview: AnswerPreview | undefined,
): ConverseDeps {
  const { config, faq } = edge;
  const services = edge.region(message.region);
  const channel = edge.channel(message.address.channel);
  // Reminders reach the user later, unprompted: only on channels that can.
  const reminders = channel?.capabilities.push ? edge.reminders?.(message.userKey, message.region) : undefined;
  return {
    store: services.conversations,
    llm: modelFor(edge, message.region),
    model: config.model,
    rateLimit: config.rateLimit,
    sessionTtlSeconds: services.settings.sessionTtlSeconds,
    faq: {
      ...config.faq,
      languages: config.regionFile.regions[message.region]?.faqLanguages ?? ["en"],
      entries: () => faq.load(message.region),
    },
    ...toolsFor(edge, message, reminders),
    contentFilter: edge.contentFilter,
    forget: () => forgetCommand(edge, message),
    region: (args) => regionCommand(edge, message, args),
    ...(reminders ? { reminders: async () => describeReminders(await reminders.list()) } : {}),
    ...(channel?.capabilities.groups && message.chatKey !== message.userKey
      ? { answer: (args) => answerCommand(edge, message, sender, args) }
      : {}),
    moveChat: (to) => moveChat(edge, message, to),
    whileThinking: () => keepTyping(sender, message, preview),
    ...(onText ? { onText } : {}),
  };
}

/** /answer all|mentions in a group: whether the bot answers every message there, set by its admins. */
async function answerCommand(
  edge: Edge,
  message: InboundMessage,
  sender: ChannelSender,
  args: string,
): Promise<string> {
  const mode = args.trim().toLowerCase();
  if (mode !== "all" && mode !== "mentions") return REPLIES.answerUsage;
  const admin = message.senderId && (await sender.isGroupAdmin?.(message.address, message.senderId));
  if (!admin) return REPLIES.answerAdminsOnly;
  // Kept in the region the channel resolves group messages to: where the webhook looks it up.
  await edge.region(message.region).chatSettings.setAnswersAll(message.chatKey, mode === "all");
  return mode === "all" ? REPLIES.answerAll : REPLIES.answerMentions;
}

/** A Telegram group became a supergroup: its conversation, its setting and its region follow it. */
async function moveChat(edge: Edge, message: InboundMessage, to: string): Promise<void> {
  const services = edge.region(message.region);
  await Promise.all([
    services.conversations.moveChat(message.chatKey, to),
    services.chatSettings.move(message.chatKey, to),
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
  return { tools: { offer, context, maxRounds, maxCallsPerRound, maxCalls } };
}

/** A reply faster than this needs no "typing…": it would only flash, and it costs a platform call. */
const TYPING_DELAY_MS = 700;

/**
 * Shows "typing…" once the model has taken a moment, and refreshes it until the returned function is
 * called; not while the answer's preview shows it being written (one sign of work is enough, and each
 * is a platform call).
 */
function keepTyping(sender: ChannelSender, message: InboundMessage, preview: AnswerPreview | undefined): () => void {
  const show = () => {
    if (preview?.showing()) return;
    void sender.typing(message.address).catch(() => {}); // cosmetic: never fails a reply
  };
  let refresh: ReturnType<typeof setInterval> | undefined;
  const start = setTimeout(() => {
    show();
    refresh = setInterval(show, sender.typingRefreshMs);
  }, TYPING_DELAY_MS);
  return () => {
    clearTimeout(start);
    if (refresh !== undefined) clearInterval(refresh);
  };
}
