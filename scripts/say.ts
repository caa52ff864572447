/**
 * Sends a message to the local stack as a platform would, signed with the local stack's secrets:
 *
 *   npm run say -- telegram "Hello!"            [--user 42] [--group -100123]
 *   npm run say -- whatsapp "Hallo!"            [--user 4915112345678]
 *   npm run say -- http "Hello!"                [--user crm-1]   (the HTTP API: prints the reply)
 *
 * The reply appears in the `npm run dev` terminal. Each call is a new message (a new update_id or
 * wamid); the same user keeps one conversation.
 */
import { createHmac, randomBytes } from "node:crypto";
import { localSetting } from "../infra/local/defaults.js";

const [channel, text, ...rest] = process.argv.slice(2);
const userFlag = rest.indexOf("--user");
const user = userFlag >= 0 ? rest[userFlag + 1] : undefined;
const groupFlag = rest.indexOf("--group");
/** A Telegram group's chat id (negative): the message is posted there, by the user. */
const group = groupFlag >= 0 ? rest[groupFlag + 1] : undefined;
const edge = `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const now = Math.floor(Date.now() / 1000);

async function main(): Promise<void> {
  if (!text || (channel !== "telegram" && channel !== "whatsapp" && channel !== "http")) {
    console.error(
      'usage: npm run say -- telegram|whatsapp|http "your message" [--user ID] [--group CHAT_ID (telegram)]',
    );
    process.exit(2);
  }
  let res: Response;
  if (channel === "http") {
    // The first key of HTTP_API_KEYS ("name:key,…"), read here so that no terminal shows it.
    const key = localSetting("HTTP_API_KEYS")
      .split(",")[0]!
      .replace(/^[\w-]+:/, "");
    res = await fetch(`${edge}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: user ?? "crm-1", text }),
    });
    console.log(`HTTP API → ${res.status}\n${JSON.stringify(await res.json(), null, 2)}`);
    return;
  }
  if (channel === "telegram") {
    const id = Number(user ?? 42);
    const updateId = Date.now() % 2_000_000_000;
    res = await fetch(`${edge}/webhooks/telegram`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": localSetting("TELEGRAM_WEBHOOK_SECRET"),
      },
      body: JSON.stringify({
        update_id: updateId,
        message: {
          message_id: updateId,
          date: now,
          chat: group ? { id: Number(group), type: "supergroup", title: "Local group" } : { id, type: "private" },
          from: { id, is_bot: false, first_name: "Ada" },
          text,
        },
      }),
    });
  } else {
    const waId = user ?? "4915112345678";
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "100000000000000",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: {
                  display_phone_number: "15550000000",
                  phone_number_id: localSetting("WHATSAPP_PHONE_NUMBER_ID"),
                },
                contacts: [{ profile: { name: "Ada" }, wa_id: waId }],
                messages: [
                  {
                    from: waId,
                    id: `wamid.${randomBytes(16).toString("base64url")}`,
                    timestamp: String(now),
                    type: "text",
                    text: { body: text },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = createHmac("sha256", localSetting("WHATSAPP_APP_SECRET")).update(body).digest("hex");
    res = await fetch(`${edge}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${signature}` },
      body,
    });
  }
  console.log(`${channel} webhook → ${res.status} ${await res.text()}`);
}

main().catch((err: unknown) => {
  console.error(
    `could not reach the local stack at ${edge}: is npm run dev running? (${err instanceof Error ? err.message : String(err)})`,
  );
  process.exit(1);
});
