#!/usr/bin/env bash
# Regenerates build/go.mod + go.sum from ../versions.env (K8S_VERSION,
# ETCD_VERSION). Run after bumping those, then commit go.mod/go.sum.
#
#   test/cluster/build/gen-gomod.sh [TARGET_DIR]     (default: this directory)
#
# k8s.io/kubernetes lists each staging module (k8s.io/api, apiserver, ...) at
# v0.0.0 and points them at ./staging with replace directives, which Go ignores
# for dependencies. Every one of them must therefore be replaced here with its
# published tag, v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here}"
# shellcheck source=../versions.env
source "$here/../versions.env"
export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod

k8s_mod="$(cd / && go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
staging="v0.${K8S_VERSION#v1.}"
pinned_etcd="$(sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 \(v[^ ]*\).*/\1/p' "$k8s_mod")"
if [[ -n "$pinned_etcd" && "$pinned_etcd" != "$ETCD_VERSION" ]]; then
  echo "note: k8s.io/kubernetes@${K8S_VERSION} pins etcd server ${pinned_etcd}, versions.env says ${ETCD_VERSION}" >&2
fi

{
  sed -n '1,/^module /{/^module /d;p}' "$here/go.mod" # keep the header comment
  echo 'module istio-rollouts/test/cluster/build'
  echo
  echo "$(grep -m1 '^go ' "$k8s_mod")"
  echo
  echo 'require ('
  echo "	go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
  echo "	k8s.io/kubernetes ${K8S_VERSION}"
  echo ')'
  echo
  echo 'replace ('
  grep -oE '^	k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$k8s_mod" | awk -v v="$staging" '{ printf "\t%s => %s %s\n", $1, $1, v }'
  echo ')'
} >"$target/go.mod.new"
mv "$target/go.mod.new" "$target/go.mod"
[[ "$target" == "$here" ]] || cp "$here/tools.go" "$target/tools.go"
(cd "$target" && go mod tidy)
echo "wrote $target/go.mod and go.sum for Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}" >&2
