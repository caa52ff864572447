/**
 * The contract between the peers bench (bench/sections/peers.ts) and the peer bots (bench/peers/, a
 * package of its own). What a peer bot is given by the bench, in its environment: the same stand-ins, token, webhook
 * secret and model the gateway is given, so each answers the same deliveries in the same way.
 */
export interface PeerSettings {
  telegramApi: string;
  botToken: string;
  webhookSecret: string;
  /** What getMe answers (every field of Bot API's User for a bot), given ahead as grammY recommends for webhooks. */
  botInfo: { id: number; is_bot: true; first_name: string; username: string } & Record<string, unknown>;
  originUrl: string;
  originKey: string;
  model: string;
  instructions: string;
  redisUrl: string;
}

export const PEER_SETTINGS_VARIABLE = "PEER_SETTINGS";

export function peerSettings(): PeerSettings {
  const raw = process.env[PEER_SETTINGS_VARIABLE];
  if (!raw) throw new Error(`${PEER_SETTINGS_VARIABLE} is not set: peers are started by npm run bench -- peers`);
  return JSON.parse(raw) as PeerSettings;
}
