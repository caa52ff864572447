import type { Config } from "../config.js";
import { telegramChannel } from "./telegram/index.js";
import { whatsappChannel } from "./whatsapp/index.js";
import type { ChannelName, ChannelSender, WebhookChannel } from "./types.js";

/** The channels whose replies go through the queue, by name. A new one is a folder and a line here. */
export const webhookChannels: Partial<Record<ChannelName, WebhookChannel<never>>> = {
  telegram: telegramChannel as WebhookChannel<never>,
  whatsapp: whatsappChannel as WebhookChannel<never>,
};

const senders = new WeakMap<Config, Map<ChannelName, ChannelSender>>();

/** The outbound side of `name`, or undefined when this deployment does not configure that channel. */
export function senderFor(config: Config, name: ChannelName): ChannelSender | undefined {
  let byName = senders.get(config);
  if (!byName) senders.set(config, (byName = new Map()));
  let sender = byName.get(name);
  if (!sender) {
    const adapter = webhookChannels[name] as WebhookChannel<unknown> | undefined;
    const settings = adapter?.settings(config);
    if (!adapter || settings === undefined) return undefined;
    sender = adapter.sender(settings);
    byName.set(name, sender);
  }
  return sender;
}
