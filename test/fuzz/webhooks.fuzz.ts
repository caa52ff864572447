import { mkdirSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWhatsAppBody } from "../../infra/local/whatsapp-stand-in.js";
import {
  HTTP_API_KEY,
  startStack,
  TELEGRAM_SECRET,
  textUpdate,
  WHATSAPP,
  whatsappPayload,
  type Stack,
} from "../../infra/local/edge-stack.js";

/**
 * Hostile input against the running edge (real workerd): random and mutated payloads, truncated and
 * oversized bodies, wrong content types, invalid UTF-8, unicode edge cases, forged secrets and
 * signatures, replays. Whatever arrives: never a 5xx, and every forged request refused.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const counts: Record<string, { cases: number; refused: number; statuses: Record<number, number> }> = {};

let stack: Stack;
beforeAll(async () => {
  // Acks only: the consumer's handling of odd text is fuzzed on its own below, at a smaller count.
  stack = await startStack({ consumersOff: true, redisDb: { eu: 7, us: 8, apac: 9 } });
});
afterAll(async () => {
  await stack?.close();
  mkdirSync("test-results", { recursive: true });
  writeFileSync("test-results/fuzz-webhooks.json", `${JSON.stringify(counts, null, 2)}\n`);
  process.stderr.write(`fuzz cases per channel (test-results/fuzz-webhooks.json): ${JSON.stringify(counts)}\n`);
});

/** Text that stresses parsers: emoji, combining marks, RTL, NUL, lone surrogates, long runs. */
const nastyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\uD800",
    "\uDFFF",
    "e\u0301\u0301\u0301",
    "\u202Eevil",
    "👨‍👩‍👧‍👦".repeat(50),
    "/start@",
    "/".repeat(40),
    "a".repeat(5000),
  ),
);

/** A valid payload with one part broken: a field removed, its type changed, or replaced by noise. */
function mutate(base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    if (v && typeof v === "object")
      for (const [k, child] of Object.entries(v)) {
        paths.push([...path, k]);
        walk(child, [...path, k]);
      }
  };
  walk(base, []);
  return fc
    .tuple(fc.constantFrom(...paths), fc.oneof(fc.constant(undefined), fc.jsonValue(), nastyText))
    .map(([path, value]) => {
      const copy = structuredClone(base) as Record<string, unknown>;
      let target = copy as Record<string, unknown>;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      if (value === undefined) delete target[path.at(-1)!];
      else target[path.at(-1)!] = value;
      return copy;
    });
}

/** A body as the platform might (mis)send it: JSON of anything, a truncated valid body, raw bytes. */
function bodies(valid: () => unknown): fc.Arbitrary<{ body: string | Uint8Array; contentType: string }> {
  const json = fc
    .oneof(mutate(valid()), fc.jsonValue(), fc.constant(valid()), fc.record({ text: nastyText }))
    .map((v) => JSON.stringify(v) ?? "null");
  return fc.record({
    body: fc.oneof(
      { weight: 6, arbitrary: json },
      {
        weight: 2,
        arbitrary: fc.tuple(fc.constant(JSON.stringify(valid())), fc.nat()).map(([s, n]) => s.slice(0, n % s.length)),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
      {
        weight: 1,
        arbitrary: fc.nat({ max: 400_000 }).map((n) => JSON.stringify({ update_id: 1, pad: "x".repeat(n) })),
      },
    ),
    contentType: fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "",
    ),
  });
}

/** Largest body any of these endpoints reads (WhatsApp's 3 MiB is never reached by the generators). */
const SMALLEST_LIMIT = 64 * 1024;

async function send(
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  retried = false,
): Promise<number> {
  try {
    const res = await stack.mf.dispatchFetch(new URL(path, stack.url), { method: "POST", headers, body });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    const cause = String((err as Error).cause ?? err);
    // An oversized body may be refused (413, or 401 before it is read) while it is still being sent;
    // the client then sees the connection reset instead of the answer. Nothing was processed.
    if (body.length > SMALLEST_LIMIT && cause.includes("ECONNRESET")) return 413;
    // workerd closes a connection whose request body it did not read; the client may already have
    // reused it for the next request, which then never reached the edge (the close seen as "other
    // side closed", or as EPIPE while the body was being written): sent again, once.
    if (!retried && /other side closed|EPIPE/.test(cause)) return send(path, headers, body, true);
    throw err;
  }
}

function tally(channel: string, status: number, refused: boolean) {
  const c = (counts[channel] ??= { cases: 0, refused: 0, statuses: {} });
  c.cases += 1;
  if (refused) c.refused += 1;
  c.statuses[status] = (c.statuses[status] ?? 0) + 1;
}

describe("hostile input, over real HTTP to the edge", () => {
  it(`Telegram webhook: ${RUNS} cases`, async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies(() => textUpdate(1, "hi")),
        fc.option(fc.string({ maxLength: 64 }), { nil: undefined }),
        async ({ body, contentType }, forgedSecret) => {
          const forged = forgedSecret !== undefined && forgedSecret !== TELEGRAM_SECRET;
          const headers: Record<string, string> = {
            "x-telegram-bot-api-secret-token": forged ? forgedSecret : TELEGRAM_SECRET,
          };
          if (contentType) headers["content-type"] = contentType;
          const status = await send("/webhooks/telegram", headers, body);
          tally("telegram", status, forged);
          expect(status).toBeLessThan(500);
          if (forged) expect([401, 413]).toContain(status);
          else expect([200, 400, 413]).toContain(status);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`WhatsApp webhook: ${RUNS} cases`, async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies(() => whatsappPayload("4915100000001", "hi")),
        fc.boolean(),
        fc.string({ maxLength: 80 }),
        async ({ body, contentType }, forge, junk) => {
          const raw = typeof body === "string" ? body : Buffer.from(body);
          const signature = forge
            ? junk.startsWith("sha256=")
              ? junk
              : `sha256=${Buffer.from(junk).toString("hex").padEnd(64, "0").slice(0, 64)}`
            : signWhatsAppBody(WHATSAPP.appSecret, raw as string);
          const headers: Record<string, string> = { "x-hub-signature-256": signature };
          if (contentType) headers["content-type"] = contentType;
          const status = await send("/webhooks/whatsapp", headers, body);
          tally("whatsapp", status, forge);
          expect(status).toBeLessThan(500);
          if (forge) expect([401, 413]).toContain(status);
          else expect([200, 400, 413]).toContain(status);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`HTTP API: ${RUNS} cases (no model behind it: refusals and validation only)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies(() => ({ user_id: "u", text: "hi" })),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async ({ body, contentType }, forgedKey) => {
          const forged = forgedKey !== undefined && forgedKey !== HTTP_API_KEY;
          const status = await send(
            "/v1/messages",
            {
              authorization: `Bearer ${forged ? forgedKey : "x"}`,
              ...(contentType ? { "content-type": contentType } : {}),
            },
            body,
          );
          // Every case carries a wrong key here: the API must refuse before reading anything.
          tally("http", status, true);
          expect([401, 413]).toContain(status);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
