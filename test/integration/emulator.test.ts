import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATED_MODEL, startEmulator, type Emulator } from "../../gpu-origin/emulator/server.js";

let emulator: Emulator;
let client: OpenAI;
beforeAll(async () => {
  emulator = await startEmulator({ apiKey: "k", tokensPerSecond: 0 });
  client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "k", maxRetries: 0 });
});
afterAll(() => emulator?.close());

describe("gpt-oss emulator speaks vLLM's OpenAI-compatible protocol", () => {
  it("streams a role chunk, reasoning, then content, a finish chunk and a usage chunk", async () => {
    emulator.enqueue({ reasoning: "Think briefly.", content: "Hello there, friend." });
    const stream = await client.chat.completions.create({
      model: EMULATED_MODEL,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const deltas = chunks.flatMap((c) =>
      c.choices.map((ch) => ch.delta as { role?: string; content?: string; reasoning?: string }),
    );
    expect(deltas[0]).toEqual({ role: "assistant", content: "" });
    expect(deltas.map((d) => d.reasoning ?? "").join("")).toBe("Think briefly.");
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("Hello there, friend.");
    // Reasoning comes before the answer.
    const firstContent = deltas.findIndex((d) => d.content);
    const lastReasoning = deltas.map((d) => Boolean(d.reasoning)).lastIndexOf(true);
    expect(lastReasoning).toBeLessThan(firstContent);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("streams tool calls as vLLM's openai parser does: id and name first, then argument fragments", async () => {
    emulator.enqueue({ toolCalls: [{ name: "lookup_order", arguments: '{"order_id":"A-1042"}' }] });
    const stream = await client.chat.completions.create({
      model: EMULATED_MODEL,
      messages: [{ role: "user", content: "where is A-1042?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "lookup_order",
            parameters: { type: "object", properties: { order_id: { type: "string" } } },
          },
        },
      ],
      stream: true,
    });
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        const slot = (calls[tc.index] ??= { args: "" });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        slot.args += tc.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: "lookup_order", args: '{"order_id":"A-1042"}' });
    expect(calls[0]!.id).toMatch(/^chatcmpl-tool-/);
    expect(finish).toBe("tool_calls");
  });

  it("answers a whole completion when not streamed", async () => {
    emulator.enqueue({ content: "Whole answer." });
    const res = await client.chat.completions.create({
      model: EMULATED_MODEL,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0]?.message.content).toBe("Whole answer.");
    expect((res.choices[0]?.message as { reasoning?: string }).reasoning).toBeTruthy();
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("lists the model and reports health", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([EMULATED_MODEL]);
    expect((await fetch(`${emulator.url}/health`)).status).toBe(200);
  });

  it("refuses a wrong key with 401 and an unknown model with 404, as vLLM does", async () => {
    const wrong = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "nope", maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    await expect(
      client.chat.completions.create({ model: "gpt-4", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("paces tokens at the configured speed", async () => {
    const slow = await startEmulator({ tokensPerSecond: 50, firstTokenMs: 100 });
    try {
      const c = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: "none", maxRetries: 0 });
      slow.enqueue({ reasoning: "", content: "one two three four five six seven eight nine ten" });
      const started = Date.now();
      const stream = await c.chat.completions.create({
        model: EMULATED_MODEL,
        messages: [{ role: "user", content: "x" }],
        stream: true,
      });
      let first = 0;
      for await (const chunk of stream) if (!first && chunk.choices[0]?.delta.content) first = Date.now() - started;
      const total = Date.now() - started;
      expect(first).toBeGreaterThanOrEqual(90);
      expect(total).toBeGreaterThanOrEqual(100 + 9 * 20 - 20);
    } finally {
      await slow.close();
    }
  });
});
