#!/usr/bin/env bash
# Benchmarks one GPU origin with `vllm bench serve` on the product's prompt mix, at concurrency 1 to 64.
#
#   ORIGIN_API_KEY=… ./gpu-origin/bench/run.sh https://origin-eu1.example.com   (or http://127.0.0.1:8000 on the VM)
#
# The mix is what the edge sends: a system prompt and a few turns (≈ 600 input tokens, within the
# 2,048 budget) and short replies with low-effort reasoning (≈ 180 output tokens, reasoning included).
# Runs inside the pinned vLLM image, so client and server come from the same release.
set -euo pipefail
BASE="${1:?usage: run.sh BASE_URL}"
MODEL="${MODEL:-openai/gpt-oss-20b}"
IMAGE="${VLLM_IMAGE:-vllm/vllm-openai:v0.17.0}"
OUT="${OUT:-bench-results}"
mkdir -p "$OUT"
for concurrency in 1 2 4 8 16 32 64; do
  prompts=$((concurrency * 20 < 100 ? 100 : concurrency * 20))
  docker run --rm --network host -e OPENAI_API_KEY="${ORIGIN_API_KEY:?set ORIGIN_API_KEY}" -v "$PWD/$OUT:/out" \
    --entrypoint vllm "$IMAGE" bench serve \
    --backend openai-chat --endpoint /v1/chat/completions --base-url "$BASE" --model "$MODEL" \
    --dataset-name random --random-input-len 600 --random-output-len 180 --random-range-ratio 0.5 \
    --num-prompts "$prompts" --max-concurrency "$concurrency" \
    --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 50,90,99 \
    --save-result --result-dir /out --result-filename "c$concurrency.json"
done
# One line per concurrency: requests/s, output tokens/s, TTFT and end-to-end latency percentiles.
python3 - "$OUT" <<'PY'
import json, sys, pathlib
print(f"{'conc':>4} {'req/s':>7} {'out tok/s':>10} {'TTFT p50':>9} {'TTFT p90':>9} {'E2E p50':>8} {'E2E p90':>8}  (ms)")
for c in (1, 2, 4, 8, 16, 32, 64):
    r = json.loads(pathlib.Path(sys.argv[1], f"c{c}.json").read_text())
    print(f"{c:>4} {r['request_throughput']:>7.2f} {r['output_throughput']:>10.1f} {r['p50_ttft_ms']:>9.0f} {r['p90_ttft_ms']:>9.0f} {r['p50_e2el_ms']:>8.0f} {r['p90_e2el_ms']:>8.0f}")
PY
