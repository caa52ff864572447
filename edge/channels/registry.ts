import { http } from "./http/index.js";
import { telegram } from "./telegram/index.js";
import type { Channel } from "./types.js";
import { webchat } from "./webchat/index.js";
import { whatsapp } from "./whatsapp/index.js";

/** Every channel, in one list: adding a channel is a folder and one line here. */
// (Each keeps its own settings type; the list holds them side by side.)
export const CHANNELS = [telegram, whatsapp, webchat, http] as unknown as readonly Channel[];

/** The channel called `name`, if there is one. */
export function channelNamed(name: string): Channel | undefined {
  return CHANNELS.find((c) => c.name === name);
}
