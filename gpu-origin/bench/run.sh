#!/usr/bin/env bash
# What a first GPU run must measure to replace the capacity model's calibration (bench/capacity/
# calibration.ts), on one server of a pool, written to one machine-readable file, $OUT/summary.json:
#   - the concurrency sweep: TTFT, TPOT and throughput at concurrency 1, 2, 4, 8, 16, 32, 64, on the
#     product's prompt mix (`vllm bench serve`);
#   - KV-cache usage while 64 requests run (vLLM's /metrics, sampled every second);
#   - the drain time of the longest reply: 64 replies of the longest prompt and answer the edge allows
#     (2,048 tokens in, 1,024 out), the slowest of them — what a drain waits for at worst;
#   - boot to ready, from the server's startup log (`[gpu-origin] boot` lines, startup.sh).
#
#   On the server, through the agent (its admission in the loop):
#     ORIGIN_API_KEY=… METRICS_URL=http://127.0.0.1:8000/metrics \
#       BOOT_LOG=<(journalctl -u google-startup-scripts.service -b) gpu-origin/bench/run.sh http://127.0.0.1:8001
#   From outside: ORIGIN_API_KEY=… METRICS_URL=https://<server>:9443/metrics \
#       BOOT_LOG=serial.txt gpu-origin/bench/run.sh https://pool-eu.origins.example.com
#     (serial.txt: gcloud compute instances get-serial-port-output <vm> --zone <zone> > serial.txt)
#
# The mix is what the edge sends: a system prompt and a few turns (≈ 600 input tokens, within the
# 2,048 budget) and short replies with low-effort reasoning (≈ 180 output tokens, reasoning included).
# Runs `vllm bench serve` inside the pinned vLLM image, so client and server come from the same release.
set -euo pipefail
BASE="${1:?usage: run.sh BASE_URL   (ORIGIN_API_KEY, METRICS_URL, BOOT_LOG in the environment)}"
: "${ORIGIN_API_KEY:?set ORIGIN_API_KEY}"
MODEL="${MODEL:-openai/gpt-oss-20b}"
IMAGE="${VLLM_IMAGE:-vllm/vllm-openai:v0.33.0}"
METRICS_URL="${METRICS_URL:-}"
BOOT_LOG="${BOOT_LOG:-}"
OUT="${OUT:-bench-results/$(date -u +%Y%m%d-%H%M)}"
CONCURRENCIES=(1 2 4 8 16 32 64)
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
log() { echo "[bench] $*" >&2; }

bench() {
  docker run --rm --network host -e OPENAI_API_KEY="$ORIGIN_API_KEY" -v "$OUT:/out" \
    --entrypoint vllm "$IMAGE" bench serve \
    --backend openai-chat --endpoint /v1/chat/completions --base-url "$BASE" --model "$MODEL" \
    --dataset-name random --save-result --result-dir /out "$@"
}

# KV-cache usage, once a second, while the 64-way run goes (vllm:kv_cache_usage_perc, 0–1).
sample_kv() {
  while :; do
    curl -fsSk --max-time 2 "$METRICS_URL" 2>/dev/null |
      awk '/^vllm:kv_cache_usage_perc[{ ]/ { print $NF }' >> "$OUT/kv-64.txt" || true
    sleep 1
  done
}

for concurrency in "${CONCURRENCIES[@]}"; do
  prompts=$((concurrency * 20 < 100 ? 100 : concurrency * 20))
  sampler=""
  if [ "$concurrency" = 64 ] && [ -n "$METRICS_URL" ]; then
    : > "$OUT/kv-64.txt"
    sample_kv &
    sampler=$!
  fi
  log "concurrency $concurrency ($prompts requests)"
  bench --random-input-len 600 --random-output-len 180 --random-range-ratio 0.5 \
    --num-prompts "$prompts" --max-concurrency "$concurrency" \
    --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 50,90,99 \
    --result-filename "c$concurrency.json"
  if [ -n "$sampler" ]; then kill "$sampler"; fi
done

# The longest reply the edge allows (INPUT_TOKEN_BUDGET in, MODEL_MAX_OUTPUT_TOKENS out, to the end:
# ignore_eos), 64 at once: the slowest (p100) is the longest a drain waits for one.
log "longest replies: 64 × (2,048 in, 1,024 out)"
bench --random-input-len 2048 --random-output-len 1024 --random-range-ratio 0 --ignore-eos \
  --num-prompts 64 --max-concurrency 64 \
  --percentile-metrics ttft,e2el --metric-percentiles 50,100 \
  --result-filename longest.json

