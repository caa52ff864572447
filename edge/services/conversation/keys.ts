import type { Pseudonyms } from "../../crypto.js";

/**
 * The names of a conversation's keys in its region's Redis. Every one is made of keyed pseudonyms of
 * the user, chat and message ids (crypto.ts), never of the ids: no phone number is a key, and no
 * user's keys are a prefix of another's. `chat` and `user` here are already pseudonyms.
 */
export function conversationKeys(keys: Pseudonyms) {
  return {
    /** The chat's turns, oldest first. */
    session: (chat: string) => `session:${chat}`,
    /** What older turns said (written by the model). */
    summary: (chat: string) => `summary:${chat}`,
    /**
     * The reply to a message whose client chose its id (the HTTP API's Idempotency-Key), kept for the
     * retention (other replies are found in the answer's turn): under the sender, so an erasure finds it.
     */
    reply: (user: string, messageId: string) => `reply:${user}:${keys.of(messageId)}`,
    /** An answer's mark of the message it answers (StoredTurn.re). */
    answerTo: (messageId: string) => keys.of(messageId),
    /** The shared chats (groups) a user wrote in; their private chat is their own. */
    chats: (user: string) => `chats:${user}`,
    /** Replies the channel could not deliver (no free-text window, no template). */
    undelivered: (user: string) => `undelivered:${user}`,
    /**
     * The times of a chat's replies still in the rate limit's window when it was /reset, for that long
     * (a Telegram or WhatsApp private chat's limit is its turns). Under `ratelimit:` and the chat, which
     * is its user: an erasure finds it with the user's limiter keys.
     */
    resetMark: (chat: string) => `ratelimit:${chat}:reset`,
    /**
     * A reaction counted on one of the chat's messages (a keyed hash of its id; no one's id, no
     * content), for the retention: a thumb taken back and given again counts once.
     */
    reaction: (chat: string, messageId: string) => `reaction:${chat}:${keys.of(messageId)}`,
    /** The user was told to slow down (held for the notice's cooldown). */
    notice: (user: string) => `ratelimit:notice:${user}`,
    /** When a user (or, for a shared chat, the chat) was last erased. */
    erased: (who: string) => `erased:${who}`,
    /** A keyed hash of what a message said: a reused id with other content is told apart. */
    about: (content: string) => keys.of(`content:${content}`),
  };
}

export type ConversationKeys = ReturnType<typeof conversationKeys>;
