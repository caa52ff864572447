#!/usr/bin/env bash
# Builds the GPU servers' disk image for one version of a region's model (infra/regions.json's
# regions.<region>.models.versions.<version>: its vLLM release, weights and serve flags), image family
# `gpu-origin-vllm-<version>` (Terraform's gpu_image_family and the version: each version's pool boots
# the newest image of its family): a Deep Learning VM (NVIDIA driver, Docker, the NVIDIA container
# toolkit) with the vLLM image, the model's weights, the tiktoken encodings, Caddy, Node 24 and the
# agent on its disk, so that a server boots without the Hub (startup.sh). Run once per version (a
# new vLLM release or model revision is a new version), from the repository:
#
#   PROJECT=acme-prod REGION=eu VERSION=v1 gpu-origin/image/build.sh
#
# A version name means one build wherever it is used: the image is labelled with the vLLM release and
# the weights it carries, and a Terraform plan stops when a region's version asks for others.
#
# What it does: creates a builder VM from the DLVM family, gives it gpu-origin/image/setup.sh as its
# startup-script (and gpu-origin/agent with the version's serve flags as metadata: no SSH, no firewall
# rule, no key on the image), waits for setup.sh to report on the serial console, stops the builder,
# makes the image from its disk (`gcloud compute images create --family gpu-origin-vllm-<version>`),
# deletes the builder. Terraform resolves the family's newest image at each plan: a new build reaches
# a pool's servers at the next apply.
#
# Settings (environment):
#   PROJECT             the project the image goes to (required)
#   REGION, VERSION     the version of a region's model to build (VERSION default v1); with REGION,
#                       VLLM_IMAGE, MODEL, MODEL_REVISION and SERVE_FLAGS default to that version's in
#                       infra/regions.json (read with Node)
#   ZONE                where the builder runs; with WARM_COMPILE_CACHE=1 it needs A100 capacity
#                       (default europe-west4-a)
#   VLLM_IMAGE          the vLLM release (default vllm/vllm-openai:v0.33.0; keep it equal to the pool's
#                       vllm-image metadata: startup.sh refuses a server whose image differs)
#   MODEL, MODEL_REVISION  default openai/gpt-oss-20b at main (the commit it resolves to is recorded
#                       in the image, /etc/gpu-origin/image.env)
#   SERVE_FLAGS         the file of gpu-origin/ holding the version's `vllm serve` flags (default
#                       serve-flags.txt): the compile cache is warmed with them
#   BASE_IMAGE_FAMILY   DLVM family (default common-cu129-ubuntu-2204-nvidia-580: vLLM's images are
#                       CUDA 13 since v0.20.0, which needs an R580 driver; setup.sh checks it)
#   WARM_COMPILE_CACHE  1 (default): an A100 builder starts vLLM once, so the image carries warm
#                       torch.compile and Triton caches (tens of seconds off every boot); 0: a
#                       CPU builder (BUILDER_MACHINE_TYPE, default n2-standard-8), cold caches
#   NODE_MAJOR          default 24
#   IMAGE_FAMILY        default gpu-origin-vllm-<VERSION>
#   KEEP_BUILDER=1      leave the builder VM for inspection (delete it yourself); a builder whose
#                       setup failed is always left running, with its serial console to read
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { echo "[gpu-origin/image] $*" >&2; }

PROJECT="${PROJECT:?set PROJECT}"
VERSION="${VERSION:-v1}"
if ! [[ "$VERSION" =~ ^[a-z][a-z0-9]{0,7}$ ]]; then
  log "VERSION is a version name of regions.json (1-8 lower-case letters and digits), not $VERSION"
  exit 1
