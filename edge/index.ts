import { createApp, errorResponse } from "./app.js";
import { edgeFor } from "./create-edge.js";
import type { QueueJob } from "./message.js";
import { consume } from "./pipeline/consume.js";
import { countUsage } from "./usage.js";

export { ChatInbox } from "./objects/chat-inbox.js";
export { RolloutDesk } from "./objects/rollout-desk.js";
export { UserReminders } from "./objects/user-reminders.js";
export { WebChatRoom } from "./objects/web-chat-room.js";

const apps = new WeakMap<object, ReturnType<typeof createApp>>();

export default {
  fetch(request, env, ctx) {
    countUsage("workerRequests");
    let app = apps.get(env);
    if (!app) {
      try {
        app = createApp(edgeFor(env));
      } catch (err) {
        // A missing or malformed setting: every request says so (503), the log names the setting.
        return errorResponse(err);
      }
      apps.set(env, app);
    }
    return app.fetch(request, env, ctx);
  },
  queue: (batch, env, ctx) => consume(edgeFor(env), batch, (work) => ctx.waitUntil(work)),
  // Each minute: every region's model rollout is judged once its window is over (pipeline/rollout.ts).
  scheduled: (controller, env, ctx) => {
    countUsage("workerRequests");
    const desk = edgeFor(env).rolloutDesk?.();
    if (desk) ctx.waitUntil(desk.judge());
  },
} satisfies ExportedHandler<Env, QueueJob>;
