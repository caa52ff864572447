import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, startStack, TELEGRAM_TOKEN, type Stack } from "../../infra/local/edge-stack.js";
import { say } from "../../edge/texts/index.js";
import { COMMANDS } from "../../edge/commands/index.js";
import { helpText } from "../../edge/commands/help.js";

/**
 * Telegram groups, as people use them: a conversation per chat (a private chat, a group, a forum
 * topic), nothing of one in another's prompt or reply, and a bot that answers in a group only when
 * addressed. The shapes are those of the corpus's real group updates (test/fixtures/corpus/telegram).
 */
const BOT_ID = Number(TELEGRAM_TOKEN.slice(0, TELEGRAM_TOKEN.indexOf(":")));
const BOT = "local_assistant_bot";
/** Long enough for the queue consumer and the inbox to act on anything they were going to act on. */
const SETTLE_MS = 1200;

let stack: Stack;
let nextUpdate = 700_000;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.emulator.reset();
  stack.telegram.reset();
});

interface Sent {
  chat: { id: number; type: string; title?: string; is_forum?: boolean };
  from: { id: number; first_name: string };
  text?: string;
  extra?: Record<string, unknown>;
}

/** Sends one message update and returns its message_id. */
async function send({ chat, from, text, extra = {} }: Sent): Promise<number> {
  const id = nextUpdate++;
  const res = await stack.sendUpdate({
    update_id: id,
    message: {
      message_id: id,
      from: { ...from, is_bot: false, language_code: "en" },
      chat,
      date: Math.floor(Date.now() / 1000),
      ...(text !== undefined ? { text } : {}),
      ...extra,
    },
  });
  expect(res.status).toBe(200);
  return id;
}

// New people for every test: each person may send only so many messages a second (RATE_LIMIT_*).
let nextPerson = 4200;
let ada = { id: 0, first_name: "Ada" };
let bob = { id: 0, first_name: "Bob" };
beforeEach(() => {
  ada = { id: nextPerson++, first_name: "Ada" };
  bob = { id: nextPerson++, first_name: "Bob" };
});
const privateChat = (user: { id: number }) => ({ id: user.id, type: "private" });
const mention = (text: string) => ({
  text: `@${BOT} ${text}`,
  extra: { entities: [{ type: "mention", offset: 0, length: BOT.length + 1 }] },
});

/** Every prompt the model was given, as one string per request. */
const prompts = () => stack.emulator.requests.map((r) => JSON.stringify(r.body.messages));

describe("conversations belong to their chat", () => {
  it("never lets a private message reach a group's prompt or reply", async () => {
    const group = { id: -1001230001, type: "supergroup", title: "Team" };
    await send({ chat: privateChat(ada), from: ada, text: "my codeword is Walrus-77" });
    await stack.telegram.waitForMessages(1, { chatId: ada.id });
    const { text, extra } = mention("what is my codeword?");
    await send({ chat: group, from: ada, text, extra });
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: group.id });
    expect(reply!.text).not.toContain("Walrus");
    const groupPrompt = prompts().find((p) => p.includes("what is my codeword?"))!;
    expect(groupPrompt).not.toContain("Walrus");
    // And the other way: the group's conversation does not reach the private chat.
    await send({ chat: privateChat(ada), from: ada, text: "and now?" });
    await stack.telegram.waitForMessages(2, { chatId: ada.id });
    expect(prompts().at(-1)).not.toContain("what is my codeword?");
  });

  it("keeps a forum topic's conversation apart from the rest of its group, and answers in the topic", async () => {
    const forum = { id: -1001230002, type: "supergroup", title: "Support", is_forum: true };
    const inTopic = { message_thread_id: 77, is_topic_message: true };
    await send({
      chat: forum,
      from: ada,
      ...mention("topic question one"),
      extra: { ...mention("x").extra, ...inTopic },
    });
    await stack.telegram.waitForMessages(1, { chatId: forum.id });
    const call = stack.telegram.calls.find((c) => c.method === "sendmessage")!;
    expect(call.params.message_thread_id).toBe(77);
    await send({ chat: forum, from: ada, ...mention("general question") });
    await stack.telegram.waitForMessages(2, { chatId: forum.id });
    expect(prompts().at(-1)).not.toContain("topic question one");
    const general = stack.telegram.calls.filter((c) => c.method === "sendmessage").at(-1)!;
    expect(general.params.message_thread_id).toBeUndefined();
  });
});

