#!/usr/bin/env bash
# Write the hand-made EndpointSlices of the selector-less Service dp/echo:
# v1 -> $V1_ADDR:7071 (IPv4), v2 -> $V2_ADDR:7072 (IPv6), each with a targetRef
# to the current pod of that version (istiod reads the pod's labels through it).
# usage: endpoint-slices.sh <kubeconfig>
set -euo pipefail
KC=$1
V1_ADDR=${V1_ADDR:-$(ip -4 -o addr show scope global | awk '{split($4,a,"/"); print a[1]; exit}')}
V2_ADDR=${V2_ADDR:-$(ip -6 -o addr show scope global | awk '{split($4,a,"/"); print a[1]; exit}')}
K="${KUBECTL:-$HOME/.cache/istio-rollouts/k8s-v1.36.3-etcd-v3.6.8/bin/kubectl} --kubeconfig $KC"
slice() { # version addressType address port
  local pod
  pod=$($K -n dp get pods -l app=echo,version=$1 -o jsonpath='{.items[0].metadata.name}')
  cat <<YAML
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-$1
  namespace: dp
  labels:
    kubernetes.io/service-name: echo
    endpointslice.kubernetes.io/managed-by: istio-rollouts-dataplane-test
addressType: $2
ports:
  - name: grpc
    port: $4
    protocol: TCP
    appProtocol: grpc
endpoints:
  - addresses: ["$3"]
    conditions: { ready: true }
    targetRef: { kind: Pod, namespace: dp, name: $pod }
YAML
}
{ slice v1 IPv4 "$V1_ADDR" 7071; slice v2 IPv6 "$V2_ADDR" 7072; } | $K apply -f -
echo "v1=$V1_ADDR:7071 v2=[$V2_ADDR]:7072"
