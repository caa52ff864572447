import { readFileSync } from "node:fs";
import { COMMAND_NAMES } from "../../../edge/commands/index.js";
import { describe, expect, it } from "vitest";
import { readTelegramUpdate } from "../../../edge/channels/telegram/inbound.js";

/** How a group message concerns the bot, case by case (shapes as in the corpus's real updates). */
const bot = { id: "7000000001", username: "ShopBot", commands: COMMAND_NAMES };
const group = { id: -1001234567890, type: "supergroup", title: "Shop" };
const from = { id: 42, is_bot: false, first_name: "Ada" };

function read(message: Record<string, unknown>) {
  const delivered = readTelegramUpdate(
    { update_id: 1, message: { message_id: 5, date: 1767225600, chat: group, from, ...message } },
    bot,
    "eu",
  )!;
  const [m] = delivered.messages;
  if (!m) return { ignored: delivered.ignored };
  return {
    kind: m.content.kind,
    text: m.content.kind === "text" ? m.content.text : undefined,
    chatter: m.chatter ?? false,
  };
}

describe("a group message is for the bot when", () => {
  it.each([
    [
      "it mentions the bot",
      { text: "@ShopBot where is my parcel?", entities: [{ type: "mention", offset: 0, length: 8 }] },
      "where is my parcel?",
    ],
    ["it mentions the bot mid-sentence, in another case", { text: "hey @shopbot, open today?" }, "hey open today?"],
    [
      "it mentions the bot's account without a username",
      { text: "Shop, hi", entities: [{ type: "text_mention", offset: 0, length: 4, user: { id: 7000000001 } }] },
      "Shop, hi",
    ],
    [
      "it replies to the bot's message",
      { text: "and tomorrow?", reply_to_message: { message_id: 4, from: { id: 7000000001, is_bot: true } } },
      "and tomorrow?",
    ],
  ])("%s", (_name, message, text) => {
    expect(read(message)).toEqual({ kind: "text", text, chatter: false });
  });

  it.each([
    ["/help", "help"],
    ["/help@ShopBot", "help"],
    ["/reset@shopbot", "reset"],
  ])("it sends the command %s", (text) => {
    expect(read({ text })).toMatchObject({ kind: "command", chatter: false });
  });
});

describe("a group message is not for the bot when", () => {
  it.each([
    ["it talks to the others", { text: "did anyone see the match?" }],
    ["it replies to a member", { text: "me too", reply_to_message: { message_id: 3, from: { id: 43 } } }],
    [
      "it is posted in a forum topic the bot opened",
      {
        text: "hi",
        reply_to_message: { message_id: 2, from: { id: 7000000001 }, forum_topic_created: { name: "Orders" } },
      },
    ],
    ["it mentions another bot", { text: "@OtherBot ban him", entities: [{ type: "mention", offset: 0, length: 9 }] }],
  ])("%s (chatter, answered only where the group asked for every message)", (_name, message) => {
    expect(read(message)).toMatchObject({ kind: "text", chatter: true });
  });

  it.each([["/report@OtherBot"], ["/report"]])("it sends %s, a command for another bot", (text) => {
    expect(read({ text })).toEqual({ ignored: ["command_for_another_bot"] });
  });

  it.each([
    ["a member joined", { new_chat_members: [{ id: 9, is_bot: false, first_name: "Cy" }] }, "service_new_chat_members"],
    [
      "a topic was created",
      { forum_topic_created: { name: "Orders", icon_color: 7322096 } },
      "service_forum_topic_created",
    ],
    ["a dice was thrown", { dice: { emoji: "🎲", value: 3 } }, "group_dice"],
    ["a photo without caption", { photo: [] }, "group_photo"],
  ])("%s", (_name, message, kind) => {
    expect(read(message)).toEqual({ ignored: [kind] });
  });
});

describe("conversations", () => {
  const keys = (chat: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const m = readTelegramUpdate(
      { update_id: 2, message: { message_id: 6, date: 1, chat, from, text: "/help", ...extra } },
      bot,
      "eu",
    )!.messages[0]!;
    return { userKey: m.userKey, chatKey: m.chatKey, thread: m.address.thread };
  };

  it("are the user's in a private chat, the group's in a group, and the topic's in a forum topic", () => {
    expect(keys({ id: 42, type: "private" })).toEqual({
      userKey: "telegram:7000000001:42",
      chatKey: "telegram:7000000001:42",
      thread: undefined,
    });
    expect(keys(group)).toEqual({
      userKey: "telegram:7000000001:42",
      chatKey: "telegram:7000000001:-1001234567890",
      thread: undefined,
    });
    expect(keys({ ...group, is_forum: true }, { message_thread_id: 33, is_topic_message: true })).toEqual({
      userKey: "telegram:7000000001:42",
      chatKey: "telegram:7000000001:-1001234567890#33",
      thread: "33",
    });
  });

  it("follow a group that became a supergroup", () => {
    const delivered = readTelegramUpdate(
      {
        update_id: 3,
        message: { message_id: 7, date: 1, chat: { id: -4001, type: "group" }, from, migrate_to_chat_id: -1004001 },
      },
      bot,
      "eu",
    )!;
    expect(delivered.messages[0]!.content).toEqual({ kind: "chat_moved", to: "telegram:7000000001:-1004001" });
  });
});

