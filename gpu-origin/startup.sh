#!/usr/bin/env bash
# GPU server bootstrap: the GCE startup-script of every server of a pool, run at each boot as root,
# on the gpu-origin image (gpu-origin/image/build.sh), which already holds the vLLM image, the
# weights, the tiktoken encodings, Caddy, Node and the agent. Nothing is downloaded here: vLLM runs with
# HF_HUB_OFFLINE=1, and a server whose disk lacks what it needs stops loudly instead of fetching it.
#
# Each step is timed: `[gpu-origin] boot step=<name> seconds=<n>`, then `boot step=total` and the
# time since the OS booted (`boot ready seconds_since_os_boot=<n>`), plus what vLLM's own log says
# its load took (`boot detail=…`). Read them with
#   journalctl -u google-startup-scripts.service | grep '\[gpu-origin\] boot'
# or from outside: gcloud compute instances get-serial-port-output <vm> --zone <zone> | grep '\[gpu-origin\] boot'
set -Eeuo pipefail

log() { echo "[gpu-origin] $*"; }
fail() {
  log "boot failed: $*"
  exit 1
}
trap 'log "boot failed: line $LINENO"' ERR
meta() { curl -fsS -H "Metadata-Flavor: Google" "http://metadata.google.internal/computeMetadata/v1/instance/attributes/$1"; }
# Secrets are not in the metadata, only their names: the VM reads them from Secret Manager with its
# own service account (terraform/modules/gpu-origin), which may read these two and nothing else.
secret() { gcloud secrets versions access latest --secret="$(meta "$1")" --quiet; }

now_us() { echo "${EPOCHREALTIME/./}"; }
seconds_since() {
  local us=$(($(now_us) - $1))
  printf '%d.%d' $((us / 1000000)) $(((us / 100000) % 10))
}
step() {
  local name="$1" t0
  shift
  t0="$(now_us)"
  "$@"
  log "boot step=$name seconds=$(seconds_since "$t0")"
}

BOOT_START="$(now_us)"
DATA=/var/lib/vllm
CONF=/etc/gpu-origin
READY_TIMEOUT_SECONDS=900
log "boot step=os seconds=$(cut -d' ' -f1 /proc/uptime)"

read_settings() {
  VLLM_IMAGE="$(meta vllm-image)"
  MODEL="$(meta vllm-model)"
  ORIGIN_HOSTNAME="$(meta origin-hostname)"
  AGENT_MAX_WAITING="$(meta agent-max-waiting 2>/dev/null || echo 32)"
  ORIGIN_API_KEY="$(secret origin-api-key-secret)"
  # The key is written into env files and a Caddyfile matcher: only characters that need no quoting.
  [[ "$ORIGIN_API_KEY" =~ ^[A-Za-z0-9._~-]+$ ]] || fail "the origin API key has characters other than A-Z a-z 0-9 . _ ~ -"
  [[ "$AGENT_MAX_WAITING" =~ ^[0-9]+$ ]] || fail "agent-max-waiting is not a number"
  # The serve flags, comments dropped: what `vllm serve` gets and where the agent reads --max-num-seqs.
  install -d -m 0755 "$CONF"
  meta vllm-serve-flags | grep -v '^\s*#' | grep -v '^\s*$' > "$CONF/serve-flags"
  chmod 0644 "$CONF/serve-flags"
  # vLLM waits this long for the requests in flight on SIGTERM; Docker must wait longer before killing it.
  SHUTDOWN_TIMEOUT="$(awk '$1 == "--shutdown-timeout" { v = $2 } $1 ~ /^--shutdown-timeout=/ { sub(/^[^=]*=/, "", $1); v = $1 } END { print v + 0 }' "$CONF/serve-flags")"
  DOCKER_STOP_SECONDS=$((SHUTDOWN_TIMEOUT + 15))
}

# 1. The driver: the image ships one; a missing or broken driver must stop here, loudly.
check_driver() {
  local gpu
  gpu="$(nvidia-smi --id=0 --query-gpu=name,driver_version,memory.total --format=csv,noheader)" ||
    fail "nvidia-smi failed: no usable NVIDIA driver; not starting vLLM"
  log "gpu: $gpu"
  [[ "$gpu" == *A100* ]] || log "warning: GPU is not an A100; serve-flags.txt is tuned for one"
}

