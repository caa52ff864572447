/**
 * Every text the product itself says to a person, in English: the source every other language is
 * translated from (texts/index.ts falls back to it key by key). The model's answers are not here:
 * the model writes those in the user's language. Placeholders are `{name}`; a text that counts
 * something has one form per plural category of the language (Intl.PluralRules), with `{count}`.
 */
export const en = {
  start:
    "Hello! I am the assistant of this service. Ask me anything in your own words.\n\n" +
    "/help shows what I can do, /reset starts a new conversation.",
  "help.intro":
    "Write to me as you would to a person and I will answer. I remember the recent conversation, " +
    "so you can ask follow-up questions.",
  "help.reset": "/reset forgets this conversation and starts afresh",
  "help.forget": "/forget deletes everything kept about you",
  "help.region": "/region shows where your conversation is kept",
  "help.reminders": "/reminders lists your reminders (ask me to remind you of something)",
  "help.help": "/help shows this message",
  "help.groups":
    "In a group I answer when you mention me, reply to one of my messages, or send a command. " +
    "A group admin can make me answer every message with /answer all (and stop with /answer mentions).",

  "reset.done": "Done: I have forgotten this conversation. What would you like to talk about?",

  "answer.all": "From now on I answer every message in this chat.",
  "answer.mentions":
    "From now on I answer here only when you mention me, reply to one of my messages or send a command.",
  "answer.usage":
    "Send /answer all to have me answer every message here, or /answer mentions to have me answer only when addressed.",
  "answer.adminsOnly": "Only an administrator of this group can change when I answer.",
  "answer.private": "In a private chat I answer every message; /answer is for groups.",

  "reminders.unavailable": "Reminders are not available in this chat.",
  "reminders.none": "You have no reminders. Ask me to remind you of something, with a date and time.",
  "reminders.list": "Your reminders:",
  "reminders.due": "⏰ Reminder: {text}",

  "region.name": "{name} ({id})",
  "region.fixedByPhone":
    "Your conversation is kept in {region}. On this channel the region follows your phone number's country and cannot be changed.",
  "region.fixedByCountry":
    "Your conversation is kept in {region}. On this channel the region follows the country you started from and cannot be changed.",
  "region.group":
    "This group's conversation is kept, and answered, in {region}. A group's region cannot be changed; in a private chat with me, /region moves yours.",
  "region.current": "Your conversation is kept, and answered, in {region}.",
  "region.howToMove": "To move it, send /region followed by one of: {regions}. Moving deletes what is kept here.",
  "region.cannotMove": "It cannot be moved.",
  "region.already": "Your conversation is already kept in {region}.",
  "region.notSelectable": '"{target}" is not a region you can choose. Choose one of: {regions}.',
  "region.moved": {
    one: "Done: from now on your conversation is kept, and answered, in {region}. The {count} message kept in {from} was deleted.",
    other:
      "Done: from now on your conversation is kept, and answered, in {region}. The {count} messages kept in {from} were deleted.",
  },

  "erasure.done": "Done. I have deleted everything I kept about you:",
  "erasure.messages": { one: "• {count} message of our conversation", other: "• {count} messages of our conversation" },
  "erasure.summary": "• the summary of our earlier conversation",
  "erasure.replies": { one: "• {count} saved reply", other: "• {count} saved replies" },
  "erasure.rateLimits": { one: "• {count} rate-limit record", other: "• {count} rate-limit records" },
  "erasure.reminders": { one: "• {count} reminder", other: "• {count} reminders" },
  "erasure.region": "• your region setting",
  "erasure.noRegion": "• no region setting (none was stored)",
  "erasure.afresh": "If you write again, we start afresh.",

  slowDown: "You are sending messages faster than I can answer. Please wait a moment, then try again.",
  textOnly: "I can read text only. Please write your question as a message.",
  attachmentNote: "(I can read only the text you sent with it, not the attachment itself.)",
  tooLong:
    "Your message is too long for me to read at once. Please shorten it to what matters (your question, an " +
    "order number) and send it again.",
  "model.unavailable": "Sorry, I cannot answer that right now. Please try again later.",
  "model.timeout": "Sorry, that took me too long. Please try again, perhaps with a shorter question.",
  /** After a FAQ answer found only in another language than the user's ({language}: its name, in the user's language). */
  "faq.otherLanguage": "(This answer is only available in {language}.)",
  limitedMode: "(The assistant is in limited mode right now: this answer comes from our FAQ.)",
  "capacity.busyNote":
    "I'm answering a lot of questions right now. Your answer is on its way: I'll send it as soon as I can.",
  "capacity.faqNote": "(A quick answer from our FAQ while I'm busy; a fuller answer follows shortly.)",

  "webchat.tooManyFrames": "too many frames; wait a moment",
  "webchat.notText": "frames are JSON text",
  "webchat.tooLarge": "frames are at most {bytes} bytes",
  "webchat.busy": "still answering your earlier messages; wait a moment",
  "webchat.networkLimited": "too many messages from this network; wait a minute",
  "webchat.rateLimited": "too many messages; wait a moment",
  "webchat.unavailable": "the assistant is unavailable; try again shortly",
  "webchat.queued": "every assistant is busy; your message is queued and will be answered shortly",
  "webchat.reload": "This page is out of date. Please reload it to keep chatting.",
  "webchat.page.title": "Assistant",
  "webchat.page.empty": "Ask anything: orders, deliveries, returns. Type /reset to start over.",
  "webchat.page.placeholder": "Write a message…",
  "webchat.page.message": "Message",
  "webchat.page.send": "Send",
  "webchat.page.connecting": "Connecting…",
  "webchat.page.reconnecting": "Reconnecting…",
  "webchat.page.online": "Online",
  "webchat.page.offline": "Offline, retrying in {seconds} s",
  "webchat.page.typing": "The assistant is typing",
  "webchat.page.rate": "Rate this answer",
  "webchat.page.good": "Good answer",
  "webchat.page.bad": "Bad answer",
  "webchat.page.failed": "Something went wrong.",
  "webchat.page.tooLong": "This message is too long to send ({count} characters; at most {max}). Please shorten it.",
} as const satisfies Record<string, Text>;

/** One text: plain, or one form per plural category (`other` always; `one`, `few`… as the language has them). */
export type Text = string | ({ other: string } & Partial<Record<Intl.LDMLPluralRule, string>>);

export type TextKey = keyof typeof en;

/** Another language's texts: any of the English keys, each with its own plural forms where it counts. */
export type Translation = { readonly [K in TextKey]?: Text };