fi
if [ -n "${REGION:-}" ]; then
  # One field of the version in infra/regions.json (empty for a region without `models`: it serves
  # the defaults below).
  version_field() {
    node -e '
      const [region, version, field] = process.argv.slice(1);
      const r = JSON.parse(require("fs").readFileSync("infra/regions.json", "utf8")).regions[region];
      if (!r) throw new Error("no region " + region + " in infra/regions.json");
      if (!r.models) process.exit(0);
      const v = r.models.versions[version];
      if (!v) throw new Error(region + " has no model version " + version + " in infra/regions.json");
      process.stdout.write(String(field.split(".").reduce((o, k) => o[k], v)));
    ' "$REGION" "$VERSION" "$1"
  }
  VLLM_IMAGE="${VLLM_IMAGE:-$(version_field vllm)}"
  MODEL="${MODEL:-$(version_field weights.repository)}"
  MODEL_REVISION="${MODEL_REVISION:-$(version_field weights.revision)}"
  SERVE_FLAGS="${SERVE_FLAGS:-$(version_field serveFlags)}"
fi
ZONE="${ZONE:-europe-west4-a}"
VLLM_IMAGE="${VLLM_IMAGE:-vllm/vllm-openai:v0.33.0}"
MODEL="${MODEL:-openai/gpt-oss-20b}"
MODEL_REVISION="${MODEL_REVISION:-main}"
SERVE_FLAGS="${SERVE_FLAGS:-serve-flags.txt}"
BASE_IMAGE_PROJECT="${BASE_IMAGE_PROJECT:-deeplearning-platform-release}"
BASE_IMAGE_FAMILY="${BASE_IMAGE_FAMILY:-common-cu129-ubuntu-2204-nvidia-580}"
WARM_COMPILE_CACHE="${WARM_COMPILE_CACHE:-1}"
NODE_MAJOR="${NODE_MAJOR:-24}"
IMAGE_FAMILY="${IMAGE_FAMILY:-gpu-origin-vllm-$VERSION}"
if [ "$WARM_COMPILE_CACHE" = "1" ]; then
  BUILDER_MACHINE_TYPE="${BUILDER_MACHINE_TYPE:-a2-highgpu-1g}"
else
  BUILDER_MACHINE_TYPE="${BUILDER_MACHINE_TYPE:-n2-standard-8}"
fi
SETUP_TIMEOUT_SECONDS="${SETUP_TIMEOUT_SECONDS:-5400}"

gc() { gcloud --project "$PROJECT" --quiet "$@"; }

