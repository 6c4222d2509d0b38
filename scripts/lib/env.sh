# shellcheck shell=bash
# Sourced by every project script. It guarantees a Node this project supports
# (22.x; the machine may ship an older one) and puts that Node and the
# committed Yarn release first on PATH, so every child process uses them.
#
# Everything comes from the npm registry through the machine's own npm client:
# the `node-linux-<arch>` package carries the official Node build, headers
# included (better-sqlite3 compiles against them with node-gyp).

# Strict mode for the project's scripts; an interactive shell that sources
# this file (to get the pinned Node and yarn) keeps its own options.
if [[ $- != *i* ]]; then
  set -euo pipefail
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
NODE_VERSION="22.23.3"
TOOLS_DIR="$ROOT/.tools"

log() { printf '\033[1;34m[istio-rollouts]\033[0m %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local sys_node
  sys_node="$(command -v node || true)"
  # Node 22 is the supported line (Node 24 aborts better-sqlite3 at teardown).
  if [[ -n "$sys_node" && "$(node_major "$sys_node")" == "22" && -z "${ISTIO_ROLLOUTS_PINNED_NODE:-}" ]]; then
    NODE_HOME="$(cd "$(dirname "$sys_node")/.." && pwd)"
  else
    NODE_HOME="$TOOLS_DIR/node-v$NODE_VERSION"
    if [[ ! -x "$NODE_HOME/bin/node" ]]; then
      local arch
      case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) echo "unsupported CPU $(uname -m)" >&2; exit 1 ;;
      esac
      command -v npm >/dev/null || { echo "npm is needed once to fetch Node $NODE_VERSION" >&2; exit 1; }
      log "installing Node $NODE_VERSION into $NODE_HOME (system Node is ${sys_node:+$("$sys_node" --version)}${sys_node:-absent})"
      local tmp
      tmp="$(mktemp -d)"
      (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
      mkdir -p "$NODE_HOME.partial"
      tar xzf "$tmp"/node-linux-*.tgz -C "$NODE_HOME.partial" --strip-components=1
      rm -rf "$tmp" "$NODE_HOME"
      mv "$NODE_HOME.partial" "$NODE_HOME"
    fi
  fi
  export NODE_HOME
  # node-gyp builds native addons (better-sqlite3) against this Node's own headers.
  export npm_config_nodedir="$NODE_HOME"
  mkdir -p "$TOOLS_DIR/bin"
  local yarn_release
  yarn_release="$(ls "$ROOT"/.yarn/releases/yarn-*.cjs | head -n1)"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE_HOME/bin/node" "$yarn_release" >"$TOOLS_DIR/bin/yarn"
  chmod +x "$TOOLS_DIR/bin/yarn"
  export PATH="$NODE_HOME/bin:$TOOLS_DIR/bin:$ROOT/node_modules/.bin:$PATH"
}

# Installs dependencies when yarn.lock or a package.json changed since the last install.
ensure_deps() {
  local stamp="$ROOT/node_modules/.istio-rollouts-install-stamp"
  local want
  want="$(cat "$ROOT/yarn.lock" "$ROOT"/package.json "$ROOT"/packages/*/package.json "$ROOT"/plugins/*/package.json 2>/dev/null | sha256sum | cut -c1-16)-$("$NODE_HOME/bin/node" --version)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  log "installing dependencies with yarn (first run: a few minutes)"
  local flags=()
  if [[ -n "${CI:-}" ]]; then flags+=(--immutable); fi
  (cd "$ROOT" && yarn install "${flags[@]}")
  echo "$want" >"$stamp"
}

ensure_node
