/**
 * `npm run rollout -- <env> <region> <command>`: a region's model rollout, for people
 * (docs/ARCHITECTURE.md, "Model versions"). The rule decides by itself once a window (the cron
 * trigger); these commands let a person start, watch, pause, push on or roll back.
 *
 *   npm run rollout -- local eu status
 *   npm run rollout -- local eu start v2 [--stages 1,5,25,50,100]
 *   npm run rollout -- staging eu pause | resume | promote | rollback | decide
 *
 * `local` is `npm run dev`'s edge (its admin token); staging and production are the hostnames of
 * wrangler.jsonc's environments, with ADMIN_TOKEN from the environment (`--edge URL` overrides).
 * `promote` moves the candidate to its next stage (from the last, makes it stable); `decide` runs
 * the rule now instead of at the end of its window.
 */
import { NO_FIGURES, type RolloutState, type VersionStats } from "../edge/core/rollout.js";
import { localSetting } from "../infra/local/defaults.js";
import { wranglerConfig } from "../infra/local/worker-bindings.js";

const ACTIONS = ["status", "start", "pause", "resume", "promote", "rollback", "decide"] as const;
type Action = (typeof ACTIONS)[number];

/** What GET /admin/rollout/:region answers (edge/routes/admin.ts). */
interface Status {
  region: string;
  state: RolloutState;
  versions: Record<string, string>;
  figuresSince: string;
  figures: Record<string, VersionStats> | null;
  said?: string[];
}

/** The edge of an environment and the admin token to call it with. */
function edgeOf(env: string, override?: string): { url: string; token: string } {
  if (env === "local") {
    return {
      url: override ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`,
      token: process.env.ADMIN_TOKEN || localSetting("ADMIN_TOKEN"),
    };
  }
  const token = process.env.ADMIN_TOKEN;
  if (!token) throw new Error(`ADMIN_TOKEN is not set: the ${env} edge's admin token`);
  if (override) return { url: override, token };
  const routes = (wranglerConfig(env) as { routes?: Array<string | { pattern: string }> }).routes ?? [];
  const first = routes[0];
  const host = typeof first === "string" ? first : first?.pattern;
  if (!host) throw new Error(`wrangler.jsonc's "${env}" environment has no route: give --edge URL`);
  return { url: `https://${host.replace(/\/\*$/, "")}`, token };
}

/** What a person reads: the state, each version's figures side by side, the last decisions. */
function render(status: Status): string {
  const { state, versions, figures } = status;
  const c = state.candidate;
  const lines = [
    `${status.region}: stable ${state.stable} (${versions[state.stable] ?? "?"})`,
    c
      ? `  candidate ${c.version} (${versions[c.version] ?? "?"}): ${c.percent} % of new conversations, stage ${c.stage + 1} of ${state.stages.length} (${state.stages.join(" → ")} %), ${c.status}${c.over ? `, over a guardrail ${c.over}×` : ""}`
      : "  no rollout under way",
    ...state.retiring
      .filter((r) => r.until > Date.now())
      .map((r) => `  retiring ${r.version}: its conversations finish there until ${new Date(r.until).toISOString()}`),
  ];
  if (figures) {
    const shown = [state.stable, ...(c ? [c.version] : [])];
    const row = (label: string, cell: (f: VersionStats) => string) =>
      `  ${label.padEnd(22)}${shown.map((v) => cell(figures[versions[v]!] ?? NO_FIGURES).padStart(14)).join("")}`;
    const rate = (n: number, d: number) => (d ? `${((n / d) * 100).toFixed(1)} %` : "–");
    const ms = (v: number | null) => (v === null ? "–" : `${Math.round(v)} ms`);
    lines.push(
      "",
      `  since ${status.figuresSince}`,
      `  ${"".padEnd(22)}${shown.map((v) => v.padStart(14)).join("")}`,
      row("replies", (f) => String(f.replies)),
      row("failures", (f) => rate(f.failures, f.replies)),
      row("P90 reply", (f) => ms(f.p90ReplyMs)),
      row("P99 first token", (f) => ms(f.p99FirstTokenMs)),
      row("tokens out / answer", (f) => (f.tokensOut === null ? "–" : f.tokensOut.toFixed(0))),
      row("model time / answer", (f) => ms(f.modelMs)),
      row("output blocked", (f) => rate(f.blocked, f.replies)),
      row("👍 / 👎", (f) => `${f.thumbsUp} / ${f.thumbsDown}`),
    );
  } else
    lines.push(
      "",
      "  no figures: the edge reads no per-message records (ANALYTICS_ACCOUNT_ID, or METRICS_URL locally)",
    );
  if (status.said?.length) lines.push("", ...status.said.map((s) => `  decided: ${s}`));
  if (state.decisions.length) {
    lines.push("", "  last decisions:");
    for (const d of state.decisions.slice(-8))
      lines.push(
        `    ${new Date(d.at).toISOString()}  ${d.action.padEnd(8)} ${d.version} ${d.percent} %  (${d.by}) ${d.reason}`,
      );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const value = argv[i + 1];
    argv.splice(i, 2);
    return value;
  };
  const edgeUrl = flag("edge");
  const stagesText = flag("stages");
  const [env, region, action, version] = argv as [string?, string?, string?, string?];
  if (!env || !region || !action || !(ACTIONS as readonly string[]).includes(action)) {
    console.error(
      `usage: npm run rollout -- <local|staging|production> <region> <${ACTIONS.join("|")}> [version] [--stages 1,5,25,50,100] [--edge URL]`,
    );
    return 2;
  }
  if (action === "start" && !version) {
    console.error("start needs the version to roll out, e.g. npm run rollout -- local eu start v2");
    return 2;
  }
  const stages = stagesText?.split(",").map(Number);
  const { url, token } = edgeOf(env, edgeUrl);
  const path = `${url.replace(/\/+$/, "")}/admin/rollout/${encodeURIComponent(region)}`;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res =
    (action as Action) === "status"
      ? await fetch(path, { headers })
      : await fetch(path, {
          method: "POST",
          headers,
          body: JSON.stringify({ action, ...(version ? { version } : {}), ...(stages ? { stages } : {}) }),
        });
  const body = (await res.json().catch(() => null)) as (Status & { error?: { message?: string } }) | null;
  if (!res.ok || !body) {
    console.error(`the edge answered ${res.status}: ${body?.error?.message ?? "no JSON"}`);
    return 1;
  }
  console.log(render(body));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
