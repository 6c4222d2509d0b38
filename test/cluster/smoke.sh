#!/usr/bin/env bash
# Proves the local cluster is a real Kubernetes API server, not an imitation:
# real CRD schema validation, real JSON-patch semantics, real RBAC, clean stop.
#
#   bash test/cluster/smoke.sh
#
# Exits non-zero on the first failed check. Uses its own state dirs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster_js="$here/cluster.js"
pass=0
fail=0
ok() { echo "ok   - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }

state="$(mktemp -d /tmp/istio-rollouts-smoke.XXXXXX)"
start_pid=""
cleanup() {
  if [[ -n "$start_pid" ]] && kill -0 "$start_pid" 2>/dev/null; then
    kill -TERM "$start_pid" 2>/dev/null || true
    wait "$start_pid" 2>/dev/null || true
  fi
  node "$cluster_js" stop --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

json() { node -e 'const c=require(process.argv[1]); const v=process.argv[2].split(".").reduce((o,k)=>o[k],c); console.log(v)' "$state/cluster.json" "$1"; }

# start <label>: starts `cluster.js start --seed` in the background, waits for
# cluster.json, prints the wall time.
start() {
  local t0=$SECONDS
  rm -f "$state/cluster.json"
  node "$cluster_js" start --state-dir "$state" --seed >"$state/start.out" 2>"$state/start.err" &
  start_pid=$!
  # Cold runs compile Kubernetes first: allow up to an hour.
  for _ in $(seq 1 36000); do
    if [[ -s "$state/start.out" ]] && grep -q '"startedByCli": true' "$state/start.out"; then break; fi
    if ! kill -0 "$start_pid" 2>/dev/null; then cat "$state/start.err"; echo "start failed"; exit 1; fi
    sleep 0.1
  done
  echo "# $1: cluster up and seeded after $((SECONDS - t0))s (wall, includes node startup)"
  grep -E 'cluster ready|seeded in' "$state/start.err" | sed 's/^/#   /'
}

# No leftover processes from this state dir / its etcd.
no_orphans() { # no_orphans <apiserver pid> <etcd pid> <watchdog pid>
  local left=""
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null && [[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != "Z" ]]; then left+=" $pid"; fi
  done
  if pgrep -f -- "--token-auth-file=$state" >/dev/null; then left+=" (pgrep: apiserver)"; fi
  [[ -z "$left" ]]
}

start "first start (cold if the cache is empty)"
K="$(json kubectl)"
admin="$(json kubeconfigs.admin)"
plugin="$(json kubeconfigs.plugin)"
readonly_kc="$(json kubeconfigs.readonly)"
ka() { "$K" --kubeconfig "$admin" -n demo "$@"; }
kp() { "$K" --kubeconfig "$plugin" -n demo "$@"; }
kr() { "$K" --kubeconfig "$readonly_kc" -n demo "$@"; }

echo "# server: $(ka version -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(v.serverVersion.gitVersion, v.serverVersion.platform)})')"

# --- CRUD on a VirtualService ------------------------------------------------
ka create -f - <<'EOF' >/dev/null && ok "create VirtualService" || bad "create VirtualService"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: smoke
spec:
  hosts: [smoke]
  http:
    - route:
        - destination: {host: smoke, subset: a}
          weight: 70
        - destination: {host: smoke, subset: b}
          weight: 30
EOF
[[ "$(ka get vs smoke -o jsonpath='{.spec.http[0].route[1].weight}')" == 30 ]] && ok "get VirtualService" || bad "get VirtualService"
ka patch vs smoke --type=json -p '[{"op":"replace","path":"/spec/http/0/route/0/weight","value":50},{"op":"replace","path":"/spec/http/0/route/1/weight","value":50}]' >/dev/null
[[ "$(ka get vs smoke -o jsonpath='{.spec.http[0].route[*].weight}')" == "50 50" ]] && ok "patch VirtualService weights" || bad "patch VirtualService"
ka delete vs smoke >/dev/null && ! ka get vs smoke >/dev/null 2>&1 && ok "delete VirtualService" || bad "delete VirtualService"

# --- Istio's schema is enforced by the apiserver --------------------------------
# --validate=false: make sure it is the server, not kubectl, that says no.
if out="$(ka create --validate=false -f - 2>&1 <<'EOF'
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad-weight
spec:
  hosts: [bad]
  http:
    - route:
        - destination: {host: bad}
          weight: "90"
EOF
)"; then bad "string weight was accepted"; else
  grep -q 'spec.http\[0\].route\[0\].weight' <<<"$out" && ok "string weight rejected by the apiserver: $(tr '\n' ' ' <<<"$out" | cut -c1-220)" || bad "unexpected error: $out"
fi

# --- JSON patch `test` on resourceVersion (optimistic concurrency) ---------------
rv="$(ka get vs reviews -o jsonpath='{.metadata.resourceVersion}')"
if out="$(ka patch vs reviews --type=json -p '[{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"replace","path":"/spec/http/0/route/0/weight","value":50}]' 2>&1)"; then
  bad "stale test op accepted"
else
  ok "JSON patch with failing test op rejected (kubectl): ${out:0:120}"
fi
# The same request over plain HTTPS, to show the status code and reason the server returns.
code="$(curl -sS -o "$state/patch.json" -w '%{http_code}' --cacert "$(json caFile)" -H "Authorization: Bearer $(json tokens.admin)" \
  -X PATCH -H 'Content-Type: application/json-patch+json' \
  --data '[{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"replace","path":"/spec/http/0/route/0/weight","value":50}]' \
  "$(json apiserverUrl)/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews")"
[[ "$code" == 422 ]] && ok "raw JSON patch with failing test op -> HTTP $code: $(node -p 'require(process.argv[1]).message' "$state/patch.json")" || bad "raw test-op patch got HTTP $code"

ka patch vs reviews --type=json -p "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"$rv\"},{\"op\":\"replace\",\"path\":\"/spec/http/0/route/0/weight\",\"value\":80},{\"op\":\"replace\",\"path\":\"/spec/http/0/route/1/weight\",\"value\":20}]" >/dev/null &&
  ok "JSON patch with matching test op applied" || bad "JSON patch with matching test op"

# --- RBAC ------------------------------------------------------------------------
if out="$(kp delete vs reviews 2>&1)"; then bad "plugin identity could delete a VirtualService"; else
  grep -q Forbidden <<<"$out" && ok "plugin delete VS -> 403: ${out:0:140}" || bad "unexpected: $out"
fi
kp patch vs reviews --type=merge -p '{"spec":{"http":[{"name":"primary","route":[{"destination":{"host":"reviews","subset":"v1"},"weight":90},{"destination":{"host":"reviews","subset":"v2"},"weight":10}]}]}}' >/dev/null &&
  ok "plugin can patch VS weights" || bad "plugin patch VS"
kp patch deploy reviews-v2 --subresource=scale --type=merge -p '{"spec":{"replicas":2}}' >/dev/null &&
  ok "plugin can patch deployments/scale" || bad "plugin patch scale"
for check in "kp get deploy,rs,svc,pods,vs,dr,rollouts,canaries,hpa" ; do
  $check >/dev/null && ok "plugin can list its kinds" || bad "plugin list"
done
for denied in "kp get secrets" "kp patch deploy reviews-v2 --type=merge -p {\"spec\":{\"paused\":true}}" "kp delete pod --all" "kr patch vs reviews --type=merge -p {\"metadata\":{\"labels\":{\"x\":\"y\"}}}" "kp get httproutes"; do
  if out="$($denied 2>&1)"; then bad "allowed: $denied"; else grep -q Forbidden <<<"$out" && ok "forbidden: ${denied#k? }" || bad "unexpected for $denied: $out"; fi
done
kr get vs,dr,deploy >/dev/null && ok "readonly identity can read" || bad "readonly read"

# --- seed content ---------------------------------------------------------------
[[ "$(ka get vs -o name | wc -l)" -ge 9 ]] && ok "seed: $(ka get vs -o name | wc -l) VirtualServices" || bad "seed VS count"
[[ "$(ka get deploy reviews-v1 -o jsonpath='{.status.readyReplicas}/{.status.observedGeneration}')" == "2/1" ]] && ok "seed: Deployment status written" || bad "seed status"
[[ "$(ka get pods -l app=reviews --no-headers | grep -c Running)" -ge 3 ]] && ok "seed: Running pods" || bad "seed pods"
[[ "$(ka get rollout storefront -o jsonpath='{.status.phase}')" == Paused ]] && ok "seed: Rollout status" || bad "seed rollout"
[[ "$(ka get canary podinfo -o jsonpath='{.status.canaryWeight}')" == 10 ]] && ok "seed: Canary status" || bad "seed canary"
sel="$(ka get svc storefront-canary -o jsonpath='{.spec.selector.app}/{.spec.selector.rollouts-pod-template-hash}')"
[[ "$sel" == storefront/?* ]] && ok "seed: Argo canary Service selector $sel" || bad "seed selector: $sel"
before="$(ka get vs,dr,svc,deploy,rs,pods -o name | sort | md5sum)"
node "$cluster_js" seed --state-dir "$state" 2>/dev/null && after="$(ka get vs,dr,svc,deploy,rs,pods -o name | sort | md5sum)" &&
  [[ "$before" == "$after" ]] && ok "re-seed is idempotent (same object set)" || bad "re-seed"

# --- clean stop on SIGTERM ------------------------------------------------------------
pids=("$(json pids.apiserver)" "$(json pids.etcd)" "$(json pids.watchdog)")
kill -TERM "$start_pid"; wait "$start_pid" || true
sleep 0.5
no_orphans "${pids[@]}" && ok "SIGTERM: no orphan processes (pgrep)" || bad "orphans after SIGTERM: $(ps -o pid,cmd -p "${pids[*]}" || true)"

# --- warm start, then stop --state-dir from another process -----------------------------------
start "warm start"
pids=("$(json pids.apiserver)" "$(json pids.etcd)" "$(json pids.watchdog)")
node "$cluster_js" stop --state-dir "$state" 2>/dev/null
wait "$start_pid" || true
no_orphans "${pids[@]}" && ok "stop --state-dir: no orphan processes" || bad "orphans after stop"

# --- parent SIGKILLed: the watchdog must clean up ----------------------------------------------
start "warm start"
pids=("$(json pids.apiserver)" "$(json pids.etcd)" "$(json pids.watchdog)")
kill -KILL "$start_pid"; wait "$start_pid" 2>/dev/null || true
for _ in $(seq 1 150); do no_orphans "${pids[@]}" && break; sleep 0.1; done
no_orphans "${pids[@]}" && ok "parent SIGKILL: watchdog reaped apiserver+etcd" || bad "orphans after SIGKILL"
start_pid=""

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