# 2. What the image holds must be what the pool asks for: a different vLLM image or model means the
# pool's template and its image family disagree (rebuild the image, do not fetch at boot).
check_image() {
  [ -f "$CONF/image.env" ] || fail "$CONF/image.env missing: this is not a gpu-origin image (gpu-origin/image/build.sh)"
  # shellcheck source=/dev/null
  . "$CONF/image.env"
  [ "$VLLM_IMAGE" = "$IMAGE_VLLM_IMAGE" ] ||
    fail "the pool asks for $VLLM_IMAGE, the image holds $IMAGE_VLLM_IMAGE: build the image for this release"
  docker image inspect "$VLLM_IMAGE" >/dev/null 2>&1 || fail "$VLLM_IMAGE is not on the disk"
  log "image: $IMAGE_VLLM_IMAGE_DIGEST, $IMAGE_MODEL@$IMAGE_MODEL_REVISION, node $IMAGE_NODE_VERSION, built $IMAGE_BUILT_AT"
}

check_weights() {
  local snapshot="$DATA/hf/hub/models--${MODEL//\//--}/snapshots/$IMAGE_MODEL_REVISION"
  [ "$MODEL" = "$IMAGE_MODEL" ] || fail "the pool asks for $MODEL, the image holds $IMAGE_MODEL"
  if ! { [ -f "$DATA/hf/.complete-${MODEL//\//_}" ] && compgen -G "$snapshot/*.safetensors" >/dev/null; }; then
    fail "the weights of $MODEL@$IMAGE_MODEL_REVISION are not on the disk ($snapshot); not downloading them"
  fi
  for enc in o200k_base cl100k_base; do
    [ -s "$DATA/tiktoken/$enc.tiktoken" ] || fail "$DATA/tiktoken/$enc.tiktoken missing"
  done
  install -d -m 0755 "$DATA/compile-cache" "$DATA/triton-cache"
}

