#!/usr/bin/env bash
# By hand, on a server: the readiness probe the agent runs every 60 s (gpu-origin/agent/probe.ts),
# straight to vLLM, past the agent's admission: a real chat completion. vLLM's /health only says the
# process is up. The agent's own verdict, which the load balancer reads: curl 127.0.0.1:8002/ready.
# Usage: ORIGIN_API_KEY=… ./readiness.sh [base URL, default http://127.0.0.1:8000] [model]
set -euo pipefail
BASE="${1:-http://127.0.0.1:8000}"
MODEL="${2:-openai/gpt-oss-20b}"
body=$(curl -fsS --max-time 60 "$BASE/v1/chat/completions" \
  -H "Authorization: Bearer ${ORIGIN_API_KEY:?set ORIGIN_API_KEY}" -H 'content-type: application/json' \
  -d "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Reply with the word ready.\"}],\"max_tokens\":32,\"reasoning_effort\":\"low\"}")
echo "$body" | grep -q '"finish_reason"' || { echo "not ready: $body" >&2; exit 1; }
echo "ready"
