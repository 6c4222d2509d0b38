#!/usr/bin/env bash
# Builds the real Kubernetes control-plane binaries (kube-apiserver, etcd,
# kubectl) from their Go modules, once, into a per-version cache outside the
# repo, and fetches the CRDs the plugin works with (also from Go modules, so
# the only network needed is the Go module proxy).
#
#   test/cluster/build.sh                build what is missing, print the cache dir
#   test/cluster/build.sh --controllers  the same, plus the controllers (below)
#   test/cluster/build.sh --dataplane    the same, plus istiod and the data-plane programs (below)
#   test/cluster/build.sh --print        only print the cache dir (no build)
#
# Cache layout (ISTIO_ROLLOUTS_CACHE defaults to ~/.cache/istio-rollouts):
#   $ISTIO_ROLLOUTS_CACHE/k8s-<K8S_VERSION>-etcd-<ETCD_VERSION>/bin/{kube-apiserver,etcd,kubectl}
#   $ISTIO_ROLLOUTS_CACHE/k8s-<K8S_VERSION>-etcd-<ETCD_VERSION>/crds/*.yaml
# and, with --controllers, one directory per controller and version:
#   $ISTIO_ROLLOUTS_CACHE/controllers/kube-controller-manager-<K8S_VERSION>/kube-controller-manager
#   $ISTIO_ROLLOUTS_CACHE/controllers/kube-scheduler-<K8S_VERSION>/kube-scheduler
#   $ISTIO_ROLLOUTS_CACHE/controllers/kwok-<KWOK_VERSION>/{kwok,stages/*.yaml}
#   $ISTIO_ROLLOUTS_CACHE/controllers/argo-rollouts-<ARGO_ROLLOUTS_VERSION>/rollouts-controller
#   $ISTIO_ROLLOUTS_CACHE/controllers/flagger-<FLAGGER_VERSION>/flagger
# and, with --dataplane (which implies --controllers):
#   $ISTIO_ROLLOUTS_CACHE/dataplane/istiod-<ISTIOD_VERSION>/pilot-discovery
#   $ISTIO_ROLLOUTS_CACHE/dataplane/bin-<hash of test/dataplane's sources>/{pod-server,traffic,...}
# The data-plane line of the output is `dataplane-bin <dir>`, printed before
# the last line (the cache dir).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${ISTIO_ROLLOUTS_CACHE:-$HOME/.cache/istio-rollouts}"
dir="$cache_root/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"

controllers=false
dataplane=false
for arg in "$@"; do
  case "$arg" in
    --print) echo "$dir"; exit 0 ;;
    --controllers) controllers=true ;;
    # istiod watches what the controllers make (pods, EndpointSlices).
    --dataplane) controllers=true; dataplane=true ;;
    *) echo "usage: $0 [--print|--controllers|--dataplane]" >&2; exit 2 ;;
  esac
done

log() { echo "[build.sh] $*" >&2; }

# The wrapper module must describe exactly the versions in versions.env;
# otherwise the cache key would lie about what is inside it.
gomod="$here/build/go.mod"
k8s_minor_patch="${K8S_VERSION#v1.}"                  # 36.3
staging_version="v0.${k8s_minor_patch}"              # v0.36.3
grep -q "^	k8s.io/kubernetes ${K8S_VERSION}\$" "$gomod" ||
  { log "build/go.mod does not require k8s.io/kubernetes ${K8S_VERSION} (see README: bumping versions)"; exit 1; }
grep -q "^	go.etcd.io/etcd/server/v3 ${ETCD_VERSION}\$" "$gomod" ||
  { log "build/go.mod does not require go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"; exit 1; }
if grep -E '^	k8s\.io/[a-z0-9-]+ => ' "$gomod" | grep -vq " ${staging_version}\$"; then
  log "build/go.mod has staging replaces not at ${staging_version}"; exit 1
fi

mkdir -p "$dir/bin" "$dir/crds"
# Parallel test workers may all call this at once: serialise on a lock so only
# one of them compiles and the others wait and then find the binaries there.
exec 9>"$dir/.lock"
flock 9

# Go settings: never touch a go.work of the surrounding repo, never switch
# toolchains (only the local Go is available), never rewrite build/go.mod or
# go.sum during a build (they are complete; missing modules are still
# downloaded), and build static binaries.
export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0

# hack/lib/version.sh in kubernetes stamps the version into these variables;
# without them /version reports v0.0.0-master and kubectl warns about skew.
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X ${pkg}.gitVersion=${K8S_VERSION}"
  k8s_ldflags+=" -X ${pkg}.gitMajor=1"
  k8s_ldflags+=" -X ${pkg}.gitMinor=${k8s_minor_patch%%.*}"
  k8s_ldflags+=" -X ${pkg}.gitTreeState=clean"
done

