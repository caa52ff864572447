import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../gpu-origin/emulator/server.js";
import { ORIGIN_KEY, sleep, startStack, textUpdate, type Stack } from "../../infra/local/edge-stack.js";
import { until } from "../support/until.js";
import { buildWithRegions } from "../support/build-variant.js";

/**
 * Model versions end to end: eu declares v1 (stable) and v2, each with its own pool (an emulator),
 * built into the Worker as regions.json would be. Conversations go through the HTTP API; the rule
 * runs through the admin API's `decide` (what the cron trigger runs at the end of each window) over
 * the per-message records the edge wrote to the metrics endpoint.
 */
const MIN_SAMPLE = 20;

let stack: Stack;
let v2: Emulator;
let bundle: string;

beforeAll(async () => {
  bundle = buildWithRegions("rollout", (file) => {
    const eu = (file.regions as Record<string, { models: { versions: Record<string, Record<string, unknown>> } }>).eu!;
    eu.models.versions.v2 = {
      ...eu.models.versions.v1!,
      weights: { repository: "openai/gpt-oss-20b", revision: "candidate" },
    };
  });
  v2 = await startEmulator({ apiKey: ORIGIN_KEY, tokensPerSecond: 0, firstTokenMs: 20 });
  stack = await edgeWithVersions(v2.url);
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await v2?.close();
});

/** The edge built with eu's two versions, v2's pool at `v2Url`. */
function edgeWithVersions(v2Url: string): Promise<Stack> {
  return startStack({
    bundle,
    quiet: true,
    emulator: { tokensPerSecond: 0, firstTokenMs: 20 },
    settings: {
      ORIGIN_URL_EU_V2: v2Url,
      ROLLOUT_MIN_SAMPLE: String(MIN_SAMPLE),
      // A bad version is 20 points worse here: a few dozen replies tell (production's 0.5 needs hundreds).
      ROLLOUT_FAILURE_MARGIN_POINTS: "20",
      RATE_LIMIT_MESSAGES: "1000",
    },
  });
}

let round = 0;
beforeEach(async () => {
  round += 1;
  stack.emulator.reset();
  v2.reset();
  // Each test starts from no rollout: whatever the last left is rolled back or already promoted.
  await stack.admin("POST", "/rollout/eu", { action: "rollback" });
});

/** Which pool answered a message: the one asked with it as the new message (later turns carry it as history). */
const answeredBy = (text: string): "v1" | "v2" | undefined => {
  const has = (e: Emulator) => e.requests.some((r) => r.body.messages?.at(-1)?.content === text);
  return has(v2) ? "v2" : has(stack.emulator) ? "v1" : undefined;
};

/** One message of user `user` (a German customer: the eu region), answered. */
async function ask(user: string, text: string): Promise<number> {
  const res = await stack.postMessage({ user_id: user, text }, { headers: { "cf-ipcountry": "DE" } });
  await res.text();
  return res.status;
}

/** `n` new conversations, a few at a time; returns their users. */
async function converse(n: number, label: string, turn = 1, users?: string[]): Promise<string[]> {
  const who = users ?? Array.from({ length: n }, (_, i) => `r${round}-${label}-${i}`);
  for (let i = 0; i < who.length; i += 16)
    await Promise.all(who.slice(i, i + 16).map((u) => ask(u, `${u} says hello, turn ${turn}`)));
  return who;
}

async function rollout(body: unknown) {
  const res = await stack.admin("POST", "/rollout/eu", body);
  const json = (await res.json()) as {
    state: { stable: string; candidate: { version: string; percent: number; over: number } | null };
    said?: string[];
    error?: { message: string };
  };
  return { status: res.status, ...json };
}

