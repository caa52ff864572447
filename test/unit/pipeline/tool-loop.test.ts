import { afterEach, describe, expect, it, vi } from "vitest";
import type { Config } from "../../../edge/config.js";
import { UpstreamModelError } from "../../../edge/errors.js";
import { completeWithTools } from "../../../edge/pipeline/tool-loop.js";
import type { Completion, ModelClient } from "../../../edge/services/origin-client.js";
import { toolOffer } from "../../../edge/tools/index.js";
import type { ToolContext } from "../../../edge/tools/types.js";

const context: ToolContext = {
  userKey: "telegram:1:42",
  chatKey: "telegram:1:42",
  region: "eu",
  address: { channel: "telegram", account: "1", chat: "42" },
  config: {
    orders: { apiUrl: "https://orders.example", apiKey: "key" },
    timeouts: { ordersMs: 1000 },
  } as unknown as Config,
};

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the tool loop", () => {
  it("runs at most 3 tool calls a round and 6 a message, and tells the model about the rest", async () => {
    const lookups: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      lookups.push(url);
      return Response.json({ order_id: "x", status: "shipped" });
    });
    // A model that was told (in the customer's text, say) to look up a hundred orders, every round.
    const asked: unknown[][] = [];
    const llm: ModelClient = {
      async complete(messages): Promise<Completion> {
        asked.push(messages);
        const toolCalls = Array.from({ length: 100 }, (_, i) => ({
          id: `c${asked.length}-${i}`,
          name: "lookup_order",
          arguments: JSON.stringify({ order_id: `A-${i}` }),
        }));
        return asked.length <= 3
          ? { text: "", usage: undefined, firstTokenMs: 1, toolCalls }
          : { text: "done", usage: undefined, firstTokenMs: 1 };
      },
    };
    const answer = await completeWithTools(
      llm,
      [{ role: "user", content: "look them all up" }],
      {},
      {
        offer: toolOffer(context)!,
        context,
        capacityWaitMs: 80_000,
        maxRounds: 4,
        maxCallsPerRound: 3,
        maxCalls: 6,
      },
    );
    expect(answer.text).toBe("done");
    expect(lookups).toHaveLength(6);
    const toolTurns = (asked.at(-1) as Array<{ role: string; content: string }>).filter((m) => m.role === "tool");
    expect(toolTurns.filter((t) => t.content.includes("Too many tool calls"))).toHaveLength(300 - 6);
  });
  describe("when the pool is saturated after a tool ran", () => {
    /** A model that asks for one order lookup, then finds every server busy `busyTries` times. */
    function setUp(busyTries: number) {
      const lookups: string[] = [];
      vi.stubGlobal("fetch", async (url: string) => {
        lookups.push(url);
        return Response.json({ order_id: "A-1", status: "shipped" });
      });
      let calls = 0;
      const llm: ModelClient = {
        async complete(): Promise<Completion> {
          calls += 1;
          if (calls === 1)
            return {
              text: "",
              usage: undefined,
              firstTokenMs: 1,
              toolCalls: [{ id: "c1", name: "lookup_order", arguments: JSON.stringify({ order_id: "A-1" }) }],
            };
          if (calls <= 1 + busyTries) throw new UpstreamModelError("busy", "eu", "HTTP 429", { retryAfterSeconds: 3 });
          return { text: "Your order A-1 has shipped.", usage: undefined, firstTokenMs: 1 };
        },
      };
      const answer = completeWithTools(
        llm,
        [{ role: "user", content: "where is A-1?" }],
        {},
        { offer: toolOffer(context)!, context, capacityWaitMs: 30_000, maxRounds: 4, maxCallsPerRound: 3, maxCalls: 6 },
      );
      return { answer, lookups };
    }

    it("waits for a free server in place, and never runs the tool again", async () => {
      vi.useFakeTimers();
      const { answer, lookups } = setUp(5);
      const settled = answer.then((a) => a.text);
      await vi.advanceTimersByTimeAsync(5 * 3000);
      expect(await settled).toBe("Your order A-1 has shipped.");
      expect(lookups).toHaveLength(1);
    });

    it("past what the reply's watchdog leaves, fails as an unavailable model (and the tool ran once)", async () => {
      vi.useFakeTimers();
      const { answer, lookups } = setUp(1000);
      const failed = answer.catch((err: UpstreamModelError) => err.failure);
      await vi.advanceTimersByTimeAsync(31_000);
      expect(await failed).toBe("unavailable");
      expect(lookups).toHaveLength(1);
    });
  });
});