describe("group manners", () => {
  const group = { id: -1001230003, type: "supergroup", title: "Friends" };

  it("answers a mention, a reply to its own message and its commands, each as a reply in the group", async () => {
    const asked = await send({ chat: group, from: ada, ...mention("when do you open?") });
    const [first] = await stack.telegram.waitForMessages(1, { chatId: group.id });
    expect(first!.text).toContain("when do you open?");
    expect(first!.text).not.toContain(`@${BOT}`);
    const quoted = stack.telegram.calls.find((c) => c.method === "sendmessage")!.params.reply_parameters as {
      message_id: number;
    };
    expect(quoted.message_id).toBe(asked);

    // A reply to the bot's message needs no mention.
    await send({
      chat: group,
      from: bob,
      text: "and on Sundays?",
      extra: {
        reply_to_message: {
          message_id: 1,
          from: { id: BOT_ID, is_bot: true, first_name: "Assistant" },
          chat: group,
          date: 1,
          text: first!.text,
        },
      },
    });
    await stack.telegram.waitForMessages(2, { chatId: group.id });
    await send({ chat: group, from: bob, text: "/help" });
    await send({ chat: group, from: bob, text: `/help@${BOT}` });
    const replies = await stack.telegram.waitForMessages(4, { chatId: group.id });
    expect(replies.slice(2).map((r) => r.text)).toEqual([helpText(say, COMMANDS), helpText(say, COMMANDS)]);
  });

  it("stays silent on chatter, other bots' commands, service messages and media in a group", async () => {
    await send({ chat: group, from: ada, text: "did anyone see the match?" });
    await send({ chat: group, from: bob, text: "/report@OtherBot" });
    await send({ chat: group, from: bob, text: "/report" });
    await send({ chat: group, from: bob, extra: { new_chat_members: [{ id: 9, is_bot: false, first_name: "Cy" }] } });
    await send({ chat: group, from: bob, extra: { pinned_message: { message_id: 3, date: 1, chat: group } } });
    await send({ chat: group, from: bob, extra: { dice: { emoji: "🎲", value: 4 } } });
    await send({
      chat: group,
      from: bob,
      extra: { photo: [{ file_id: "x", file_unique_id: "y", width: 1, height: 1 }] },
    });
    await send({ chat: group, from: bob, extra: { forum_topic_created: { name: "Orders", icon_color: 7322096 } } });
    await sleep(SETTLE_MS);
    expect(stack.telegram.calls.filter((c) => c.method !== "getme")).toEqual([]);
    expect(stack.emulator.requests).toEqual([]);
  });

  it("answers every message once an admin says /answer all, and only an admin may", async () => {
    const room = { id: -1001230004, type: "supergroup", title: "Shop" };
    await send({ chat: room, from: bob, text: "/answer all" });
    expect((await stack.telegram.waitForMessages(1, { chatId: room.id }))[0]!.text).toBe(say("answer.adminsOnly"));
    stack.telegram.addAdmin(room.id, ada.id);
    await send({ chat: room, from: ada, text: "/answer all" });
    expect((await stack.telegram.waitForMessages(2, { chatId: room.id }))[1]!.text).toBe(say("answer.all"));
    await send({ chat: room, from: bob, text: "what does shipping cost?" });
    expect((await stack.telegram.waitForMessages(3, { chatId: room.id }))[2]!.text).toContain("shipping");
    await send({ chat: room, from: ada, text: "/answer mentions" });
    await stack.telegram.waitForMessages(4, { chatId: room.id });
    await send({ chat: room, from: bob, text: "ok thanks all" });
    await sleep(SETTLE_MS);
    expect(stack.telegram.sent(room.id)).toHaveLength(4);
  });

  it("follows a group that became a supergroup: its conversation goes with it", async () => {
    const old = { id: -4001, type: "group", title: "Club" };
    await send({ chat: old, from: ada, ...mention("remember the password swordfish") });
    await stack.telegram.waitForMessages(1, { chatId: old.id });
    await send({ chat: old, from: ada, extra: { migrate_to_chat_id: -1004001 } });
    await sleep(SETTLE_MS);
    const upgraded = { id: -1004001, type: "supergroup", title: "Club" };
    await send({ chat: upgraded, from: ada, extra: { migrate_from_chat_id: -4001 } });
    await send({ chat: upgraded, from: ada, ...mention("what did I ask you to remember?") });
    await stack.telegram.waitForMessages(1, { chatId: upgraded.id });
    expect(prompts().at(-1)).toContain("swordfish");
    expect(stack.telegram.sent(old.id)).toHaveLength(1);
  });

  it("erases a member's turns from the group with /forget, and keeps the others'", async () => {
    const club = { id: -1001230005, type: "supergroup", title: "Book club" };
    const carl = { id: 4203, first_name: "Carl" };
    await send({ chat: club, from: carl, ...mention("my flat is at Elm Street 5") });
    await stack.telegram.waitForMessages(1, { chatId: club.id });
    await send({ chat: club, from: bob, ...mention("I like crime novels") });
    await stack.telegram.waitForMessages(2, { chatId: club.id });
    await send({ chat: privateChat(carl), from: carl, text: "/forget" });
    const [report] = await stack.telegram.waitForMessages(1, { chatId: carl.id });
    expect(report!.text).toContain("2 messages");
    await send({ chat: club, from: bob, ...mention("what do you know about us?") });
    await stack.telegram.waitForMessages(3, { chatId: club.id });
    const prompt = prompts().at(-1)!;
    expect(prompt).not.toContain("Elm Street");
    expect(prompt).toContain("crime novels");
  });
});

describe("Telegram's own documented samples", () => {
  it("answers an update without from.is_bot", async () => {
    const res = await stack.sendUpdate({
      update_id: nextUpdate++,
      message: {
        date: 1441645532,
        chat: { last_name: "Test Lastname", id: 1111111, first_name: "Test", username: "Test" },
        message_id: 1365,
        from: { last_name: "Test Lastname", id: 1111111, first_name: "Test", username: "Test" },
        text: "/start",
      },
    });
    expect(res.status).toBe(200);
    const [reply] = await stack.telegram.waitForMessages(1, { chatId: 1111111 });
    expect(reply!.text).toBe(say("start"));
  });
});
