#!/usr/bin/env bash
# Regenerates build-argo/go.mod + go.sum for ARGO_ROLLOUTS_VERSION in
# ../versions.env. Run after bumping it, then commit go.mod/go.sum.
#
#   test/cluster/build-argo/gen-gomod.sh [TARGET_DIR]   (default: this directory)
#
# Copies the `replace` lines of argo-rollouts' own go.mod (Go ignores them in
# a dependency) and lets `go get` add the requirements of the controller's
# main package. No `go mod tidy`: nothing here imports the controller.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here}"
# shellcheck source=../versions.env
source "$here/../versions.env"
export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod

upstream="$(cd / && go mod download -json "github.com/argoproj/argo-rollouts@${ARGO_ROLLOUTS_VERSION}" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
{
  sed -n '1,/^module /{/^module /d;p}' "$here/go.mod" # keep the header comment
  echo 'module istio-rollouts/test/cluster/build-argo'
  echo
  grep -m1 '^go ' "$upstream"
  echo
  echo 'replace ('
  # Both forms: inside a replace ( … ) block and single `replace a => b` lines.
  grep -E '=>' "$upstream" | sed -E 's/^[[:space:]]*(replace[[:space:]]+)?/\t/'
  echo ')'
} >"$target/go.mod.new"
mv "$target/go.mod.new" "$target/go.mod"
rm -f "$target/go.sum"
(cd "$target" && go get "github.com/argoproj/argo-rollouts/cmd/rollouts-controller@${ARGO_ROLLOUTS_VERSION}")
echo "wrote $target/go.mod and go.sum for argo-rollouts ${ARGO_ROLLOUTS_VERSION}" >&2
