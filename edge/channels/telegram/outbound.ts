import type { Config } from "../../config.js";
import { PlatformError } from "../../errors.js";
import { TELEGRAM_DRAFT_INTERVAL_MS, TELEGRAM_DRAFT_TIMEOUT_MS } from "../../limits.js";
import { errorKind, log } from "../../log.js";
import type { ChannelSender } from "../../message.js";
import { botApi } from "./api.js";
import { TELEGRAM_TEXT_LIMIT, TELEGRAM_TYPING_REFRESH_MS } from "./constants.js";
import { draftLag, draftPreview } from "./draft.js";
import { entitiesOf, telegramChunks } from "./format.js";
import type { TelegramSettings } from "./settings.js";

/** This isolate's answers' drafts: when one finds the isolate behind its work, all of them pause. */
const lag = draftLag();

/**
 * What goes out, through the Bot API: sendMessage (with entities), sendMessageDraft (private chats,
 * while the answer is written), sendChatAction, and getChatMember for /answer.
 */
export function telegramSender(s: TelegramSettings, config: Config): ChannelSender {
  const api = botApi({ apiBase: s.apiBase, token: s.botToken, timeoutMs: config.timeouts.platformMs });
  const drafts = botApi({
    apiBase: s.apiBase,
    token: s.botToken,
    timeoutMs: Math.min(config.timeouts.platformMs, TELEGRAM_DRAFT_TIMEOUT_MS),
  });
  const inTopic = (thread: string | undefined) => (thread ? { message_thread_id: Number(thread) } : {});
  return {
    textLimit: TELEGRAM_TEXT_LIMIT,
    typingRefreshMs: TELEGRAM_TYPING_REFRESH_MS,
    chunks: (markdown) => telegramChunks(markdown, TELEGRAM_TEXT_LIMIT),
    async send(to, chunk) {
      const message = {
        chat_id: to.chat,
        ...inTopic(to.thread),
        text: chunk.text,
        link_preview_options: { is_disabled: true },
        // In a group the reply quotes the message that asked: several people talk there.
        ...(to.quote && to.messageId
          ? { reply_parameters: { message_id: Number(to.messageId), allow_sending_without_reply: true } }
          : {}),
      };
      // Formatting as entities, never parse_mode: nothing in the text can fail to parse.
      const entities = chunk.spans?.length ? entitiesOf({ text: chunk.text, spans: chunk.spans }) : undefined;
      try {
        await api.call("sendMessage", entities ? { ...message, entities } : message);
      } catch (err) {
        // Telegram refused the formatting (a link address it does not take…): the reply goes as
        // plain text rather than not at all.
        if (!entities || !(err instanceof PlatformError) || err.status !== 400) throw err;
        log.warn("telegram.formatting_refused", { error: errorKind(err) });
        await api.call("sendMessage", message);
      }
      return "sent";
    },
    // Drafts exist in private chats (a user's id is positive; a group's is negative).
    preview: (to, id) =>
      /^\d+$/.test(to.chat)
        ? draftPreview(drafts, to, id, {
            intervalMs: TELEGRAM_DRAFT_INTERVAL_MS,
            textLimit: TELEGRAM_TEXT_LIMIT,
            lag,
          })
        : undefined,
    async typing(to) {
      await api.call("sendChatAction", { chat_id: to.chat, ...inTopic(to.thread), action: "typing" });
    },
    async isGroupAdmin(to, senderId) {
      const member = (await api.call("getChatMember", { chat_id: to.chat, user_id: Number(senderId) })) as {
        status?: string;
      };
      return member.status === "creator" || member.status === "administrator";
    },
  };
}