describe("reactions", () => {
  const user = { id: 42, is_bot: false, first_name: "Ada", language_code: "de" };
  const emoji = (...list: string[]) => list.map((e) => ({ type: "emoji", emoji: e }));
  /** A message_reaction update, hand-written after the Bot API's MessageReactionUpdated. */
  const reaction = (change: Record<string, unknown>, chat: Record<string, unknown> = { id: 42, type: "private" }) =>
    readTelegramUpdate(
      { update_id: 77, message_reaction: { chat, message_id: 9, user, date: 1767225600, ...change } },
      bot,
      "eu",
    )!;
  /** The text `user` would send in `chat`: the keys a reaction must share. */
  const text = (chat: Record<string, unknown>) =>
    readTelegramUpdate(
      { update_id: 76, message: { message_id: 8, date: 1767225500, chat, from: user, text: "/help" } },
      bot,
      "eu",
    )!.messages[0]!;

  it("counts a thumbs-up added in a private chat, keyed as that user's text, never as chatter", () => {
    const delivered = reaction({ old_reaction: [], new_reaction: emoji("👍") });
    expect(delivered.ignored).toEqual([]);
    const [m] = delivered.messages;
    const { content: _content, id: _id, sentAt: _sentAt, address, ...keys } = text({ id: 42, type: "private" });
    expect(m).toMatchObject({
      ...keys,
      id: "telegram:7000000001:77",
      address: { ...address, messageId: "9" },
      sentAt: 1767225600_000,
      content: { kind: "reaction", value: "up" },
    });
    expect(m!.chatter).toBeFalsy();
  });

  it("counts a thumbs-down in a group with the group's key, and an anonymous one with the chat's", () => {
    const [m] = reaction({ old_reaction: [], new_reaction: emoji("👎") }, group).messages;
    expect(m).toMatchObject({ content: { kind: "reaction", value: "down" }, chatKey: text(group).chatKey });
    expect(m!.userKey).toBe(text(group).userKey);
    expect(m!.address).toEqual({ ...text(group).address, messageId: "9" });

    const anonymous = readTelegramUpdate(
      {
        update_id: 78,
        message_reaction: {
          chat: group,
          message_id: 9,
          actor_chat: group,
          date: 1,
          old_reaction: [],
          new_reaction: emoji("🔥"),
        },
      },
      bot,
      "eu",
    )!.messages[0]!;
    expect(anonymous).toMatchObject({
      content: { kind: "reaction", value: "up" },
      chatKey: "telegram:7000000001:-1001234567890",
      userKey: "telegram:7000000001:-1001234567890",
    });
  });

  it("counts only an emoji added: one already there, a removal, 🤔 and custom emoji are ignored", () => {
    const ignored = { messages: [], ignored: ["reaction"] };
    expect(reaction({ old_reaction: emoji("👍"), new_reaction: [] })).toEqual(ignored);
    expect(reaction({ old_reaction: emoji("👍"), new_reaction: emoji("👍") })).toEqual(ignored);
    expect(reaction({ old_reaction: emoji("👍"), new_reaction: emoji("👍", "🤔") })).toEqual(ignored);
    expect(reaction({ old_reaction: [], new_reaction: emoji("🤔") })).toEqual(ignored);
    expect(
      reaction({ old_reaction: [], new_reaction: [{ type: "custom_emoji", custom_emoji_id: "5368324170671202286" }] }),
    ).toEqual(ignored);
    expect(reaction({ old_reaction: [], new_reaction: [{ type: "paid" }] })).toEqual(ignored);
    // Switching from 🤔 to ❤️ adds a heart.
    expect(reaction({ old_reaction: emoji("🤔"), new_reaction: emoji("❤️") }).messages[0]!.content).toEqual({
      kind: "reaction",
      value: "up",
      on: "9",
    });
  });

  it("reads the corpus's real update (nutgram): ❤️ kept, 🤡 added, a custom emoji added: one thumbs-down", () => {
    const payload = JSON.parse(
      readFileSync("test/fixtures/corpus/telegram/nutgram-message_reaction.json", "utf8"),
    ) as Record<string, unknown>;
    const delivered = readTelegramUpdate(payload, bot, "eu")!;
    expect(delivered.ignored).toEqual([]);
    expect(delivered.messages).toHaveLength(1);
    expect(delivered.messages[0]).toMatchObject({
      id: "telegram:7000000001:1",
      userKey: "telegram:7000000001:456",
      chatKey: "telegram:7000000001:456",
      address: { channel: "telegram", account: "7000000001", chat: "456", messageId: "123" },
      sentAt: 1684984664_000,
      lang: "en",
      content: { kind: "reaction", value: "down" },
    });
  });

  it("acknowledges a reaction it cannot read, and a channel's, without counting them", () => {
    expect(reaction({ new_reaction: "👍" })).toEqual({ messages: [], ignored: ["unreadable_reaction"] });
    expect(reaction({ old_reaction: [], new_reaction: emoji("👍") }, { id: -100777, type: "channel" })).toEqual({
      messages: [],
      ignored: ["reaction"],
    });
  });
});
