import net from "node:net";

/** A RESP2 reply with its type kept: Upstash's REST encoding treats status and bulk strings differently. */
export type Reply =
  | { type: "status"; value: string }
  | { type: "error"; value: string }
  | { type: "integer"; value: number }
  | { type: "bulk"; value: Buffer | null }
  | { type: "array"; value: Reply[] | null };

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

/**
 * One pipelined connection to redis-server. Replies arrive in the order commands were written, so a
 * FIFO of waiters is all the bookkeeping needed; a block written in one call (MULTI … EXEC) is never
 * interleaved with another request's commands. Reconnects on the next command after a failure.
 */
export class RespConnection {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly db: number,
  ) {}

  /** Sends the commands as one write and resolves with their replies, in order. */
  async send(commands: ReadonlyArray<ReadonlyArray<string | number | Buffer>>): Promise<Reply[]> {
    const socket = await this.connect();
    const replies = commands.map(() => new Promise<Reply>((resolve, reject) => this.pending.push({ resolve, reject })));
    socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const socket = net.createConnection({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      socket.once("error", (err) => {
        this.connecting = undefined;
        reject(err);
      });
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        socket.on("error", () => socket.destroy());
        socket.on("close", () => this.fail(new Error("connection to redis-server closed")));
        socket.on("data", (chunk: Buffer) => this.onData(chunk));
        this.socket = socket;
        this.connecting = undefined;
        if (this.db === 0) return resolve(socket);
        // SELECT goes first on the new connection, ahead of any command written after this resolves.
        new Promise<Reply>((res, rej) => this.pending.push({ resolve: res, reject: rej })).then(
          (r) => (r.type === "error" ? reject(new Error(r.value)) : resolve(socket)),
          reject,
        );
        socket.write(encodeCommand(["SELECT", this.db]));
      });
    });
    return this.connecting;
  }

  private fail(err: Error): void {
    this.socket = undefined;
    this.buffer = Buffer.alloc(0);
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const parsed = parseReply(this.buffer, offset);
      if (!parsed) break;
      offset = parsed.next;
      this.pending.shift()?.resolve(parsed.reply);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}

function encodeCommand(args: ReadonlyArray<string | number | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const b = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = Buffer.from("\r\n");

function parseReply(buf: Buffer, start: number): { reply: Reply; next: number } | undefined {
  const eol = buf.indexOf("\r\n", start);
  if (eol < 0) return undefined;
  const kind = String.fromCharCode(buf[start]!);
  const line = buf.toString("utf8", start + 1, eol);
  const after = eol + 2;
  switch (kind) {
    case "+":
      return { reply: { type: "status", value: line }, next: after };
    case "-":
      return { reply: { type: "error", value: line }, next: after };
    case ":":
      return { reply: { type: "integer", value: Number(line) }, next: after };
    case "$": {
      const len = Number(line);
      if (len < 0) return { reply: { type: "bulk", value: null }, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { reply: { type: "bulk", value: buf.subarray(after, after + len) }, next: after + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: { type: "array", value: null }, next: after };
      const items: Reply[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: { type: "array", value: items }, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(kind)}`);
  }
}
