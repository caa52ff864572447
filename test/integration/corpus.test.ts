import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, startStack, WHATSAPP, type Stack } from "../../infra/local/edge-stack.js";
import { textsFor } from "../../edge/texts/index.js";
import { PRODUCT_LANGUAGES } from "../../edge/core/region-policy.js";
/** "Text only", in whichever of the product's languages the sender is answered (their app's, their number's). */
const TEXT_ONLY = new Set(PRODUCT_LANGUAGES.map((lang) => textsFor(lang)("textOnly")));

/**
 * Every payload of the corpus (test/fixtures/corpus, real webhooks from public repositories, sources in
 * manifest.json) through the running edge: never a 4xx or 5xx, and each answered, answered "text
 * only", or left unanswered as the manifest says. Sent as the platform would send it now: a fresh
 * update id or wamid (some sources reuse theirs), a sender and chat of its own (so each reply can be
 * told apart), this edge's WhatsApp number, and the current time (inside the 24-hour window).
 */
interface Entry {
  file: string;
  expect: "answered" | "text_only" | "ignored";
}
const manifest = JSON.parse(readFileSync("test/fixtures/corpus/manifest.json", "utf8")) as { files: Entry[] };
const now = () => Math.floor(Date.now() / 1000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

type Json = Record<string, unknown>;

/** A Telegram update as sent now to its own chat; returns the chat it was sent in. */
function telegramAsNow(update: Json, i: number): { body: Json; chat?: string } {
  const body: Json = { ...update, update_id: 5_000_000 + i };
  const message = body.message as Json | undefined;
  if (!message || typeof message !== "object" || !message.chat) return { body };
  const chat = message.chat as Json;
  const user = 900_000 + i;
  const group = chat.type === "group" || chat.type === "supergroup";
  const chatId = group ? -(1_009_000_000_000 + i) : user;
  const from = message.from as Json | undefined;
  body.message = {
    ...message,
    date: now(),
    chat: { ...chat, id: chatId },
    ...(from ? { from: { ...from, id: user } } : {}),
  };
  return { body, chat: String(chatId) };
}

/** A WhatsApp webhook as sent now to this edge's number; returns who its messages came from. */
function whatsappAsNow(payload: Json, i: number): { body: Json; chats: string[] } {
  const body = structuredClone(payload) as { entry?: Array<{ changes?: Array<{ value?: Json }> }> };
  const chats: string[] = [];
  for (const change of (body.entry ?? []).flatMap((e) => e.changes ?? [])) {
    const value = change.value;
    if (!value || typeof value !== "object") continue;
    const metadata = value.metadata as Json | undefined;
    if (metadata) metadata.phone_number_id = WHATSAPP.phoneNumberId;
    for (const m of (value.messages as Json[] | undefined) ?? []) {
      m.id = `wamid.corpus.${i}.${String(m.id)}`;
      m.timestamp = String(now());
      if (m.from !== undefined) m.from = `4915${String(10_000_000 + i)}`;
      if (m.from_user_id !== undefined) m.from_user_id = `DE.${String(7_000_000 + i)}`;
      chats.push(String(m.from ?? m.from_user_id ?? ""));
    }
  }
  return { body: body as Json, chats };
}

describe("the corpus of real payloads, through the edge", () => {
  it("acknowledges every one, and answers exactly those it should, each as it should", async () => {
    const expected: Array<{
      file: string;
      platform: "telegram" | "whatsapp";
      chats: string[];
      expect: Entry["expect"];
    }> = [];
    for (const [i, entry] of manifest.files.entries()) {
      const payload = JSON.parse(readFileSync(`test/fixtures/corpus/${entry.file}`, "utf8")) as Json;
      if (entry.file.startsWith("telegram/")) {
        const { body, chat } = telegramAsNow(payload, i);
        const res = await stack.sendUpdate(body);
        expect(res.status, entry.file).toBe(200);
        expected.push({ file: entry.file, platform: "telegram", chats: chat ? [chat] : [], expect: entry.expect });
      } else {
        const { body, chats } = whatsappAsNow(payload, i);
        const res = await stack.sendWhatsApp(body);
        expect(res.status, entry.file).toBe(200);
        expected.push({ file: entry.file, platform: "whatsapp", chats, expect: entry.expect });
      }
    }
    const answering = expected.filter((e) => e.expect !== "ignored");
    const count = (platform: "telegram" | "whatsapp") => answering.filter((e) => e.platform === platform).length;
    await stack.telegram.waitForMessages(count("telegram"), { timeoutMs: 30_000 });
    await stack.whatsapp.waitForMessages(count("whatsapp"), { timeoutMs: 30_000 });
    await sleep(1500); // anything that should not have been answered has had its chance

    const repliesTo = (e: (typeof expected)[number]) =>
      e.chats.flatMap((chat) => (e.platform === "telegram" ? stack.telegram.sent(chat) : stack.whatsapp.sent(chat)));
    const wrong = expected.flatMap((e) => {
      const replies = repliesTo(e).map((r) => r.text);
      const got =
        replies.length === 0 ? "ignored" : replies.every((t) => TEXT_ONLY.has(t ?? "")) ? "text_only" : "answered";
      return got === e.expect && replies.length <= 1
        ? []
        : [`${e.file}: expected ${e.expect}, got ${replies.length} repl${replies.length === 1 ? "y" : "ies"} (${got})`];
    });
    expect(wrong).toEqual([]);
  });
});