build() { # build <name> <package> <ldflags> [<output> [<module dir>]]
  local name="$1" pkg="$2" ldflags="$3" out="${4:-$dir/bin/$1}" mod="${5:-$here/build}"
  if [[ -x "$out" ]]; then
    return 0
  fi
  log "building $name (first time, several minutes on 2 cores)…"
  local start=$SECONDS
  # Build to a temp name and rename, so an interrupted build never leaves a
  # truncated binary that a later run would mistake for a finished one.
  (cd "$mod" && go build -trimpath -ldflags="$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  log "built $name in $((SECONDS - start))s"
}

goinstall() { # goinstall <name> <package@version> <output dir>: modules without replace lines
  local name="$1" pkg="$2" out="$3/$1"
  [[ -x "$out" ]] && return 0
  log "building $name (first time, a few minutes on 2 cores)…"
  local start=$SECONDS tmpbin
  tmpbin="$(mktemp -d "$3/.gobin.XXXXXX")"
  # `go install pkg@version` uses the module's own go.mod and go.sum;
  # -mod does not apply (GOFLAGS= ).
  GOFLAGS= GOBIN="$tmpbin" go install -trimpath -ldflags="-s -w" "$pkg"
  mv "$tmpbin/$name" "$out"
  rmdir "$tmpbin"
  log "built $name in $((SECONDS - start))s"
}

build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
# Since etcd 3.5 the etcd server's main package is the root of the
# go.etcd.io/etcd/server/v3 module (server/main.go in the etcd repo).
build etcd go.etcd.io/etcd/server/v3 "-s -w"

# ---- CRDs -----------------------------------------------------------------
crd_stamp="istio=${ISTIO_API_VERSION} rollouts=${ARGO_ROLLOUTS_VERSION}+analysis flagger=${FLAGGER_VERSION} gateway=${GATEWAY_API_VERSION}"
if [[ "$(cat "$dir/crds/.versions" 2>/dev/null || true)" != "$crd_stamp" ]]; then
  log "fetching CRDs via the Go module proxy ($crd_stamp)…"
  moddir() { # moddir <module@version> -> extracted module directory
    # Run outside any module so the download never edits build/go.mod.
    (cd / && GOFLAGS= go mod download -json "$1") |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
  }
  istio="$(moddir "istio.io/api@${ISTIO_API_VERSION}")"
  rollouts="$(moddir "github.com/argoproj/argo-rollouts@${ARGO_ROLLOUTS_VERSION}")"
  flagger="$(moddir "github.com/fluxcd/flagger@${FLAGGER_VERSION}")"
  gateway="$(moddir "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}")"
  for d in "$istio" "$rollouts" "$flagger" "$gateway"; do
    [[ -n "$d" && -d "$d" ]] || { log "go mod download failed"; exit 1; }
  done
  tmp="$(mktemp -d "$dir/crds.tmp.XXXXXX")"
  # Istio ships all of its CRDs in one file; keep only networking.istio.io
  # (VirtualService, DestinationRule, Gateway, ...). Applying the security,
  # telemetry and extensions CRDs too would only slow every cluster start.
  node -e '
    const fs = require("fs");
    const docs = fs.readFileSync(process.argv[1], "utf8").split(/^---\s*$/m);
    const keep = docs.filter((d) => /^kind: CustomResourceDefinition$/m.test(d) &&
      /^  group: networking\.istio\.io$/m.test(d));
    if (keep.length === 0) { console.error("no networking.istio.io CRDs found"); process.exit(1); }
    fs.writeFileSync(process.argv[2], keep.map((d) => d.trim()).join("\n---\n") + "\n");
  ' "$istio/kubernetes/customresourcedefinitions.gen.yaml" "$tmp/istio-networking.yaml"
  cp "$rollouts/manifests/crds/rollout-crd.yaml" "$tmp/argo-rollouts-rollout.yaml"
  # What the Rollout controller also watches (it will not start without them).
  for f in analysis-run analysis-template cluster-analysis-template experiment; do
    cat "$rollouts/manifests/crds/$f-crd.yaml"
    echo "---"
  done | sed '$d' >"$tmp/argo-rollouts-analysis.yaml"
  cp "$flagger/artifacts/flagger/crd.yaml" "$tmp/flagger.yaml"
  cp "$gateway/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml" "$tmp/gateway-api-httproutes.yaml"
  chmod 0755 "$tmp"; chmod 0644 "$tmp"/*.yaml
  echo "$crd_stamp" > "$tmp/.versions"
  rm -rf "$dir/crds"
  mv "$tmp" "$dir/crds"
fi

# ---- controllers (--controllers) ---------------------------------------------
if [[ "$controllers" == true ]]; then
  cdir="$cache_root/controllers"
  mkdir -p "$cdir"
  exec 8>"$cdir/.lock"
  flock 8
  argo_mod="$here/build-argo/go.mod"
  grep -q "^	github.com/argoproj/argo-rollouts ${ARGO_ROLLOUTS_VERSION}\( // indirect\)\?\$" "$argo_mod" ||
    { log "build-argo/go.mod does not require argo-rollouts ${ARGO_ROLLOUTS_VERSION} (run build-argo/gen-gomod.sh)"; exit 1; }

  kcm="$cdir/kube-controller-manager-${K8S_VERSION}"
  sched="$cdir/kube-scheduler-${K8S_VERSION}"
  kwok="$cdir/kwok-${KWOK_VERSION}"
  argo="$cdir/argo-rollouts-${ARGO_ROLLOUTS_VERSION}"
  flagger="$cdir/flagger-${FLAGGER_VERSION}"
  mkdir -p "$kcm" "$sched" "$kwok" "$argo" "$flagger"
  # Same module and -ldflags as kube-apiserver (they share almost every package).
  build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags" "$kcm/kube-controller-manager"
  build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags" "$sched/kube-scheduler"
  build rollouts-controller github.com/argoproj/argo-rollouts/cmd/rollouts-controller \
    "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${ARGO_ROLLOUTS_VERSION} -X github.com/argoproj/argo-rollouts/utils/version.gitTreeState=clean" \
    "$argo/rollouts-controller" "$here/build-argo"

  goinstall kwok "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}" "$kwok"
  goinstall flagger "github.com/fluxcd/flagger/cmd/flagger@${FLAGGER_VERSION}" "$flagger"

  # kwok's stages (what it does to Nodes and Pods), from the module's
  # kustomize/stage/. cluster.js combines them into kwok's --config.
  if [[ ! -f "$kwok/stages/pod-ready.yaml" ]]; then
    kwokdir="$( (cd / && GOFLAGS= go mod download -json "sigs.k8s.io/kwok@${KWOK_VERSION}") |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$kwokdir" && -d "$kwokdir" ]] || { log "go mod download sigs.k8s.io/kwok failed"; exit 1; }
    tmp="$(mktemp -d "$kwok/stages.tmp.XXXXXX")"
    s="$kwokdir/kustomize/stage"
    cp "$s/node/fast/node-initialize.yaml" "$s/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
      "$s/pod/fast/pod-ready.yaml" "$s/pod/fast/pod-complete.yaml" "$s/pod/fast/pod-delete.yaml" "$tmp/"
    chmod 0755 "$tmp"; chmod 0644 "$tmp"/*.yaml
    rm -rf "$kwok/stages"
    mv "$tmp" "$kwok/stages"
  fi
fi

# ---- data plane (--dataplane) --------------------------------------------------
if [[ "$dataplane" == true ]]; then
  ddir="$cache_root/dataplane"
  mkdir -p "$ddir"
  exec 7>"$ddir/.lock"
  flock 7
  # istiod: ~7 min cold on 2 cores (the largest build after kube-apiserver).
  istiod="$ddir/istiod-${ISTIOD_VERSION}"
  mkdir -p "$istiod"
  goinstall pilot-discovery "istio.io/istio/pilot/cmd/pilot-discovery@${ISTIOD_VERSION}" "$istiod"

  # The repo's own Go programs (test/dataplane, owned by this repo, so they
  # change): one directory per content hash of what goes into the binaries,
  # so an edit rebuilds and an unchanged tree is reused.
  src="$(cd "$here/../dataplane" && pwd)"
  hash="$(
    cd "$src"
    {
      go version
      find . \( -name '*.go' ! -name '*_test.go' \) -o -name go.mod -o -name go.sum | LC_ALL=C sort |
        while read -r f; do printf '%s ' "$f"; sha256sum <"$f"; done
    } | sha256sum | cut -c1-16
  )"
  bindir="$ddir/bin-$hash"
  if [[ ! -x "$bindir/pod-server" || ! -x "$bindir/traffic" ]]; then
    log "building test/dataplane (pod-server, traffic)…"
    start=$SECONDS
    tmp="$(mktemp -d "$ddir/bin.tmp.XXXXXX")"
    (cd "$src" && go build -trimpath -o "$tmp/" ./cmd/...)
    for b in pod-server traffic; do
      [[ -x "$tmp/$b" ]] || { log "test/dataplane has no cmd/$b"; rm -rf "$tmp"; exit 1; }
    done
    chmod 0755 "$tmp"
    rm -rf "$bindir"
    mv "$tmp" "$bindir"
    log "built test/dataplane in $((SECONDS - start))s"
    # Older builds of the same programs: keep the last few, for clusters
    # that may still run from them.
    ls -1dt "$ddir"/bin-* 2>/dev/null | tail -n +4 | xargs -r rm -rf
  fi
  echo "dataplane-bin $bindir"
fi

echo "$dir"
