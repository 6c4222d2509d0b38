#!/usr/bin/env bash
# Feasibility run: istiod (pilot-discovery) + gRPC proxyless xDS client against
# the local cluster. See docs/dataplane-plan.md.
# usage: test/dataplane/run.sh <state-dir of a running `cluster.js start --controllers`>
# Leaves istiod and the two echo servers running; their pids are in $WORK/*.pid.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${1:?state dir}
WORK=${WORK:-/tmp/dp}
ISTIO_VERSION=${ISTIO_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}
CACHE=${ISTIO_ROLLOUTS_CACHE:-$HOME/.cache/istio-rollouts}
ISTIOD=$CACHE/dataplane/istiod-$ISTIO_VERSION/pilot-discovery
KC=$STATE/kubeconfig-admin.yaml
K="${KUBECTL:-$CACHE/k8s-v1.36.3-etcd-v3.6.8/bin/kubectl} --kubeconfig $KC"
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$WORK/bin"

if [ ! -x "$ISTIOD" ]; then
  GOBIN=$(dirname "$ISTIOD") go install -trimpath -ldflags="-s -w" \
    "istio.io/istio/pilot/cmd/pilot-discovery@$ISTIO_VERSION"
fi
(cd "$HERE" && go build -trimpath -o "$WORK/bin/" ./cmd/...)

$K apply -f "$HERE/manifests.yaml"
until [ "$($K -n dp get pods -l app=echo -o name | wc -l)" -ge 2 ]; do sleep 0.5; done
$K -n dp wait --for=condition=Ready pod -l app=echo --timeout=60s
"$HERE/endpoint-slices.sh" "$KC"
V1=$($K -n dp get endpointslice echo-v1 -o jsonpath='{.endpoints[0].addresses[0]}')
V2=$($K -n dp get endpointslice echo-v2 -o jsonpath='{.endpoints[0].addresses[0]}')

"$WORK/bin/echo-server" -addr "$V1:7071" -version v1 >"$WORK/echo-v1.log" 2>&1 &
echo $! >"$WORK/echo-v1.pid"
"$WORK/bin/echo-server" -addr "[$V2]:7072" -version v2 >"$WORK/echo-v2.log" 2>&1 &
echo $! >"$WORK/echo-v2.pid"

POD_NAMESPACE=istio-system POD_NAME=istiod-local REVISION=default "$ISTIOD" discovery \
  --kubeconfig "$KC" --httpAddr 127.0.0.1:18080 --grpcAddr 127.0.0.1:15010 \
  --secureGRPCAddr "" --monitoringAddr 127.0.0.1:15014 --domain cluster.local \
  >"$WORK/istiod.log" 2>&1 &
echo $! >"$WORK/istiod.pid"
t0=$(date +%s%N)
until curl -sf -o /dev/null 127.0.0.1:18080/ready; do sleep 0.1; done
echo "istiod ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms"

export GRPC_XDS_BOOTSTRAP=$HERE/bootstrap.json
echo "--- 1000 requests (VirtualService 90/10)"
"$WORK/bin/xds-client" -n 1000
echo "--- 200 requests with end-user: jason"
"$WORK/bin/xds-client" -n 200 -header end-user=jason
