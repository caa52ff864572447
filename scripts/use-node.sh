#!/usr/bin/env bash
# The project's Node.js (the major version in .nvmrc) first on PATH. When the machine's own Node is
# older than package.json's engines allow, that version is installed once from the npm registry's
# `node` package into .local/node (git-ignored) and used instead: no nvm, no download from elsewhere.
#
#   scripts/use-node.sh npm test        run one command with it
#   . scripts/use-node.sh               or put it first on this shell's PATH
project_node() {
  local root want have_major min_major prefix
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  want="$(tr -d ' \nv' < "$root/.nvmrc")"
  # The oldest major engines.node accepts (">=22.12.0" → 22).
  min_major="$(sed -n 's/.*"node": *">=\([0-9]*\).*/\1/p' "$root/package.json")"
  have_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$have_major" -ge "${min_major:-$want}" ]; then
    return 0
  fi
  prefix="$root/.local/node"
  if [ ! -x "$prefix/node_modules/node/bin/node" ] ||
    [ "$("$prefix/node_modules/node/bin/node" -p 'process.versions.node.split(".")[0]')" != "$want" ]; then
    echo "Node $have_major is older than this project needs: installing Node $want from the npm registry into .local/node" >&2
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "node@$want" >&2
  fi
  PATH="$prefix/node_modules/node/bin:$PATH"
  export PATH
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run as a command: strict, and the command replaces this script.
  set -euo pipefail
  project_node
  [ "$#" -gt 0 ] && exec "$@"
  node --version
else
  # Sourced: the caller's shell keeps its own options.
  project_node
fi
