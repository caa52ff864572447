import { messengerLoad } from "../messenger-load.js";
import type { Row, StandIns } from "../support.js";

/** Upstash requests (counted at the shim) and KV operations (counted at the bindings) per message. */
export async function roundTrips(standIns: StandIns, settings: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  const { users, total, upstash, usage, botApi } = await messengerLoad(
    standIns,
    settings,
    "metrics-endpoint",
    3_000_000,
  );
  rows.push([
    "Upstash round trips per message",
    `${total} answered messages`,
    `${(upstash.requests / total).toFixed(2)} requests`,
    `${(upstash.commands / total).toFixed(2)} commands`,
  ]);
  rows.push([
    "KV operations per message",
    `${total} answered messages, ${users} users`,
    `${(usage.kvReads / total).toFixed(2)} reads`,
    `${(usage.kvWrites / total).toFixed(2)} writes`,
  ]);
  rows.push([
    "Bot API calls per message",
    `${total} answered messages, private chats`,
    Object.entries(botApi)
      .sort((a, b) => b[1] - a[1])
      .map(([method, n]) => `${method} ${(n / total).toFixed(2)}`)
      .join(", "),
    "",
  ]);
  return rows;
}
