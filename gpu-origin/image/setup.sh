#!/usr/bin/env bash
# Prepares the disk of a builder VM for the gpu-origin image: the startup-script build.sh gives the
# builder (it runs once, as root, on a Deep Learning VM). Everything a server needs to boot without the
# network goes onto the disk here, once per vLLM release:
#   - the vLLM Docker image (pulled, its digest recorded),
#   - the model's weights (`hf download`, HF cache layout, the revision recorded),
#   - the tiktoken encodings harmony reads (checked against their published SHA-256),
#   - Caddy (Caddy's apt repository) and Node 24 (nodejs.org, checked against SHASUMS256.txt),
#   - the agent (gpu-origin/agent),
#   - with a GPU, vLLM's torch.compile and Triton caches, from one real start with the pool's serve
#     flags and HF_HUB_OFFLINE=1 (which also proves the weights load offline).
# It reports on the serial console, which build.sh reads: `[gpu-origin-image] done` or `… failed`.
set -Eeuo pipefail

log() { echo "[gpu-origin-image] $*"; }
fail() {
  log "failed: $*"
  exit 1
}
trap 'log "failed: line $LINENO"' ERR
attr() { curl -fsS -H "Metadata-Flavor: Google" "http://metadata.google.internal/computeMetadata/v1/instance/attributes/$1"; }

VLLM_IMAGE="$(attr vllm-image)"
MODEL="$(attr vllm-model)"
MODEL_REVISION="$(attr model-revision)"
NODE_MAJOR="$(attr node-major)"
WARM_COMPILE_CACHE="$(attr warm-compile-cache)"
DATA=/var/lib/vllm
BUILD=/tmp/gpu-origin-build
export DEBIAN_FRONTEND=noninteractive

# The repository's files build.sh sent along (gpu-origin/agent and serve-flags.txt), as metadata.
install -d -m 0700 "$BUILD"
attr gpu-origin-bundle | base64 -d | tar -xz -C "$BUILD"

# 1. Docker and, when there is a GPU, a driver new enough for the image: vLLM's images are built on
# CUDA 13 since v0.20.0, which needs an R580 driver or newer.
docker info >/dev/null
if [ "$WARM_COMPILE_CACHE" = "1" ]; then
  driver="$(nvidia-smi --id=0 --query-gpu=driver_version --format=csv,noheader)"
  [ "${driver%%.*}" -ge 580 ] || fail "NVIDIA driver $driver is older than R580, which CUDA 13 needs: choose a newer base image family"
  log "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
fi

# 2. The vLLM image, by tag, with the digest it resolved to.
docker pull "$VLLM_IMAGE"
VLLM_IMAGE_DIGEST="$(docker image inspect --format '{{index .RepoDigests 0}}' "$VLLM_IMAGE")"
log "vLLM image $VLLM_IMAGE = $VLLM_IMAGE_DIGEST"

# 3. The weights, into the Hugging Face cache layout vLLM reads offline (HF_HOME). The repository also
# holds the original PyTorch checkpoint (original/) and a Metal build (metal/), neither of which vLLM
# reads: leaving them out halves the download and the disk.
install -d -m 0755 "$DATA/hf" "$DATA/tiktoken" "$DATA/compile-cache" "$DATA/triton-cache"
docker run --rm -v "$DATA/hf:/root/.cache/huggingface" -e HF_HOME=/root/.cache/huggingface \
  --entrypoint hf "$VLLM_IMAGE" download "$MODEL" --revision "$MODEL_REVISION" \
  --exclude "original/*" --exclude "metal/*"
model_dir="$DATA/hf/hub/models--${MODEL//\//--}"
resolved="$(cat "$model_dir/refs/$MODEL_REVISION" 2>/dev/null || echo "$MODEL_REVISION")"
ls "$model_dir/snapshots/$resolved/"*.safetensors >/dev/null
touch "$DATA/hf/.complete-${MODEL//\//_}"
log "weights $MODEL@$resolved: $(du -sh "$model_dir" | cut -f1)"

# 4. tiktoken's encodings, checked against the hashes tiktoken itself expects.
fetch_encoding() {
  curl -fsSL -o "$DATA/tiktoken/$1.tiktoken" "https://openaipublic.blob.core.windows.net/encodings/$1.tiktoken"
  echo "$2  $DATA/tiktoken/$1.tiktoken" | sha256sum -c --quiet -
}
fetch_encoding o200k_base 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
fetch_encoding cl100k_base 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7

# 5. Caddy, from Caddy's own apt repository (Ubuntu 22.04 has none); started by startup.sh once its
# Caddyfile and certificate are in place, not before.
apt-get update -qq
apt-get install -y -qq debian-keyring debian-archive-keyring apt-transport-https gnupg gettext-base
curl -fsSL https://dl.cloudsmith.io/public/caddy/stable/gpg.key |
  gpg --dearmor --yes -o /usr/share/keyrings/caddy-stable-archive-keyring.gpg
