import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../../edge/commands/index.js";
import { CHANNELS } from "../../../edge/channels/registry.js";
import { channelSettings } from "../../../edge/channels/types.js";
import { whatsapp } from "../../../edge/channels/whatsapp/index.js";
import { whatsappWebhook } from "../../../edge/channels/whatsapp/inbound.js";
import { parseConfig } from "../../../edge/config.js";
import { FAKE_SETTINGS } from "../../support/fake-edge.js";

/** Reactions, read from the corpus's real payloads (test/fixtures/corpus, sources in its manifest). */
const config = parseConfig(FAKE_SETTINGS, CHANNELS);
type Payload = { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
const corpus = (file: string) => JSON.parse(readFileSync(`test/fixtures/corpus/whatsapp/${file}`, "utf8")) as Payload;

/** A payload read as the edge of the business number it was sent to. */
async function read(payload: Payload) {
  const phoneNumberId = (payload.entry[0]!.changes[0]!.value as { metadata?: { phone_number_id?: string } }).metadata!
    .phone_number_id!;
  return whatsappWebhook.parse(
    payload,
    { ...channelSettings(config, whatsapp)!, phoneNumberId },
    { config, commands: COMMAND_NAMES },
  );
}

/** The payload with its one message's reaction emoji replaced (hand-made from a real one). */
function withEmoji(payload: Payload, emoji: string | undefined): Payload {
  const copy = structuredClone(payload);
  const m = copy.entry[0]!.changes[0]!.value.messages[0]!;
  m.reaction = { ...(m.reaction as object), emoji };
  return copy;
}

describe("a WhatsApp reaction", () => {
  it("is a thumbs-up, keyed as the same sender's text message (vercel/chat's samples)", async () => {
    const [reaction] = (await read(corpus("vercel-chat-reaction.json"))).messages;
    const [text] = (await read(corpus("vercel-chat-text-message.json"))).messages;
    // It names the message reacted to (a thumb changed on it later counts once).
    expect(reaction!.content).toMatchObject({ kind: "reaction", value: "up", on: expect.stringMatching(/^wamid\./) });
    expect(text!.content.kind).toBe("text");
    const keys = ({ userKey, chatKey, region, address }: NonNullable<typeof text>) => ({
      userKey,
      chatKey,
      region,
      channel: address.channel,
      account: address.account,
      chat: address.chat,
    });
    expect(keys(reaction!)).toEqual(keys(text!));
    expect(reaction!.id).toMatch(/^whatsapp:wamid\./);
    expect(reaction!.chatter).toBeFalsy();
  });

  it("is a thumbs-down for 👎 and 💩, and up for a toned 👍🏽", async () => {
    const payload = corpus("java-api-react-message.json");
    expect((await read(payload)).messages[0]!.content).toMatchObject({ kind: "reaction", value: "up" });
    for (const [emoji, value] of [
      ["👎", "down"],
      ["💩", "down"],
      ["👍🏽", "up"],
    ] as const) {
      expect((await read(withEmoji(payload, emoji))).messages[0]!.content, emoji).toMatchObject({
        kind: "reaction",
        value,
      });
    }
  });

  it.each([
    ["😮, which says neither (pywa)", "pywa-message-reaction.json"],
    ["taken back: an empty emoji (pywa)", "pywa-message-unreaction-empty.json"],
    ["taken back: no emoji at all (pywa)", "pywa-message-unreaction-no-emoji.json"],
  ])("is ignored as a reaction when %s", async (_name, file) => {
    expect(await read(corpus(file))).toEqual({ messages: [], ignored: ["reaction"] });
  });

  it("is ignored as a reaction for 🤔, and its malformed emoji never sinks the delivery", async () => {
    const payload = corpus("java-api-react-message.json");
    expect(await read(withEmoji(payload, "🤔"))).toEqual({ messages: [], ignored: ["reaction"] });
    const odd = structuredClone(payload);
    odd.entry[0]!.changes[0]!.value.messages[0]!.reaction = { emoji: 7 };
    expect(await read(odd)).toEqual({ messages: [], ignored: ["reaction"] });
  });
});
