import { getEncoding } from "js-tiktoken";
import { DEFAULT_SYSTEM_PROMPT } from "../../edge/config.js";
import { buildPrompt, type ChatMessage } from "../../edge/core/prompt.js";
import { messageTokens, type Turn } from "../../edge/core/token-budget.js";
import type { ToolOffer } from "../../edge/services/origin-client.js";
import { toolOffer } from "../../edge/tools/index.js";
import type { ToolContext } from "../../edge/tools/types.js";
import { random } from "../numbers.js";
import type { Row } from "../support.js";

/**
 * How much of each prompt vLLM's automatic prefix caching can serve: a realistic multi-turn mix of
 * conversations, interleaved, goes through the prompt builder; each prompt is rendered as gpt-oss's
 * chat template lays it out (harmony: system header, developer message with the instructions and the
 * tools, then the messages) and tokenized with o200k (the encoding gpt-oss's is built on); vLLM's
 * rule is applied: a prompt's leading full 16-token blocks whose whole prefix was computed before are
 * served from the cache, the rest is computed. One origin with room for everything (an upper bound
 * per origin: what the edge's per-chat origin affinity keeps true with several origins per region).
 * The builder before this change (instructions and summary in one message, a window sliding turn by
 * turn) runs on the same mix, side by side.
 */
const BLOCK = 16;
const BUDGET = 2048;
const MAX_TURNS = 10;

const QUESTIONS = [
  "Hi, where is my order A-{n}? It was supposed to arrive yesterday.",
  "Can I change the delivery address to Hauptstraße {n}, Berlin?",
  "The parcel arrived damaged, what should I do?",
  "How long does a refund take once you have the return?",
  "Do you ship to Norway, and what does it cost?",
  "I ordered the blue one but got the green one, order B-{n}.",
  "Thanks! And can you remind me tomorrow at 9 to check the tracking?",
  "¿Puedo pagar a plazos con tarjeta?",
  "Meine Bestellung {n} ist noch nicht da, können Sie nachsehen?",
  "What are your opening hours on Saturday?",
  "Is the discount code still valid for sale items?",
  "ok, and the invoice for order C-{n}, can you send it again?",
];
const ANSWERS = [
  "Your order A-{n} left our warehouse on Monday and is with DHL now. The tracking shows it in the local depot; it should reach you today or tomorrow. If it does not arrive by Thursday, write to me and I will open a claim with the carrier.",
  "Yes, as long as the parcel has not been handed to the carrier yet. I have noted the new address; you will get a confirmation e-mail within the hour.",
  "I am sorry to hear that. Please send a photo of the parcel and of the damage; we will send a replacement at once, and you do not need to return the damaged item.",
  "Refunds are issued within 5 business days of the return arriving at our warehouse, to the payment method you used. Your bank may take another 2–3 days to show it.",
  "Yes, we ship to Norway. Standard delivery takes 4–6 business days and costs 12 €; orders over 150 € ship free. Import VAT is included in the price.",
  "I am sorry about the mix-up. I have arranged an exchange: a courier will collect the green one, and the blue one ships as soon as it is collected.",
  "Done: I will remind you tomorrow at 9:00 to check the tracking.",
  "Sí, puede pagar a plazos con tarjeta en pedidos superiores a 100 €, en 3 o 6 cuotas sin intereses.",
  "Ihre Bestellung ist unterwegs und wird voraussichtlich morgen zugestellt. Die Sendungsverfolgung finden Sie in Ihrer Bestätigungs-E-Mail.",
  "On Saturdays we are open from 10:00 to 16:00; the chat answers at any time.",
];

/** gpt-oss's chat template, as the origin renders a request (harmony), with its special tokens as text. */
function render(messages: ChatMessage[], tools: ToolOffer | undefined): string {
  const [system, ...rest] = messages;
  let out =
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2026-11-30\n\nReasoning: low\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message." +
    (tools ? "\nCalls to these tools must go to the commentary channel: 'functions'." : "") +
    "<|end|>";
  out += `<|start|>developer<|message|># Instructions\n\n${system!.content}`;
  if (tools) {
    out += "\n\n# Tools\n\n## functions\n\nnamespace functions {\n\n";
    for (const t of tools.definitions)
      out += `// ${t.function.description}\ntype ${t.function.name} = (_: ${JSON.stringify(t.function.parameters)}) => any;\n\n`;
    out += "} // namespace functions";
  }
  out += "<|end|>";
  for (const m of rest)
    out +=
      m.role === "assistant"
        ? `<|start|>assistant<|channel|>final<|message|>${m.content}<|end|>`
        : `<|start|>${m.role}<|message|>${m.content}<|end|>`;
  return `${out}<|start|>assistant`;
}

/** vLLM's prefix cache: full blocks, each keyed by its whole prefix (the hash chain). */
class PrefixCache {
  private readonly blocks = new Set<string>();

  /** Tokens of `tokens` served from the cache; then its full blocks are cached. */
  serve(tokens: number[]): number {
    let hit = 0;
    let chain = "";
    let missed = false;
    const full = Math.floor(tokens.length / BLOCK);
    for (let b = 0; b < full; b++) {
      chain += `${tokens.slice(b * BLOCK, (b + 1) * BLOCK).join(",")};`;
      const key = chain.length > 64 ? hashOf(chain) : chain;
      if (!missed && this.blocks.has(key)) hit += BLOCK;
      else missed = true;
      this.blocks.add(key);
    }
    // vLLM always computes at least the prompt's last token.
    return Math.min(hit, tokens.length - 1);
  }
}

