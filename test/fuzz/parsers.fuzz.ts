import fc from "fast-check";
import { COMMAND_NAMES } from "../../edge/commands/index.js";
import { describe, expect, it } from "vitest";
import { http } from "../../edge/channels/http/index.js";
import { parseRequest } from "../../edge/channels/http/inbound.js";
import { CHANNELS } from "../../edge/channels/registry.js";
import { telegram } from "../../edge/channels/telegram/index.js";
import { telegramWebhook } from "../../edge/channels/telegram/inbound.js";
import { channelSettings, type ParseContext } from "../../edge/channels/types.js";
import { parseFrame } from "../../edge/channels/webchat/inbound.js";
import { readWebChatToken, signWebChatToken } from "../../edge/channels/webchat/token.js";
import { whatsapp } from "../../edge/channels/whatsapp/index.js";
import { whatsappWebhook } from "../../edge/channels/whatsapp/inbound.js";
import { parseConfig } from "../../edge/config.js";
import { hmacSha256Matches } from "../../edge/crypto.js";
import { MalformedPayload } from "../../edge/errors.js";
import type { InboundMessage } from "../../edge/message.js";
import { splitMessage } from "../../edge/core/split-message.js";
import { bestFaqMatch } from "../../edge/core/faq-match.js";
import { estimateTokens } from "../../edge/core/token-budget.js";
import { EventStreamReader } from "../../edge/core/event-stream.js";
import { signWhatsAppBody } from "../../infra/local/whatsapp-stand-in.js";
import { REGION_SETTINGS } from "../support/fake-edge.js";

