import { createApp } from "./app.js";
export { ChatConversation } from "./channels/webchat/conversation.js";
export { UserReminders } from "./services/reminders.js";
export { ChatInbox } from "./pipeline/chat-inbox.js";
import { consume } from "./pipeline/consume.js";
import type { QueueJob } from "./pipeline/ingest.js";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => consume(batch, env, ctx),
} satisfies ExportedHandler<Env, QueueJob>;
