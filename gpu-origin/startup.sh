#!/usr/bin/env bash
# GPU origin bootstrap (GCE startup-script, runs at every boot as root on a Deep Learning VM).
# Checks the driver, caches the model weights and the tiktoken encodings on disk (so restarts and the
# server itself need no network for them), installs a systemd unit that keeps vLLM running, puts
# Caddy in front, and reports ready only after a real chat completion succeeds.
set -euo pipefail

meta() { curl -fsS -H "Metadata-Flavor: Google" "http://metadata.google.internal/computeMetadata/v1/instance/attributes/$1"; }
# Secrets are not in the metadata, only their names: the VM reads them from Secret Manager with its
# own service account (terraform/modules/gpu-origin), which may read these two and nothing else.
secret() { gcloud secrets versions access latest --secret="$(meta "$1")" --quiet; }
log() { echo "[gpu-origin] $*"; }

VLLM_IMAGE="$(meta vllm-image)"
MODEL="$(meta vllm-model)"
ORIGIN_API_KEY="$(secret origin-api-key-secret)"
ORIGIN_HOSTNAME="$(meta origin-hostname)"
DATA=/var/lib/vllm

# 1. Driver: the DLVM image ships one; a missing or broken driver must stop here, loudly.
if ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; then
  log "nvidia-smi failed: no usable NVIDIA driver; not starting vLLM"
  exit 1
fi
nvidia-smi --query-gpu=name --format=csv,noheader | grep -q "A100" || log "warning: GPU is not an A100; serve-flags.txt is tuned for one"

# 2. Caches on the boot disk: weights (HF_HOME) and the tiktoken files harmony needs offline.
install -d -m 0755 "$DATA/hf" "$DATA/tiktoken"
if [ ! -s "$DATA/tiktoken/o200k_base.tiktoken" ]; then
  for enc in o200k_base cl100k_base; do
    curl -fsSL -o "$DATA/tiktoken/$enc.tiktoken" "https://openaipublic.blob.core.windows.net/encodings/$enc.tiktoken"
  done
fi
docker pull "$VLLM_IMAGE"
if [ ! -f "$DATA/hf/.complete-$(echo "$MODEL" | tr / _)" ]; then
  # huggingface_hub's CLI is `hf` (huggingface-cli is gone from huggingface_hub 1.x, which the image ships).
  docker run --rm -v "$DATA/hf:/root/.cache/huggingface" --entrypoint hf "$VLLM_IMAGE" download "$MODEL"
  touch "$DATA/hf/.complete-$(echo "$MODEL" | tr / _)"
fi

# 3. The server, kept alive by systemd. Flags come from serve-flags.txt (comments dropped); the key
# stays in a root-only file and is substituted when the server starts, never written into the unit.
install -d -m 0700 /opt/gpu-origin
meta vllm-serve-flags | grep -v '^\s*#' | grep -v '^\s*$' > /opt/gpu-origin/serve-flags
umask 077
cat > /opt/gpu-origin/vllm.env <<ENV
ORIGIN_API_KEY=$ORIGIN_API_KEY
VLLM_IMAGE=$VLLM_IMAGE
MODEL=$MODEL
ENV
cat > /opt/gpu-origin/run-vllm.sh <<'RUN'
#!/usr/bin/env bash
set -euo pipefail
set -a; . /opt/gpu-origin/vllm.env; set +a
# shellcheck disable=SC2046 # one flag or value per word, by design of serve-flags
exec /usr/bin/docker run --rm --name vllm --gpus all --ipc=host --network host \
  -e HF_HOME=/root/.cache/huggingface -e HF_HUB_OFFLINE=1 \
  -e TIKTOKEN_ENCODINGS_BASE=/tiktoken -e TIKTOKEN_RS_CACHE_DIR=/tiktoken \
  -v /var/lib/vllm/hf:/root/.cache/huggingface -v /var/lib/vllm/tiktoken:/tiktoken:ro \
  "$VLLM_IMAGE" --model "$MODEL" $(envsubst '${ORIGIN_API_KEY}' < /opt/gpu-origin/serve-flags)
RUN
chmod 700 /opt/gpu-origin/run-vllm.sh
umask 022
cat > /etc/systemd/system/vllm.service <<'UNIT'
[Unit]
Description=vLLM (gpt-oss) behind Caddy
After=docker.service
Requires=docker.service

[Service]
ExecStartPre=-/usr/bin/docker rm -f vllm
ExecStart=/opt/gpu-origin/run-vllm.sh
ExecStop=/usr/bin/docker stop -t 30 vllm
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now vllm.service

# 4. Caddy in front: TLS with the Cloudflare Origin CA certificate, the key checked on /v1.
if ! command -v caddy >/dev/null; then
  apt-get update -qq && apt-get install -y -qq caddy
fi
install -d -m 0750 -o caddy -g caddy /etc/caddy/tls
meta origin-tls-cert > /etc/caddy/tls/origin.pem
secret origin-tls-key-secret > /etc/caddy/tls/origin.key
chown caddy:caddy /etc/caddy/tls/* && chmod 600 /etc/caddy/tls/origin.key
meta caddyfile > /etc/caddy/Caddyfile
install -d /etc/systemd/system/caddy.service.d
cat > /etc/systemd/system/caddy.service.d/origin.conf <<UNIT
[Service]
Environment=ORIGIN_API_KEY=$ORIGIN_API_KEY ORIGIN_HOSTNAME=$ORIGIN_HOSTNAME
UNIT
systemctl daemon-reload
systemctl restart caddy

# 5. Ready means a real completion, not /health (which only says the process is up).
for _ in $(seq 1 90); do
  if curl -fsS --max-time 60 -H "Authorization: Bearer $ORIGIN_API_KEY" -H 'content-type: application/json' \
      -d "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Reply with the word ready.\"}],\"max_tokens\":32}" \
      http://127.0.0.1:8000/v1/chat/completions | grep -q '"finish_reason"'; then
    log "ready: a chat completion succeeded"
    exit 0
  fi
  sleep 10
done
log "not ready after 15 minutes; see journalctl -u vllm"
exit 1
