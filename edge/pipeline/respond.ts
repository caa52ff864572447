import type { ChannelSender, InboundMessage } from "../channels/types.js";
import type { EdgeContext } from "./context.js";
import { converse, type ConverseResult } from "./converse.js";
import { deliver, type DeliveryResult } from "./deliver.js";
import { modelFor } from "./model-router.js";
import { forgetCommand, regionCommand } from "./region.js";
import type { ReminderBook } from "../services/reminder-book.js";
import type { ToolLoopOptions } from "./tool-loop.js";
import { toolOffer } from "../tools/index.js";
import { describeReminders, remindersOffered } from "../tools/reminders.js";
import { regionServices } from "./services.js";
import { addKvUsage, takeKvUsage, type KvUsage } from "../services/kv-usage.js";

export interface Responded {
  result: ConverseResult;
  /** Undefined when nothing was to be delivered (an excess message past the rate limit). */
  delivery: DeliveryResult | undefined;
}

export interface RespondOptions {
  /** Sees each piece of the answer as it streams. */
  onText?: (piece: string) => void;
  /** How long the webhook took to acknowledge this message (queued channels), ms. */
  ackMs?: number;
  /** Keeps the isolate alive for work after the reply; without it, that work is awaited before returning. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** KV operations made for this message before it got here (the queue consumer's pin lookup). */
  kvUsage?: Partial<KvUsage>;
}

/**
 * One message, whatever its channel: the conversation step in the user's region, then delivery on
 * the channel it came from, with "typing…" while the model works and the answer's pieces handed to
 * `onText` as they stream (web chat and the SSE API show them live).
 */
export async function respond(
  message: InboundMessage,
  sender: ChannelSender,
  edge: EdgeContext,
  options: RespondOptions = {},
): Promise<Responded> {
  const { onText, ackMs = 0, waitUntil } = options;
  const started = Date.now();
  const { config, faq } = edge;
  const services = regionServices(config, message.region);
  const languages = config.regionFile.regions[message.region]?.faqLanguages ?? ["en"];
  const reminders = edge.reminders?.(message.userKey, message.region);
  const result = await converse(message, {
    store: services.conversations,
    llm: modelFor(config, message.region),
    model: config.model,
    rateLimit: config.rateLimit,
    sessionTtlSeconds: services.settings.sessionTtlSeconds,
    faq: { ...config.faq, languages, entries: () => faq.load(message.region) },
    ...toolsFor(edge, message, reminders),
    contentFilter: edge.contentFilter,
    forget: () => forgetCommand(edge, message),
    region: (args) => regionCommand(edge, message, args),
    ...remindersCommand(message, reminders),
    whileThinking: () => keepTyping(sender, message),
    ...(onText ? { onText } : {}),
  });
  const delivery = result.reply === null ? undefined : await deliver(sender, message.address, result.reply);
  if (delivery?.outcome === "undeliverable") {
    // Kept, with the region's retention, for when the user writes again.
    await services.conversations.recordUndelivered(
      message.userKey,
      message.id,
      result.reply!,
      services.settings.sessionTtlSeconds,
    );
  }
  await edge.metrics
    .record({
      channel: message.address.channel,
      region: message.region,
      outcome: result.outcome,
      delivery: delivery?.outcome ?? "none",
      ackMs,
      firstTokenMs: result.firstTokenMs ?? 0,
      totalMs: Date.now() - started,
      tokensIn: result.tokensIn ?? 0,
      tokensOut: result.tokensOut ?? 0,
      ...addKvUsage(takeKvUsage(), options.kvUsage),
    })
    .catch(() => {}); // metrics never fail a reply
  if (result.later) {
    const work = result.later();
    if (waitUntil) waitUntil(work);
    else await work;
  }
  return { result, delivery };
}

function remindersCommand(
  message: InboundMessage,
  book: ReminderBook | undefined,
): { reminders?: () => Promise<string> } {
  if (!book || !remindersOffered(message.address.channel)) return {};
  return { reminders: async () => describeReminders(await book.list()) };
}

function toolsFor(
  edge: EdgeContext,
  message: InboundMessage,
  reminders: ReminderBook | undefined,
): { tools?: ToolLoopOptions } {
  const context = {
    userKey: message.userKey,
    region: message.region,
    address: message.address,
    config: edge.config,
    ...(reminders ? { reminders } : {}),
  };
  const offer = toolOffer(context);
  if (!offer) return {};
  return { tools: { offer, context, maxRounds: edge.config.model.maxToolRounds } };
}

/** A reply faster than this needs no "typing…": it would only flash, and it costs a platform call. */
export const TYPING_DELAY_MS = 700;

/** Shows "typing…" once the model has taken a moment, and refreshes it until the returned function is called. */
function keepTyping(sender: ChannelSender, message: InboundMessage): () => void {
  const show = () => sender.typing(message.address).catch(() => {}); // cosmetic: never fails a reply
  let refresh: ReturnType<typeof setInterval> | undefined;
  const start = setTimeout(() => {
    void show();
    refresh = setInterval(show, sender.typingRefreshMs);
  }, TYPING_DELAY_MS);
  return () => {
    clearTimeout(start);
    if (refresh !== undefined) clearInterval(refresh);
  };
}