curl -fsSL https://dl.cloudsmith.io/public/caddy/stable/debian.deb.txt > /etc/apt/sources.list.d/caddy-stable.list
apt-get update -qq
apt-get install -y -qq caddy
systemctl disable --now caddy

# 6. Node for the agent: the newest release of the major, checked against nodejs.org's SHASUMS256.
node_dist="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x"
curl -fsSL -o "$BUILD/SHASUMS256.txt" "$node_dist/SHASUMS256.txt"
node_tarball="$(grep -m1 -o "node-v${NODE_MAJOR}\.[0-9.]*-linux-x64\.tar\.xz" "$BUILD/SHASUMS256.txt")"
curl -fsSL -o "$BUILD/$node_tarball" "$node_dist/$node_tarball"
(cd "$BUILD" && grep " $node_tarball\$" SHASUMS256.txt | sha256sum -c --quiet -)
tar -xJf "$BUILD/$node_tarball" -C /usr/local --strip-components=1 --no-same-owner
log "node $(/usr/local/bin/node --version)"

# 7. The agent: Node runs its TypeScript directly; no dependencies to install.
rm -rf /opt/gpu-origin/agent
install -d -m 0755 /opt/gpu-origin
cp -r "$BUILD/agent" /opt/gpu-origin/agent
chmod -R a+rX,go-w /opt/gpu-origin/agent

# 8. With a GPU: start vLLM once, as a server will (offline, same flags and caches), and ask it one
# question, so the torch.compile and Triton caches on the disk are warm at every boot. The model's
# arguments and environment are those of startup.sh's run-vllm.sh to the letter: the revision is in
# the hash vLLM keys its compile cache by, so a start without it would warm a cache no boot reads.
if [ "$WARM_COMPILE_CACHE" = "1" ]; then
  grep -v '^\s*#' "$BUILD/serve-flags.txt" | grep -v '^\s*$' > "$BUILD/serve-flags"
  # One flag or value per word, by design of serve-flags; envsubst replaces only that one variable.
  # shellcheck disable=SC2046,SC2016
  docker run -d --name vllm-warm --gpus all --ipc=host --network host \
    -e HF_HOME=/root/.cache/huggingface -e HF_HUB_OFFLINE=1 -e TRANSFORMERS_OFFLINE=1 \
    -e TIKTOKEN_ENCODINGS_BASE=/tiktoken -e TIKTOKEN_RS_CACHE_DIR=/tiktoken \
    -e VLLM_NO_USAGE_STATS=1 -e DO_NOT_TRACK=1 \
    -v "$DATA/hf:/root/.cache/huggingface" -v "$DATA/tiktoken:/tiktoken:ro" \
    -v "$DATA/compile-cache:/root/.cache/vllm" -v "$DATA/triton-cache:/root/.triton" \
    "$VLLM_IMAGE" --model "$MODEL" --revision "$MODEL_REVISION" --tokenizer-revision "$MODEL_REVISION" \
    $(ORIGIN_API_KEY=warm envsubst '${ORIGIN_API_KEY}' < "$BUILD/serve-flags")
  warm_ok=0
  for _ in $(seq 1 120); do
    if curl -fsS --max-time 60 -H "Authorization: Bearer warm" -H 'content-type: application/json' \
      -d "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Reply with the word ready.\"}],\"max_tokens\":32,\"reasoning_effort\":\"low\"}" \
      http://127.0.0.1:8000/v1/chat/completions | grep -q '"finish_reason"'; then
      warm_ok=1
      break
    fi
    sleep 10
  done
  docker logs vllm-warm 2>&1 | grep -E "Loading weights took|Model loading took|torch.compile|init engine|Graph capturing" | sed 's/^/[gpu-origin-image] vllm: /' || true
  docker stop -t 60 vllm-warm >/dev/null
  docker rm vllm-warm >/dev/null
  [ "$warm_ok" = 1 ] || fail "vLLM did not answer within 20 minutes of starting offline"
  log "compile cache: $(du -sh "$DATA/compile-cache" | cut -f1), triton cache: $(du -sh "$DATA/triton-cache" | cut -f1)"
fi

# 9. What this image holds, for startup.sh to check against the pool's metadata.
install -d -m 0755 /etc/gpu-origin
cat > /etc/gpu-origin/image.env <<ENV
IMAGE_VLLM_IMAGE=$VLLM_IMAGE
IMAGE_VLLM_IMAGE_DIGEST=$VLLM_IMAGE_DIGEST
IMAGE_MODEL=$MODEL
IMAGE_MODEL_REVISION=$resolved
IMAGE_NODE_VERSION=$(/usr/local/bin/node --version)
IMAGE_CADDY_VERSION=$(caddy version | cut -d' ' -f1)
IMAGE_COMPILE_CACHE_WARM=$WARM_COMPILE_CACHE
IMAGE_BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ENV

# 10. Nothing of the build left on the disk.
rm -rf "$BUILD"
apt-get clean
log "done"
