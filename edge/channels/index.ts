import type { Config } from "../config.js";
import { telegramChannel } from "./telegram/index.js";
import { whatsappChannel } from "./whatsapp/index.js";
import type { ChannelAdapter, ChannelName, ChannelSender } from "./types.js";

/** Every channel, by name. A new channel is one folder and one line here. */
export const channels: { [N in ChannelName]: ChannelAdapter<never> } = {
  telegram: telegramChannel as ChannelAdapter<never>,
  whatsapp: whatsappChannel as ChannelAdapter<never>,
};

const senders = new WeakMap<Config, Map<ChannelName, ChannelSender>>();

/** The outbound side of `name`, or undefined when this deployment does not configure that channel. */
export function senderFor(config: Config, name: ChannelName): ChannelSender | undefined {
  let byName = senders.get(config);
  if (!byName) senders.set(config, (byName = new Map()));
  let sender = byName.get(name);
  if (!sender) {
    const adapter = channels[name] as ChannelAdapter<unknown>;
    const settings = adapter.settings(config);
    if (settings === undefined) return undefined;
    sender = adapter.sender(settings);
    byName.set(name, sender);
  }
  return sender;
}
