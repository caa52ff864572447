/**
 * What a platform stand-in delivered to users, in order, with a way to wait for it: the "phone
 * screens" of the local stack and the tests.
 */
export interface Delivered {
  chatId: string;
  text: string;
  /** Telegram: the message's entities (bold, links, code…), as sent. */
  entities?: Array<{ type: string; offset: number; length: number; url?: string; language?: string }>;
}

export class MessageLog {
  private readonly items: Delivered[] = [];
  private readonly waiters = new Set<() => void>();

  add(item: Delivered): void {
    this.items.push(item);
    for (const wake of this.waiters) wake();
  }

  list(chatId?: number | string): Delivered[] {
    return this.items.filter((m) => chatId === undefined || m.chatId === String(chatId));
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Resolves once `count` messages were delivered (to `chatId`, if given). */
  waitFor(count: number, opts: { chatId?: number | string; timeoutMs?: number } = {}): Promise<Delivered[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const got = this.list(opts.chatId);
        if (got.length < count) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(got);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `expected ${count} messages${opts.chatId !== undefined ? ` to ${opts.chatId}` : ""}, got ${this.list(opts.chatId).length}`,
          ),
        );
      }, opts.timeoutMs ?? 10_000);
      if (!check()) this.waiters.add(check);
    });
  }
}