# A label value: lower case, `-` for anything else, at most 63 characters (Terraform's template.tf
# compares the image's labels with the version's, made the same way).
label() { echo "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\n' '-' | cut -c1-63; }
# The image's name says what it holds: gpu-origin-vllm-v1-v0-33-0-20261207-1530.
tag="$(label "${VLLM_IMAGE##*:}")"
stamp="$(date -u +%Y%m%d-%H%M)"
IMAGE_NAME="${IMAGE_NAME:-$IMAGE_FAMILY-$tag-$stamp}"
BUILDER="${BUILDER:-gpu-origin-image-builder-$stamp}"

# Before spending anything: the base image exists and the repository's files are there.
gcloud compute images describe-from-family "$BASE_IMAGE_FAMILY" --project "$BASE_IMAGE_PROJECT" \
  --format='value(name)' >/dev/null ||
  {
    log "no image family $BASE_IMAGE_FAMILY in $BASE_IMAGE_PROJECT; list them with:"
    log "  gcloud compute images list --project $BASE_IMAGE_PROJECT --filter='family~nvidia' --format='value(family)' | sort -u"
    exit 1
  }
case "$SERVE_FLAGS" in
  */* | "") log "SERVE_FLAGS is a file of gpu-origin/, not $SERVE_FLAGS"; exit 1 ;;
esac
[ -f gpu-origin/agent/main.ts ] && [ -f "gpu-origin/$SERVE_FLAGS" ] && [ -f gpu-origin/image/setup.sh ]

work="$(mktemp -d)"
builder_created=0
cleanup() {
  rm -rf "$work"
  if [ "$builder_created" = 1 ]; then
    if [ "${KEEP_BUILDER:-0}" = 1 ]; then
      log "builder kept: gcloud compute instances delete $BUILDER --zone $ZONE --project $PROJECT"
    else
      gc compute instances delete "$BUILDER" --zone "$ZONE" >/dev/null 2>&1 || log "could not delete $BUILDER"
    fi
  fi
}
trap cleanup EXIT

# The agent and the version's serve flags (as serve-flags.txt, the name setup.sh reads) travel as one
# metadata value (well under the 256 KB a value may hold).
mkdir "$work/bundle"
cp -R gpu-origin/agent "$work/bundle/agent"
cp "gpu-origin/$SERVE_FLAGS" "$work/bundle/serve-flags.txt"
tar -C "$work/bundle" -czf - agent serve-flags.txt | base64 -w0 > "$work/bundle.b64"

log "creating $BUILDER ($BUILDER_MACHINE_TYPE in $ZONE) from $BASE_IMAGE_PROJECT/$BASE_IMAGE_FAMILY"
builder_created=1
gc compute instances create "$BUILDER" \
  --zone "$ZONE" \
  --machine-type "$BUILDER_MACHINE_TYPE" \
  --maintenance-policy TERMINATE \
  --image-family "$BASE_IMAGE_FAMILY" \
  --image-project "$BASE_IMAGE_PROJECT" \
  --boot-disk-size 200GB \
  --boot-disk-type pd-ssd \
  --scopes cloud-platform \
  --labels component=gpu-origin-image-builder \
  --metadata "vllm-image=$VLLM_IMAGE,vllm-model=$MODEL,model-revision=$MODEL_REVISION,node-major=$NODE_MAJOR,warm-compile-cache=$WARM_COMPILE_CACHE" \
  --metadata-from-file "startup-script=gpu-origin/image/setup.sh,gpu-origin-bundle=$work/bundle.b64" \
  >/dev/null

# setup.sh reports on the serial console; read it until it says done or failed.
log "waiting for setup.sh (pull, weights, tools$([ "$WARM_COMPILE_CACHE" = 1 ] && echo ", a warm start of vLLM"))"
deadline=$((SECONDS + SETUP_TIMEOUT_SECONDS))
next=0
result=""
while [ -z "$result" ]; do
  if [ "$SECONDS" -gt "$deadline" ]; then
    log "setup.sh did not finish within $SETUP_TIMEOUT_SECONDS s"
    exit 1
  fi
  sleep 30
  if gc compute instances get-serial-port-output "$BUILDER" --zone "$ZONE" --start "$next" \
    > "$work/serial" 2> "$work/serial.err"; then
    grep -o '\[gpu-origin-image\].*' "$work/serial" | sed 's/^/  /' >&2 || true
    # gcloud says where the next read starts: "Specify --start=<n> in the next … invocation".
    start="$(grep -o -- '--start=[0-9]*' "$work/serial.err" | tail -1 | cut -d= -f2 || true)"
    next="${start:-$next}"
    if grep -q '\[gpu-origin-image\] done' "$work/serial"; then result="done"; fi
    if grep -q '\[gpu-origin-image\] failed' "$work/serial"; then result="failed"; fi
  fi
done
if [ "$result" != "done" ]; then
  log "setup.sh failed (see above); the builder's whole log: gcloud compute instances get-serial-port-output $BUILDER --zone $ZONE"
  KEEP_BUILDER="${KEEP_BUILDER:-1}"
  exit 1
fi

log "stopping $BUILDER and making $IMAGE_NAME (family $IMAGE_FAMILY)"
gc compute instances stop "$BUILDER" --zone "$ZONE" >/dev/null
gc compute images create "$IMAGE_NAME" \
  --source-disk "$BUILDER" \
  --source-disk-zone "$ZONE" \
  --family "$IMAGE_FAMILY" \
  --description "gpu-origin $VERSION: $VLLM_IMAGE, $MODEL@$MODEL_REVISION, $SERVE_FLAGS, Caddy, Node $NODE_MAJOR, agent; warm compile cache: $WARM_COMPILE_CACHE" \
  --labels "component=gpu-origin,version=$VERSION,vllm=$tag,model=$(label "$MODEL"),model-revision=$(label "$MODEL_REVISION"),warm-compile-cache=$WARM_COMPILE_CACHE" \
  >/dev/null
log "done: projects/$PROJECT/global/images/$IMAGE_NAME (family $IMAGE_FAMILY)"
echo "projects/$PROJECT/global/images/$IMAGE_NAME"
