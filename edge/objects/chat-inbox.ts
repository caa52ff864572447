import { DurableObject } from "cloudflare:workers";
import { edgeFor } from "../create-edge.js";
import type { Inbox } from "../edge.js";
import type { QueueJob } from "../message.js";
import { InboxEngine, type InboxStorage } from "../pipeline/inbox.js";
import { ActiveClock, countUsage } from "../usage.js";

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

  /** The object's billed wall clock (the calling side counts the request). */
  private readonly clock = new ActiveClock();

  take(job: QueueJob): Promise<void> {
    return this.clock.time(() => this.inbox.take(job));
  }

  erase(): Promise<number> {
    return this.clock.time(() => this.inbox.erase());
  }

  override alarm(): Promise<void> {
    countUsage("doRequests");
    return this.clock.time(() => this.inbox.alarm());
  }
}

/**
 * The object's storage through its synchronous API: no promise per operation, and writes made without
 * awaiting in between are committed together (with the alarm), once. Rows read and written are
 * counted as the SQLite backend bills them: a key read, listed, put or deleted is a row, and so is
 * the alarm.
 */
function storageOf(storage: DurableObjectStorage): InboxStorage {
  const kv = storage.kv;
  return {
    get: (key) => {
      countUsage("doRowsRead");
      return kv.get(key);
    },
    put: (key, value) => {
      countUsage("doRowsWritten");
      kv.put(key, value);
    },
    delete: (key) => {
      countUsage("doRowsWritten");
      kv.delete(key);
    },
    *list<T>(prefix: string): Iterable<[string, T]> {
      for (const row of kv.list<T>({ prefix })) {
        countUsage("doRowsRead");
        yield row;
      }
    },
    setAlarm: (at) => {
      countUsage("doRowsWritten");
      return storage.setAlarm(at);
    },
    deleteAlarm: () => {
      countUsage("doRowsWritten");
      return storage.deleteAlarm();
    },
    deleteAll: () => storage.deleteAll(),
  };
}