/**
 * Every parser and check on its own, at high counts: whatever the input, a parser returns well-formed
 * messages or throws MalformedPayload (a 400), never anything else; a signature check says yes only to
 * the real signature.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const config = parseConfig(
  {
    ...REGION_SETTINGS,
    TELEGRAM_BOT_TOKEN: "7000000001:AAHfuzzTokenForTheParsers_abcdefgh",
    TELEGRAM_WEBHOOK_SECRET: "fuzz-secret-0123456789",
    // Known, so no parse asks Telegram for it.
    TELEGRAM_BOT_USERNAME: "FuzzBot",
    WHATSAPP_ACCESS_TOKEN: "EAAG-fuzz-access-token-0123456789",
    WHATSAPP_APP_SECRET: "fuzz-app-secret-0123456789",
    WHATSAPP_VERIFY_TOKEN: "fuzz-verify",
    WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
    HTTP_API_KEYS: "crm:fuzz-api-key-0123456789",
    WEBCHAT_TOKEN_SECRET: "fuzz-chat-token-secret-0123456789abcdef",
  },
  CHANNELS,
);
const request = {
  headers: new Headers({ authorization: "Bearer fuzz-api-key-0123456789" }),
  url: new URL("https://edge.example/"),
  country: "DE",
  isEuCountry: true,
};

/** JSON-ish values biased towards the shapes the parsers look for. */
const payload = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.record({ update_id: fc.oneof(fc.integer(), fc.string()), message: fc.anything() }, { requiredKeys: [] }),
  fc.record({
    update_id: fc.nat(),
    message_reaction: fc.oneof(
      fc.anything(),
      fc.record(
        {
          chat: fc.record({ id: fc.oneof(fc.integer(), fc.string()), type: fc.constantFrom("private", "group", "x") }),
          message_id: fc.oneof(fc.nat(), fc.string()),
          user: fc.record({ id: fc.oneof(fc.integer(), fc.string()), is_bot: fc.boolean() }, { requiredKeys: [] }),
          actor_chat: fc.record({ id: fc.integer() }),
          date: fc.oneof(fc.nat(), fc.anything()),
          old_reaction: fc.oneof(fc.anything(), fc.array(fc.record({ type: fc.string(), emoji: fc.string() }))),
          new_reaction: fc.oneof(
            fc.anything(),
            fc.array(
              fc.record(
                {
                  type: fc.constantFrom("emoji", "custom_emoji", "paid"),
                  emoji: fc.constantFrom("👍", "👎", "🤔", ""),
                },
                { requiredKeys: [] },
              ),
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  }),
  fc.record({
    object: fc.constantFrom("whatsapp_business_account", "page"),
    entry: fc.array(
      fc.record({
        id: fc.string(),
        changes: fc.array(fc.record({ field: fc.constantFrom("messages", "x"), value: fc.anything() })),
      }),
    ),
  }),
  fc.record({ user_id: fc.string(), text: fc.string({ unit: "binary" }) }, { requiredKeys: [] }),
);

function wellFormed(messages: InboundMessage[]): void {
  expect(Array.isArray(messages)).toBe(true);
  for (const m of messages) {
    expect(typeof m.id).toBe("string");
    expect(m.userKey.split(":").length).toBeGreaterThanOrEqual(3);
    expect(config.regions[m.region]).toBeDefined();
    if (m.content.kind === "text") expect(typeof m.content.text).toBe("string");
    if (m.content.kind === "reaction") expect(["up", "down"]).toContain(m.content.value);
  }
}

type Parse = (payload: unknown, context: Required<ParseContext>) => Promise<InboundMessage[]>;
const parsers: Array<[string, Parse]> = [
  [
    "telegram",
    async (p, context) => (await telegramWebhook.parse(p, channelSettings(config, telegram)!, context)).messages,
  ],
  [
    "whatsapp",
    async (p, context) => (await whatsappWebhook.parse(p, channelSettings(config, whatsapp)!, context)).messages,
  ],
  ["http", async (p, context) => [parseRequest(p, channelSettings(config, http)!, context)]],
];

describe.each(parsers)("%s parser", (_name, parse) => {
  it(`returns messages or MalformedPayload for ${RUNS} random payloads`, async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        try {
          wellFormed(await parse(p, { config, commands: COMMAND_NAMES, request }));
        } catch (err) {
          if (!(err instanceof MalformedPayload)) throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("web chat frames", () => {
  it(`returns a message or a coded MalformedPayload for ${RUNS} random frames`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              type: fc.constantFrom("message", "feedback", "ping", "x"),
              text: fc.anything(),
              id: fc.anything(),
              value: fc.oneof(fc.constantFrom("up", "down"), fc.anything()),
            },
            { requiredKeys: [] },
          ),
        ),
        (frame) => {
          try {
            wellFormed([parseFrame(frame, "c0nversation-id", "eu", COMMAND_NAMES)]);
          } catch (err) {
            if (!(err instanceof MalformedPayload)) throw err;
            expect(["unknown_type", "bad_frame"]).toContain(err.code);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("authenticity checks", () => {
  it(`X-Hub-Signature-256 matches only the real signature (${RUNS} forgeries and bodies)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 80 }), async (body, forged) => {
        const real = signWhatsAppBody("fuzz-app-secret-0123456789", body);
        const bytes = new TextEncoder().encode(body).buffer as ArrayBuffer;
        expect(await hmacSha256Matches("fuzz-app-secret-0123456789", bytes, real)).toBe(true);
        if (forged !== real) expect(await hmacSha256Matches("fuzz-app-secret-0123456789", bytes, forged)).toBe(false);
        const flipped = real.slice(0, -1) + (real.endsWith("0") ? "1" : "0");
        expect(await hmacSha256Matches("fuzz-app-secret-0123456789", bytes, flipped)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it(`web chat tokens: a forged or altered token never reads (${Math.min(RUNS, 2000)} cases)`, async () => {
    const secret = "fuzz-chat-token-secret-0123456789abcdef";
    const genuine = await signWebChatToken(secret, { c: "conversation", r: "eu", exp: 2_000_000_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (junk, at, ch) => {
          expect(await readWebChatToken(secret, junk)).toBeUndefined();
          const i = at % genuine.length;
          const altered = genuine.slice(0, i) + ch + genuine.slice(i + 1);
          if (altered !== genuine) expect(await readWebChatToken(secret, altered)).toBeUndefined();
        },
      ),
      { numRuns: Math.min(RUNS, 2000) },
    );
  });
});

describe("pure core under random text", () => {
  it(`splitMessage keeps every non-space character and every chunk under the limit (${RUNS} texts)`, () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 3000 }),
        fc.integer({ min: 32, max: 500 }),
        (text, limit) => {
          const chunks = splitMessage(text, limit);
          for (const c of chunks) expect(c.length).toBeLessThanOrEqual(limit);
          const strip = (s: string) => s.replace(/\s+/g, "").replace(/```+|~~~+/g, "");
          expect(strip(chunks.join(""))).toBe(strip(text));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`token estimates and FAQ matching take any text (${RUNS} texts)`, () => {
    const faq = [{ lang: "en", questions: ["What are your opening hours?"], answer: "9-18" }];
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 500 }), (text) => {
        expect(estimateTokens(text)).toBeGreaterThanOrEqual(0);
        // No match at all (nothing the index finds) is an answer too; a match scores between 0 and 1.
        const m = bestFaqMatch(faq, text, "en");
        if (m) {
          expect(m.score).toBeGreaterThanOrEqual(0);
          expect(m.score).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`the origin's event stream: any bytes, cut anywhere, read the same as in one piece (${RUNS} bodies)`, () => {
    const readAll = (pieces: Uint8Array[]) => {
      const reader = new EventStreamReader();
      return [...pieces.flatMap((p) => reader.push(p)), ...reader.end()];
    };
    // Bytes an event stream is made of, and any others (invalid UTF-8 included).
    const byte = fc.oneof(
      fc.constantFrom(...[..."data: event:\r\n{}[DONE]é"].flatMap((c) => [...new TextEncoder().encode(c)])),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 400 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, at) => {
        const body = Uint8Array.from(bytes);
        const cuts = [...new Set(at.map((a) => a % (body.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...cuts].map((from, i) => body.slice(from, [...cuts, body.length][i]));
        const whole = readAll([body]);
        expect(readAll(pieces)).toEqual(whole);
        for (const e of whole) expect(typeof e.data).toBe("string");
      }),
      { numRuns: RUNS },
    );
  });
});
