#!/usr/bin/env bash
# `caddy validate` on gpu-origin/Caddyfile as an origin runs it (the same environment variables), with
# a throwaway self-signed certificate in place of the Cloudflare Origin CA one: Caddy's own adapter
# and provisioning check every directive, matcher and placeholder, not only the syntax.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=origin-eu1.origins.example.com" \
  -keyout "$dir/origin.key" -out "$dir/origin.pem" 2>/dev/null
if ! out="$(ORIGIN_HOSTNAME=origin-eu1.origins.example.com ORIGIN_API_KEY=caddy-validate-key \
  ORIGIN_TLS_CERT="$dir/origin.pem" ORIGIN_TLS_KEY="$dir/origin.key" \
  XDG_DATA_HOME="$dir" XDG_CONFIG_HOME="$dir" \
  caddy validate --config gpu-origin/Caddyfile --adapter caddyfile 2>&1)"; then
  echo "$out" | grep -v '"level":"info"' >&2
  exit 1
fi
echo "gpu-origin/Caddyfile: valid ($(caddy version | cut -d' ' -f1))"
