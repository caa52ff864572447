import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, startStack, textUpdate, whatsappPayload, type Stack } from "../../infra/local/edge-stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

/** The wall-clock time `ms` from now in `timeZone`, as a user would say it: "2026-11-21T10:22:58". */
const localIn = (ms: number, timeZone: string) =>
  new Date(Date.now() + ms).toLocaleString("sv-SE", { timeZone }).replace(" ", "T");
const call = (name: string, args: Record<string, unknown>) => ({
  toolCalls: [{ name, arguments: JSON.stringify(args) }],
});
/** The tool results the model was given in request `request`. */
const toolResults = (request: number) =>
  (stack.emulator.requests[request]?.body.messages ?? [])
    .filter((m) => (m as { role: string }).role === "tool")
    .map((m) => JSON.parse(m.content) as Record<string, unknown>);

async function say(chat: number, text: string, replies: number): Promise<string> {
  await stack.sendUpdate(textUpdate(chat, text));
  const sent = await stack.telegram.waitForMessages(replies, { chatId: chat });
  return sent.at(-1)!.text;
}

describe("reminders", () => {
  it("creates a reminder in the user's time zone, confirms it in plain words and delivers it when due", async () => {
    const chat = 8400;
    stack.emulator.enqueue(
      call("create_reminder", { when: localIn(2500, "Europe/Berlin"), time_zone: "Europe/Berlin", text: "call mum" }),
      { content: "Done: I will remind you." },
    );
    expect(await say(chat, "remind me in a moment to call mum", 1)).toBe("Done: I will remind you.");
    const [created] = toolResults(1);
    expect(created).toMatchObject({ created: true });
    expect(String(created!.due)).toMatch(/^\w+day, \d{1,2} \w+ \d{4} at \d{2}:\d{2} \(Europe\/Berlin\)$/);

    // Fired by the Durable Object's alarm, on the chat the user set it from, with no message from them.
    const [, reminder] = await stack.telegram.waitForMessages(2, { chatId: chat, timeoutMs: 15_000 });
    expect(reminder!.text).toBe("⏰ Reminder: call mum");
    expect(await say(chat, "/reminders", 3)).toBe(
      "You have no reminders. Ask me to remind you of something, with a date and time.",
    );
  });

  it("asks for the time zone when the user never gave one, then remembers it", async () => {
    const chat = 8401;
    stack.emulator.enqueue(call("create_reminder", { when: "2030-01-02T09:00", text: "dentist" }), {
      content: "Which city are you in?",
    });
    expect(await say(chat, "remind me of the dentist on 2 January 2030 at 9", 1)).toBe("Which city are you in?");
    expect(String(toolResults(1)[0]!.error)).toMatch(/time zone is unknown\. Ask the user/);

    stack.emulator.enqueue(
      call("create_reminder", { when: "2030-01-02T09:00", time_zone: "America/New_York", text: "dentist" }),
      { content: "Set." },
    );
    await say(chat, "New York", 2);
    expect(toolResults(3)[0]).toMatchObject({
      created: true,
      due: "Wednesday, 2 January 2030 at 09:00 (America/New_York)",
    });

    // The zone given once is used for the next reminder.
    stack.emulator.enqueue(call("create_reminder", { when: "2030-01-03T18:30", text: "gym" }), { content: "Set too." });
    await say(chat, "and the gym on the 3rd at 18:30", 3);
    expect(toolResults(5)[0]).toMatchObject({
      created: true,
      due: "Thursday, 3 January 2030 at 18:30 (America/New_York)",
    });
    expect(await say(chat, "/reminders", 4)).toBe(
      [
        "Your reminders:",
        "• Wednesday, 2 January 2030 at 09:00 (America/New_York): dentist",
        "• Thursday, 3 January 2030 at 18:30 (America/New_York): gym",
      ].join("\n"),
    );
  });

  it("refuses a time that has passed and a date that is no date", async () => {
    const chat = 8402;
    stack.emulator.enqueue(call("create_reminder", { when: "2020-05-01T10:00", time_zone: "UTC", text: "old" }), {
      content: "That is in the past.",
    });
    await say(chat, "remind me on 1 May 2020", 1);
    expect(String(toolResults(1)[0]!.error)).toContain("has already passed");

    stack.emulator.enqueue(
      call("create_reminder", { when: "next friday", time_zone: "UTC", text: "x" }),
      call("create_reminder", { when: "next friday", time_zone: "UTC", text: "x" }),
      { content: "Which date?" },
    );
    await say(chat, "remind me next friday", 2);
    expect(String(toolResults(3)[0]!.error)).toMatch(
      /^Invalid arguments for create_reminder: when: the user's local date and time as YYYY-MM-DDTHH:MM/,
    );
    expect(await say(chat, "/reminders", 3)).toMatch(/^You have no reminders/);
  });

  it("lists and cancels only the user's own reminders", async () => {
    const owner = 8403;
    const other = 8404;
    stack.emulator.enqueue(
      call("create_reminder", { when: "2031-06-01T08:00", time_zone: "Europe/Dublin", text: "renew passport" }),
      { content: "Set." },
    );
    await say(owner, "remind me to renew my passport on 1 June 2031 at 8", 1);
    const id = String(toolResults(1)[0]!.id);

    // Another user's model is talked into cancelling the owner's reminder by its id: not found.
    stack.emulator.enqueue(call("cancel_reminder", { id }), { content: "I could not find it." });
    await say(other, `cancel reminder ${id}`, 1);
    expect(toolResults(3)[0]).toEqual({ cancelled: false, id, note: "The user has no reminder with this id." });

    stack.emulator.enqueue(call("list_reminders", {}), call("cancel_reminder", { id }), { content: "Cancelled." });
    await say(owner, "cancel my passport reminder", 2);
    expect(toolResults(5)[0]).toEqual({
      reminders: [{ id, due: "Sunday, 1 June 2031 at 08:00 (Europe/Dublin)", text: "renew passport" }],
    });
    expect(toolResults(6)[1]).toEqual({ cancelled: true, id });
    expect(await say(owner, "/reminders", 3)).toMatch(/^You have no reminders/);
  });

  it("/forget deletes pending reminders too, and says so", async () => {
    const chat = 8405;
    stack.emulator.enqueue(
      call("create_reminder", { when: "2032-02-02T12:00", time_zone: "UTC", text: "tax return" }),
      { content: "Set." },
    );
    await say(chat, "remind me of my tax return", 1);
    expect(await say(chat, "/forget", 2)).toContain("• 1 reminder\n");
    expect(await say(chat, "/reminders", 3)).toMatch(/^You have no reminders/);
  });

  it("on WhatsApp outside the 24-hour window, delivers a due reminder as the configured template", async () => {
    const wa = await startStack({
      settings: { WHATSAPP_TEMPLATE_NAME: "reminder_due", WHATSAPP_TEMPLATE_LANGUAGE: "en_US" },
    });
    try {
      const user = "4915100000040";
      wa.emulator.enqueue(
        call("create_reminder", {
          when: localIn(2500, "Europe/Berlin"),
          time_zone: "Europe/Berlin",
          text: "water the plants",
        }),
        { content: "Set." },
      );
      // The user last wrote more than a day ago (a delayed delivery): no free text may reach them now.
      await wa.sendWhatsApp(
        whatsappPayload(user, "remind me to water the plants", {
          timestamp: Math.floor(Date.now() / 1000) - 25 * 3600,
        }),
      );
      for (let i = 0; i < 100 && wa.whatsapp.templates(user).length < 2; i++) await sleep(100);
      expect(wa.whatsapp.templates(user)).toEqual([
        { chatId: user, text: "reminder_due" }, // the reply
        { chatId: user, text: "reminder_due" }, // the reminder, when due
      ]);
      expect(wa.whatsapp.sent(user)).toEqual([]);
    } finally {
      await wa.close();
    }
  });

  it("on WhatsApp, delivers the reminder as text when the user wrote again since setting it", async () => {
    const wa = await startStack({
      settings: { WHATSAPP_TEMPLATE_NAME: "reminder_due", WHATSAPP_TEMPLATE_LANGUAGE: "en_US" },
    });
    try {
      const user = "4915100000041";
      wa.emulator.enqueue(
        call("create_reminder", {
          when: localIn(4000, "Europe/Berlin"),
          time_zone: "Europe/Berlin",
          text: "call the bank",
        }),
        { content: "Set." },
      );
      // Set in a message more than a day old: by that message alone, the window is closed…
      await wa.sendWhatsApp(
        whatsappPayload(user, "remind me to call the bank", { timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 }),
      );
      for (let i = 0; i < 50 && wa.whatsapp.templates(user).length < 1; i++) await sleep(100);
      // …but the user writes again before it is due.
      wa.emulator.enqueue({ content: "Glad to help." });
      await wa.sendWhatsApp(whatsappPayload(user, "thanks!"));
      for (let i = 0; i < 100 && !wa.whatsapp.sent(user).some((m) => m.text.includes("call the bank")); i++)
        await sleep(100);
      expect(wa.whatsapp.sent(user).map((m) => m.text)).toEqual(["Glad to help.", "⏰ Reminder: call the bank"]);
      expect(wa.whatsapp.templates(user)).toEqual([{ chatId: user, text: "reminder_due" }]); // only the reply to the old message
    } finally {
      await wa.close();
    }
  });
});