# 3. Configuration: the key stays in root-only files that systemd reads, never in a unit or a log.
write_config() {
  umask 077
  cat > "$CONF/vllm.env" <<ENV
ORIGIN_API_KEY=$ORIGIN_API_KEY
VLLM_IMAGE=$VLLM_IMAGE
MODEL=$MODEL
MODEL_REVISION=$IMAGE_MODEL_REVISION
ENV
  cat > "$CONF/agent.env" <<ENV
ORIGIN_API_KEY=$ORIGIN_API_KEY
VLLM_MODEL=$MODEL
AGENT_MAX_WAITING=$AGENT_MAX_WAITING
AGENT_SERVE_FLAGS_FILE=$CONF/serve-flags
ENV
  cat > "$CONF/caddy.env" <<ENV
ORIGIN_API_KEY=$ORIGIN_API_KEY
ORIGIN_HOSTNAME=$ORIGIN_HOSTNAME
ENV
  cat > "$CONF/run-vllm.sh" <<'RUN'
#!/usr/bin/env bash
set -euo pipefail
set -a; . /etc/gpu-origin/vllm.env; set +a
# Offline: the weights, tokenizer and encodings come from the disk. The compile and Triton caches are
# on the disk too, warmed when the image was built, so a boot does not recompile. No usage reports.
# shellcheck disable=SC2046 # one flag or value per word, by design of serve-flags
exec /usr/bin/docker run --rm --name vllm --gpus all --ipc=host --network host \
  -e HF_HOME=/root/.cache/huggingface -e HF_HUB_OFFLINE=1 -e TRANSFORMERS_OFFLINE=1 \
  -e TIKTOKEN_ENCODINGS_BASE=/tiktoken -e TIKTOKEN_RS_CACHE_DIR=/tiktoken \
  -e VLLM_NO_USAGE_STATS=1 -e DO_NOT_TRACK=1 \
  -v /var/lib/vllm/hf:/root/.cache/huggingface -v /var/lib/vllm/tiktoken:/tiktoken:ro \
  -v /var/lib/vllm/compile-cache:/root/.cache/vllm -v /var/lib/vllm/triton-cache:/root/.triton \
  "$VLLM_IMAGE" --model "$MODEL" --revision "$MODEL_REVISION" --tokenizer-revision "$MODEL_REVISION" \
  $(envsubst '${ORIGIN_API_KEY}' < /etc/gpu-origin/serve-flags)
RUN
  chmod 0700 "$CONF/run-vllm.sh"
  umask 022

  # Units are not enabled: this script starts them at each boot, once their configuration is written.
  # They stop after google-shutdown-scripts.service (units stop in the reverse order of their start),
  # so shutdown.sh drains the server while vLLM, the agent and Caddy still run.
  cat > /etc/systemd/system/vllm.service <<UNIT
[Unit]
Description=vLLM (gpt-oss), behind the gpu-origin agent and Caddy
After=docker.service network-online.target
Requires=docker.service
Before=google-shutdown-scripts.service

[Service]
ExecStartPre=-/usr/bin/docker rm -f vllm
ExecStart=$CONF/run-vllm.sh
# vLLM's --shutdown-timeout ($SHUTDOWN_TIMEOUT s) lets the replies in flight finish; Docker waits longer.
ExecStop=/usr/bin/docker stop -t $DOCKER_STOP_SECONDS vllm
TimeoutStopSec=$((DOCKER_STOP_SECONDS + 15))
Restart=always
RestartSec=5
UNIT
  cat > /etc/systemd/system/gpu-origin-agent.service <<UNIT
[Unit]
Description=gpu-origin agent: admission, readiness, drain, autoscaling metrics
After=network-online.target vllm.service
Wants=network-online.target
Before=google-shutdown-scripts.service

[Service]
EnvironmentFile=$CONF/agent.env
ExecStart=/usr/local/bin/node /opt/gpu-origin/agent/main.ts
Restart=always
RestartSec=2
# On SIGTERM the agent drains (up to AGENT_DRAIN_TIMEOUT_SECONDS, 60 s) before it exits.
TimeoutStopSec=75
DynamicUser=yes
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
UNIT
  # Caddy: TLS with the Cloudflare Origin CA certificate, the key checked on /v1.
  install -d -m 0750 -o caddy -g caddy /etc/caddy/tls
  meta origin-tls-cert > /etc/caddy/tls/origin.pem
  secret origin-tls-key-secret > /etc/caddy/tls/origin.key
  chown caddy:caddy /etc/caddy/tls/* && chmod 600 /etc/caddy/tls/origin.key
  meta caddyfile > /etc/caddy/Caddyfile
  install -d /etc/systemd/system/caddy.service.d
  # The package's unit runs `caddy run --environ`, which prints the environment (the key) to the log:
  # replaced. `admin off` leaves nothing for `caddy reload` to talk to.
  cat > /etc/systemd/system/caddy.service.d/origin.conf <<UNIT
[Unit]
Before=google-shutdown-scripts.service

[Service]
EnvironmentFile=$CONF/caddy.env
ExecStart=
ExecStart=/usr/bin/caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
ExecReload=
UNIT
  systemctl daemon-reload
}

start_vllm() { systemctl restart vllm.service; }
start_agent() { systemctl restart gpu-origin-agent.service; }
start_caddy() { systemctl restart caddy.service; }

# 4. Ready means the agent's probe got a real completion from vLLM (weights loaded, compiled, CUDA
# graphs captured), not that a process is up.
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until curl -fsS --max-time 5 -o /dev/null http://127.0.0.1:8002/ready; do
    [ "$SECONDS" -lt "$deadline" ] ||
      fail "not ready after $READY_TIMEOUT_SECONDS s; see journalctl -u vllm -u gpu-origin-agent"
    sleep 2
  done
}

# What vLLM says its own load took, in the same log (best effort: the wording is vLLM's).
vllm_details() {
  local logs
  logs="$(journalctl -u vllm.service -b -o cat --no-pager 2>/dev/null || true)"
  detail() {
    local value
    value="$(grep -oE "$2" <<<"$logs" | tail -1 | grep -oE '[0-9]+(\.[0-9]+)?' | tail -1 || true)"
    [ -z "$value" ] || log "boot detail=$1 seconds=$value"
  }
  detail vllm-weights 'Loading weights took [0-9.]+ seconds'
  detail vllm-model-load 'Model loading took [0-9.]+ GiB (memory )?and [0-9.]+ s'
  detail vllm-torch-compile 'torch.compile takes [0-9.]+ s in total'
  detail vllm-cuda-graphs 'Graph capturing finished in [0-9.]+ secs'
  detail vllm-init-engine 'init engine \(profile, create kv cache, warmup model\) took [0-9.]+ seconds'
}

step metadata read_settings
step driver check_driver
step image check_image
step weights check_weights
step config write_config
step vllm-start start_vllm
step agent-start start_agent
step caddy-start start_caddy
step ready wait_ready
vllm_details
log "boot step=total seconds=$(seconds_since "$BOOT_START")"
log "boot ready seconds_since_os_boot=$(cut -d' ' -f1 /proc/uptime)"