boot_log="$OUT/boot.log"
if [ -n "$BOOT_LOG" ]; then grep -o '\[gpu-origin\] boot .*' "$BOOT_LOG" > "$boot_log" || true; else : > "$boot_log"; fi

python3 - "$OUT" "$BASE" "$IMAGE" "$MODEL" "${CONCURRENCIES[@]}" <<'PY'
import json, pathlib, re, statistics, sys, datetime

out, base, image, model, *concurrencies = sys.argv[1:]
out = pathlib.Path(out)

def load(name):
    return json.loads((out / name).read_text())

def pct(r, metric, ps):
    return {f"p{p}": r.get(f"p{p}_{metric}_ms") for p in ps}

sweep = []
for c in map(int, concurrencies):
    r = load(f"c{c}.json")
    sweep.append({
        "concurrency": c,
        "completed": r.get("completed"),
        "failed": r.get("failed"),
        "requests_per_second": r.get("request_throughput"),
        "output_tokens_per_second": r.get("output_throughput"),
        "ttft_ms": pct(r, "ttft", (50, 90, 99)),
        "tpot_ms": pct(r, "tpot", (50, 90, 99)),
        "itl_ms": pct(r, "itl", (50, 90, 99)),
        "e2e_ms": pct(r, "e2el", (50, 90, 99)),
    })

kv_file = out / "kv-64.txt"
kv = [float(x) for x in kv_file.read_text().split()] if kv_file.exists() else []
longest = load("longest.json")
slowest_ms = longest.get("p100_e2el_ms")

steps, since_os_boot = {}, None
for line in (out / "boot.log").read_text().splitlines():
    m = re.search(r"boot (step|detail)=(\S+) seconds=([0-9.]+)", line)
    if m:
        steps[m.group(2)] = float(m.group(3))
    m = re.search(r"boot ready seconds_since_os_boot=([0-9.]+)", line)
    if m:
        since_os_boot = float(m.group(1))

summary = {
    "schema": "gpu-origin-bench/1",
    "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "base_url": base,
    "vllm_image": image,
    "model": model,
    "mix": {"input_tokens": 600, "output_tokens": 180, "range_ratio": 0.5},
    "sweep": sweep,
    "kv_cache_usage_at_64": {
        "samples": len(kv),
        "mean": statistics.fmean(kv) if kv else None,
        "max": max(kv) if kv else None,
    },
    "drain_longest_reply": {
        "input_tokens": 2048,
        "output_tokens": 1024,
        "concurrency": 64,
        "seconds": slowest_ms / 1000 if slowest_ms is not None else None,
        "ttft_p50_ms": longest.get("p50_ttft_ms"),
    },
    "boot": {
        # VM boot to the agent's first successful completion (startup.sh's last line).
        "to_ready_seconds": since_os_boot,
        "startup_script_seconds": steps.get("total"),
        "steps_seconds": {k: v for k, v in steps.items() if k != "total"},
    },
}
(out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

fmt = lambda v, f="{:.0f}": "-" if v is None else f.format(v)
print(f"{'conc':>4} {'req/s':>7} {'out tok/s':>10} {'TTFT p50':>9} {'TTFT p90':>9} {'TPOT p50':>9} {'TPOT p90':>9}  (ms)")
for s in sweep:
    print(f"{s['concurrency']:>4} {fmt(s['requests_per_second'], '{:.2f}'):>7} {fmt(s['output_tokens_per_second'], '{:.1f}'):>10}"
          f" {fmt(s['ttft_ms']['p50']):>9} {fmt(s['ttft_ms']['p90']):>9} {fmt(s['tpot_ms']['p50'], '{:.1f}'):>9} {fmt(s['tpot_ms']['p90'], '{:.1f}'):>9}")
print(f"KV-cache usage at 64: mean {fmt(summary['kv_cache_usage_at_64']['mean'], '{:.2f}')}, max {fmt(summary['kv_cache_usage_at_64']['max'], '{:.2f}')}")
print(f"longest reply at 64 (drain bound): {fmt(summary['drain_longest_reply']['seconds'], '{:.1f}')} s")
print(f"boot to ready: {fmt(since_os_boot, '{:.1f}')} s (startup script {fmt(steps.get('total'), '{:.1f}')} s)")
print(f"written: {out / 'summary.json'}")
PY
