import { describe, expect, it } from "vitest";
import { NetworkError, PlatformError, RetryDelivery, WindowClosedError } from "../../../edge/errors.js";
import type { Address, ChannelSender } from "../../../edge/message.js";
import { deliver } from "../../../edge/pipeline/deliver.js";

const to: Address = { channel: "telegram", account: "1", chat: "42" };
const long = Array.from({ length: 60 }, (_, i) => `sentence number ${i} is here.`).join(" "); // > 2 chunks of 500

function sender(failures: Array<Error | undefined>): ChannelSender & { delivered: string[] } {
  const delivered: string[] = [];
  let call = 0;
  return {
    delivered,
    textLimit: 500,
    typingRefreshMs: 4000,
    send: async (_to, { text }) => {
      const failure = failures[call++];
      if (failure) throw failure;
      delivered.push(text);
      return "sent" as const;
    },
    typing: async () => {},
  };
}

describe("deliver", () => {
  it("sends every chunk in order", async () => {
    const s = sender([]);
    const result = await deliver(s, to, long);
    expect(result.outcome).toBe("delivered");
    expect(s.delivered.join(" ")).toBe(long);
    expect(result.chunks).toBe(s.delivered.length);
  });

  it("stops without repeating when a send's outcome is unknown", async () => {
    const s = sender([undefined, new NetworkError("telegram", "sendMessage")]);
    const result = await deliver(s, to, long);
    expect(result).toMatchObject({ outcome: "unconfirmed", delivered: 1 });
    expect(s.delivered).toHaveLength(1);
  });

  it("asks for a retry when the platform refused the first chunk for now", async () => {
    const s = sender([new PlatformError("telegram", "sendMessage", 429, "Too Many Requests", 45)]);
    await expect(deliver(s, to, long)).rejects.toThrow(RetryDelivery);
    await expect(
      deliver(sender([new PlatformError("telegram", "sendMessage", 429, "x", 45)]), to, "hi"),
    ).rejects.toMatchObject({ delaySeconds: 45 });
  });

  it("never asks for a retry once a chunk reached the user", async () => {
    const s = sender([undefined, new PlatformError("telegram", "sendMessage", 500, "Internal")]);
    expect(await deliver(s, to, long)).toMatchObject({ outcome: "partial", delivered: 1 });
  });

  it("reports a permanent refusal (the user blocked the bot) without retrying", async () => {
    const s = sender([new PlatformError("telegram", "sendMessage", 403, "Forbidden: bot was blocked by the user")]);
    expect(await deliver(s, to, "hi")).toMatchObject({ outcome: "refused", delivered: 0 });
  });
});

describe("deliver outside a platform's free-text window", () => {
  it("stops after a template, which invites the user back", async () => {
    const s = sender([]);
    s.send = async () => "template";
    expect(await deliver(s, to, long)).toMatchObject({ outcome: "template", delivered: 1 });
  });

  it("reports the reply undeliverable when no template is configured", async () => {
    const s = sender([new WindowClosedError("whatsapp")]);
    expect(await deliver(s, to, "hi")).toMatchObject({ outcome: "undeliverable", delivered: 0 });
  });

  it("retries later when a platform's rate limit gives a wait, whatever its HTTP status", async () => {
    const s = sender([new PlatformError("whatsapp", "messages", 400, "pair rate limit hit", 6, 131056)]);
    await expect(deliver(s, to, "hi")).rejects.toMatchObject({ name: "RetryDelivery", delaySeconds: 6 });
  });
});
