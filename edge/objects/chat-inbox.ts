import { DurableObject } from "cloudflare:workers";
import { edgeFor } from "../create-edge.js";
import type { Inbox } from "../edge.js";
import type { QueueJob } from "../message.js";
import { InboxEngine, type InboxStorage } from "../pipeline/inbox.js";

/**
 * A messenger chat's inbox as a Durable Object: one per chat (named by the chat key's pseudonym), in
 * the chat's region (the EU jurisdiction for EU regions). Storage and the alarm are the object's; what
 * it does with them is pipeline/inbox.ts, and when is core/inbox-policy.ts.
 */
export class ChatInbox extends DurableObject<Env> implements Inbox {
  private readonly inbox = new InboxEngine(
    () => edgeFor(this.env),
    storageOf(this.ctx.storage),
    (work) => this.ctx.waitUntil(work),
  );

  take(job: QueueJob): Promise<void> {
    return this.inbox.take(job);
  }

  erase(): Promise<number> {
    return this.inbox.erase();
  }

  override alarm(): Promise<void> {
    return this.inbox.alarm();
  }
}

/**
 * The object's storage through its synchronous API: no promise per operation, and writes made without
 * awaiting in between are committed together (with the alarm), once.
 */
function storageOf(storage: DurableObjectStorage): InboxStorage {
  const kv = storage.kv;
  return {
    get: (key) => kv.get(key),
    put: (key, value) => kv.put(key, value),
    delete: (key) => void kv.delete(key),
    list: (prefix) => kv.list({ prefix }),
    setAlarm: (at) => storage.setAlarm(at),
    deleteAlarm: () => storage.deleteAlarm(),
    deleteAll: () => storage.deleteAll(),
  };
}
