#!/usr/bin/env bash
# GPU server stop: the GCE shutdown-script of every server of a pool (it runs as root when the VM
# stops, is deleted by the autoscaler, or reboots). By then the load balancer has usually drained
# the server already (connection draining, 300 s: no new request, the ones in flight finished); this
# makes sure of it, and stops vLLM gracefully:
#   1. the agent's /drain: /ready turns 503 and new requests get 503 at once; it answers when nothing is
#      in flight any more, or after DRAIN_TIMEOUT_SECONDS (the longest reply: the edge's
#      MODEL_TIMEOUT_MS, 60 s);
#   2. `systemctl stop vllm`: `docker stop`, so vLLM gets SIGTERM and lets anything still in flight
#      finish for up to its --shutdown-timeout (serve-flags.txt) before it exits.
# GCE gives a shutdown script about 90 s on an on-demand VM (best effort), so the drain's bound plus
# a normal vLLM stop (seconds, once nothing is in flight) stays inside it.
#   Also by hand, to take one server out: sudo bash shutdown.sh   (then reboot it, or start the units)
set -uo pipefail

DRAIN_TIMEOUT_SECONDS="${DRAIN_TIMEOUT_SECONDS:-60}"
AGENT_CONTROL="${AGENT_CONTROL:-http://127.0.0.1:8002}"
log() { echo "[gpu-origin] $*"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
seconds_since() {
  local us=$(($(now_us) - $1))
  printf '%d.%d' $((us / 1000000)) $(((us / 100000) % 10))
}

start="$(now_us)"
t0="$start"
# Best effort, step by step: a failed drain (the agent already gone) must not keep vLLM from stopping.
if answer="$(curl -fsS --max-time $((DRAIN_TIMEOUT_SECONDS + 5)) -X POST \
  "$AGENT_CONTROL/drain?timeout_seconds=$DRAIN_TIMEOUT_SECONDS")"; then
  # {"drained":true,"in_flight":0,"waited_seconds":1.2}: the agent's own figures, no content.
  log "stop step=drain seconds=$(seconds_since "$t0") agent=$answer"
else
  log "stop step=drain seconds=$(seconds_since "$t0") agent=unreachable"
fi

t0="$(now_us)"
if systemctl is-active --quiet vllm.service; then
  systemctl stop vllm.service || log "systemctl stop vllm failed"
fi
log "stop step=vllm seconds=$(seconds_since "$t0")"
log "stop step=total seconds=$(seconds_since "$start")"