describe("model rollout", () => {
  it("rolls a version that fails more back by itself, after few chats saw it, and moves them back", async () => {
    v2.reset();
    const bad = await startEmulator({ apiKey: ORIGIN_KEY, tokensPerSecond: 0, firstTokenMs: 20, failureRate: 0.3 });
    // v2's pool now fails three answers in ten: point the edge's v2 at it by restarting with the setting.
    await stack.close();
    stack = await edgeWithVersions(bad.url);
    try {
      expect(
        (await rollout({ action: "start", version: "v2", stages: [5, 25, 50, 100] })).state.candidate?.percent,
      ).toBe(5);
      const users = await converse(500, "bad");
      const onV2 = users.filter((u) =>
        bad.requests.some((r) => r.body.messages?.at(-1)?.content === `${u} says hello, turn 1`),
      );
      // The candidate's share of chats, and not more.
      expect(onV2.length / users.length).toBeLessThan(0.08);
      expect(onV2.length).toBeGreaterThanOrEqual(MIN_SAMPLE);

      const first = await rollout({ action: "decide" });
      // 30 % failures against none: over the guardrail. Hard floor (20 %) or two windows: either way it goes.
      if (first.state.candidate) {
        expect(first.state.candidate.over).toBe(1);
        const second = await rollout({ action: "decide" });
        expect(second.state.candidate).toBeNull();
      }
      const status = (await (await stack.admin("GET", "/rollout/eu")).json()) as {
        state: { candidate: unknown; decisions: Array<{ action: string; by: string; reason: string }> };
      };
      expect(status.state.candidate).toBeNull();
      const last = status.state.decisions.at(-1)!;
      expect(last).toMatchObject({ action: "rollback", by: "rule" });
      expect(last.reason).toMatch(/failures|hard floor/);
      // Its chats are answered by v1 from their next message on.
      const before = stack.emulator.requests.length;
      await converse(0, "bad", 2, onV2.slice(0, 5));
      expect(stack.emulator.requests.length - before).toBe(5);
    } finally {
      await bad.close();
    }
  }, 120_000);

  it("takes a good version to 100 % and makes it stable, and never moves a conversation under way", async () => {
    await stack.close();
    stack = await edgeWithVersions(v2.url);
    expect((await rollout({ action: "start", version: "v2", stages: [10, 50, 100] })).status).toBe(200);
    const early = await converse(300, "early");
    const firstAnswer = new Map(early.map((u) => [u, answeredBy(`${u} says hello, turn 1`)]));
    expect([...firstAnswer.values()].every((v) => v !== undefined)).toBe(true);

    const decisions: string[] = [];
    let last = await rollout({ action: "decide" });
    decisions.push(String(last.state.candidate?.percent));
    for (let stage = 0; stage < 3 && last.state.candidate; stage++) {
      // The conversations begun at 10 % go on: each stays where it began.
      await converse(0, "early", stage + 2, early.slice(0, 60));
      await converse(120, `stage${stage}`);
      last = await rollout({ action: "decide" });
      decisions.push(last.state.candidate ? String(last.state.candidate.percent) : `stable ${last.state.stable}`);
    }
    expect(decisions).toEqual(["50", "100", "stable v2"]);
    for (const u of early.slice(0, 60)) {
      const turns = [1, 2, 3, 4].map((t) => answeredBy(`${u} says hello, turn ${t}`)).filter(Boolean);
      expect(new Set(turns).size).toBe(1);
    }
    // New conversations now go to v2, the stable version.
    const fresh = await converse(10, "after");
    expect(fresh.every((u) => answeredBy(`${u} says hello, turn 1`) === "v2")).toBe(true);
  }, 180_000);

  it("counts a 👍 or 👎 on an answer for the version that gave it, with no one's id", async () => {
    const chats = Array.from({ length: 40 }, (_, i) => 7_100_000 + round * 1000 + i);
    // (After the test before, v2 may be stable: the other version is the candidate then.)
    const current = (await (await stack.admin("GET", "/rollout/eu")).json()) as { state: { stable: string } };
    const candidate = current.state.stable === "v1" ? "v2" : "v1";
    expect((await rollout({ action: "start", version: candidate, stages: [50, 100] })).status).toBe(200);
    for (const chat of chats) await stack.sendUpdate(textUpdate(chat, `chat ${chat} asks`));
    for (const chat of chats) await stack.telegram.waitForMessages(1, { chatId: chat, timeoutMs: 10_000 });
    const onV2 = chats.filter((c) => answeredBy(`chat ${c} asks`) === "v2");
    const onV1 = chats.filter((c) => answeredBy(`chat ${c} asks`) === "v1");
    const judged = candidate;
    expect(onV2.length).toBeGreaterThan(5);
    expect(onV1.length).toBeGreaterThan(5);
    // Hand-written after the Bot API's MessageReactionUpdated: a thumb added to the bot's answer.
    const react = (chat: number, emoji: string, id: number) => ({
      update_id: id,
      message_reaction: {
        chat: { id: chat, first_name: "Ada", type: "private" },
        message_id: 2,
        user: { id: chat, is_bot: false, first_name: "Ada" },
        date: Math.floor(Date.now() / 1000),
        old_reaction: [],
        new_reaction: [{ type: "emoji", emoji }],
      },
    });
    let id = 990_000_000 + round * 1000;
    for (const c of onV2.slice(0, 4)) await stack.sendUpdate(react(c, "👎", id++));
    for (const c of onV1.slice(0, 3)) await stack.sendUpdate(react(c, "👍", id++));
    const reactions = () => stack.metrics.records.filter((r) => r.outcome.startsWith("reaction_"));
    await until(() => reactions().length === 7, "the seven reactions recorded", 10_000);
    // The same thumb again on the same answer (taken back and given again) counts once: sent before a
    // thumb of another chat, and still not counted once that one is (and a moment more).
    await stack.sendUpdate(react(onV2[0]!, "👎", id++));
    await stack.sendUpdate(react(onV1[3]!, "👍", id++));
    await until(() => reactions().length >= 8, "the next chat's reaction recorded", 10_000);
    await sleep(300);
    expect(reactions()).toHaveLength(8);
    const ids = (await (await stack.admin("GET", "/rollout/eu")).json()) as { versions: Record<string, string> };
    const count = (outcome: string, version: string) =>
      reactions().filter((r) => r.outcome === outcome && r.version === ids.versions[version]).length;
    expect([count("reaction_down", "v2"), count("reaction_up", "v1")]).toEqual([4, 4]);
    // Nothing answered, and no record names the chat.
    for (const c of [...onV2.slice(0, 4), ...onV1.slice(0, 4)]) expect(stack.telegram.sent(c)).toHaveLength(1);
    expect(JSON.stringify(reactions())).not.toContain(String(onV2[0]));
    const figures = (await (await stack.admin("GET", "/rollout/eu")).json()) as {
      figures: Record<string, { thumbsDown: number; thumbsUp: number }>;
    };
    // The rollout's figures show the candidate's thumbs beside the stable version's.
    expect(figures.figures[ids.versions[judged]!]!).toMatchObject(
      judged === "v2" ? { thumbsDown: 4, thumbsUp: 0 } : { thumbsDown: 0, thumbsUp: 4 },
    );
  }, 60_000);

  it("refuses a version the region does not declare, and a second rollout while one is under way", async () => {
    expect((await rollout({ action: "start", version: "v9" })).status).toBe(404);
    // (After the last test v2 is stable: v1 is now the version to try.)
    const current = (await (await stack.admin("GET", "/rollout/eu")).json()) as { state: { stable: string } };
    const other = current.state.stable === "v1" ? "v2" : "v1";
    expect((await rollout({ action: "start", version: other })).status).toBe(200);
    const again = await rollout({ action: "start", version: other });
    expect(again.status).toBe(409);
    expect(again.error?.message).toMatch(/rolling out/);
  });
});