function hashOf(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `${text.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

interface StoredTurn {
  role: "user" | "assistant";
  content: string;
  at: number;
}

/**
 * The window as it was: the most recent turns that fit, question and answer together, sliding by
 * one exchange with every message (the harmony preamble counted as 64 tokens, as the edge does).
 */
function slidingWindow(system: string, history: readonly Turn[], userText: string): { turns: Turn[]; dropped: number } {
  let used = 64 + messageTokens(system) + messageTokens(userText);
  const kept: Turn[] = [];
  let i = history.length;
  while (i > 0 && kept.length < MAX_TURNS) {
    let start = i - 1;
    if (history[start]?.role === "assistant" && history[start - 1]?.role === "user") start -= 1;
    const group = history.slice(start, i);
    const cost = group.reduce((sum, t) => sum + messageTokens(t.content), 0);
    if (used + cost > BUDGET || kept.length + group.length > MAX_TURNS) break;
    used += cost;
    kept.unshift(...group);
    i = start;
  }
  return { turns: kept, dropped: history.length - kept.length };
}

/** The prompt builder as it was: summary inside the instructions, a window sliding turn by turn. */
function previousBuilder(system: string, history: StoredTurn[], userText: string, summary: string | null) {
  const sys = summary ? `${system}\n\nSummary of the earlier conversation with this user:\n${summary}` : system;
  const w = slidingWindow(sys, history, userText);
  return {
    messages: [
      { role: "system", content: sys },
      ...w.turns.map((t) => ({ role: t.role, content: t.content })),
      { role: "user", content: userText },
    ] as ChatMessage[],
    dropped: w.dropped,
  };
}

export async function promptCaching(): Promise<Row[]> {
  const enc = getEncoding("o200k_base");
  const tools = toolOffer({
    userKey: "telegram:1:1",
    chatKey: "telegram:1:1",
    region: "eu",
    address: { channel: "telegram", account: "1", chat: "1" },
    config: { orders: { url: "https://orders.example.com", token: "x" } },
    reminders: {},
  } as unknown as ToolContext);
  const rows: Row[] = [];
  for (const builder of ["previous", "current"] as const) {
    const rnd = random(7);
    const cache = new PrefixCache();
    const conversations = Array.from({ length: 150 }, (_, c) => ({
      id: c,
      left: 2 + Math.floor(rnd() * 15),
      history: [] as StoredTurn[],
      summary: null as { text: string; coversUntil: number } | null,
      sent: 0,
    }));
    let clock = 1;
    let promptTokens = 0;
    let cachedTokens = 0;
    let laterTokens = 0;
    let laterCached = 0;
    const live = [...conversations];
    while (live.length) {
      const i = Math.floor(rnd() * live.length);
      const conv = live[i]!;
      const n = String(1000 + conv.id);
      const text = QUESTIONS[Math.floor(rnd() * QUESTIONS.length)]!.replaceAll("{n}", n);
      const built =
        builder === "current"
          ? buildPrompt({
              system: DEFAULT_SYSTEM_PROMPT,
              history: conv.history,
              userText: text,
              budget: BUDGET,
              maxTurns: MAX_TURNS,
              summary: conv.summary,
            })
          : previousBuilder(DEFAULT_SYSTEM_PROMPT, conv.history, text, conv.summary?.text ?? null);
      const tokens = enc.encode(render(built.messages, tools), "all");
      const hit = cache.serve(tokens);
      promptTokens += tokens.length;
      cachedTokens += hit;
      if (conv.sent > 0) {
        laterTokens += tokens.length;
        laterCached += hit;
      }
      conv.sent += 1;
      const answer = ANSWERS[Math.floor(rnd() * ANSWERS.length)]!.replaceAll("{n}", n);
      conv.history.push(
        { role: "user", content: text, at: clock++ },
        { role: "assistant", content: answer, at: clock++ },
      );
      // Turns that left the window are folded into the summary after the reply (converse.ts).
      const covered = conv.summary?.coversUntil ?? 0;
      const fresh = conv.history.slice(0, built.dropped).filter((t) => t.at > covered);
      if (fresh.length)
        conv.summary = {
          text: `The customer (order ${n}) asked about ${fresh.length / 2} things so far: delivery, returns and payment; ${conv.sent} messages in.`,
          coversUntil: Math.max(...fresh.map((t) => t.at)),
        };
      conv.left -= 1;
      if (conv.left === 0) live.splice(i, 1);
    }
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
    const messages = conversations.reduce((s, c) => s + c.sent, 0);
    rows.push([
      `prompt tokens served by vLLM's prefix cache (${builder === "current" ? "this builder" : "the previous builder"})`,
      `${messages} messages in 150 conversations; tokens computed per message: ${((promptTokens - cachedTokens) / messages).toFixed(0)}`,
      `all ${pct(cachedTokens, promptTokens)}`,
      `from the 2nd message on ${pct(laterCached, laterTokens)}`,
    ]);
  }
  return rows;
}
