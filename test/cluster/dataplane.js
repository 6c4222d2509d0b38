/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * The data plane of a `startCluster({ dataplane: true })` cluster (see
 * README.md "Data plane"):
 *
 *   - a pod network: one /24 of 198.18.0.0/15 per cluster, which the kernel
 *     treats as local (`ip route replace local 198.18.0.0/15 dev lo`); kwok
 *     hands its pods IPs from it, so the EndpointSlices the real
 *     kube-controller-manager publishes carry addresses this host can serve;
 *   - istiod (pilot-discovery) watching the cluster, with plaintext xDS on a
 *     free loopback port, and a gRPC xDS bootstrap file for clients;
 *   - the pod agent: for each Running pod with an IP of that /24, one
 *     `pod-server` process (test/dataplane) listening on the pod's IP and
 *     container ports, standing in for the pod's containers;
 *   - Prometheus (Debian's /usr/bin/prometheus) scraping every pod-server's
 *     Istio-standard metrics and istiod's own;
 *   - `traffic` load generators (gRPC proxyless xDS clients) on request.
 *
 * Plain CommonJS with Node built-ins only, like cluster.js, which owns the
 * process bookkeeping (watchdog, stop order) and passes its helpers in.
 */
'use strict';

const fs = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

// Every /24 of this /15 is one cluster's pod network. 198.18.0.0/15 is
// reserved for benchmarking (RFC 2544), so it never collides with a real
// network this host talks to.
const POD_SUPERNET = '198.18.0.0/15';
const POD_NETWORKS = 512; // /24s in the /15
const METRICS_PORT = 15020; // where Istio's agent serves merged metrics
const ISTIO_NAMESPACE = 'istio-system';
// What istiod believes about itself; the xDS node metadata repeats the
// release this master build is closest to (see docs/dataplane-plan.md).
const CLIENT_ISTIO_VERSION = '1.31.0';
const DEFAULT_MIX = 'jason:10,cookie:5,anonymous:85';

const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// pod network

/** The /24 with index `i` (0..511) of 198.18.0.0/15. */
function podNetwork(i) {
  const prefix = `198.${18 + (i >> 8)}.${i & 255}`;
  return {
    index: i,
    cidr: `${prefix}.0/24`,
    // kwok's --cidr: its pool hands out the addresses after this one, so
    // .1 itself never belongs to a pod (it names the xDS client's node).
    kwokCidr: `${prefix}.1/24`,
    gateway: `${prefix}.1`,
    contains: ip =>
      typeof ip === 'string' &&
      ip.startsWith(`${prefix}.`) &&
      /^\d+$/.test(ip.slice(prefix.length + 1)),
  };
}

function processStartTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // field 22, starttime
  } catch {
    return undefined;
  }
}

function sameProcessAlive(pid, start) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const now = processStartTime(pid);
  // Without /proc we cannot tell pid reuse apart; trust the pid.
  return now === undefined || start === undefined || now === start;
}

/**
 * Reserve a free /24 for this cluster: a lock file per index under
 * os.tmpdir() holding the owner's and its watchdog's pid. A lock is stale
 * only when both are gone (until the watchdog has reaped the pod-servers,
 * the addresses are still in use). Taking over a stale lock goes through a
 * second exclusive file, so two starters never both take the same one.
 */
function reservePodNetwork(watchdogPid) {
  const dir = path.join(os.tmpdir(), 'istio-rollouts-podnet');
  fs.mkdirSync(dir, { recursive: true });
  const mine = JSON.stringify({
    pid: process.pid,
    start: processStartTime(process.pid),
    watchdogPid,
    watchdogStart: processStartTime(watchdogPid),
  });
  const create = file => {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return true;
    } catch (err) {
      if (err.code === 'EEXIST') return false;
      throw err;
    }
  };
  const holderAlive = text => {
    let h;
    try {
      h = JSON.parse(text);
    } catch {
      // Empty or half-written: its creator is writing it right now.
      return true;
    }
    return (
      sameProcessAlive(h.pid, h.start) ||
      sameProcessAlive(h.watchdogPid, h.watchdogStart)
    );
  };
  // Index 0 is skipped: 198.18.0.0/24 is the first range a person trying
  // things by hand would pick.
  for (let i = 1; i < POD_NETWORKS; i++) {
    const file = path.join(dir, `${i}.lock`);
    let claimed = create(file);
    if (!claimed) {
      let text;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // released just now; the next index is as good
      }
      if (holderAlive(text)) continue;
      const takeover = `${file}.takeover`;
      try {
        // A takeover file left by a starter that died mid-takeover.
        if (Date.now() - fs.statSync(takeover).mtimeMs > 30000)
          fs.rmSync(takeover, { force: true });
      } catch {
        /* none */
      }
      if (!create(takeover)) continue;
      try {
        let again;
        try {
          again = fs.readFileSync(file, 'utf8');
        } catch {
          again = undefined;
        }
        if (again === text) fs.rmSync(file, { force: true });
        claimed = again === text || again === undefined ? create(file) : false;
      } finally {
        fs.rmSync(takeover, { force: true });
      }
    }
    if (claimed) {
      return {
        ...podNetwork(i),
        lockFile: file,
        release() {
          try {
            if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    }
  }
  throw new Error(
    `no free /24 left in ${POD_SUPERNET} (lock files in ${dir}): stop some clusters`,
  );
}

/**
 * Make every address of 198.18.0.0/15 local to this host (like 127.0.0.0/8),
 * then check that one of them can really be bound.
 */
async function ensureLocalRoute(run, network) {
  let present = false;
  try {
    const { stdout } = await run('ip', [
      'route',
      'show',
      'table',
      'local',
      POD_SUPERNET,
    ]);
    present = /^local 198\.18\.0\.0\/15 dev lo\b/m.test(stdout);
  } catch {
    /* no `ip` or no permission to read: try to add it below */
  }
  if (!present) {
    try {
      await run('ip', ['route', 'replace', 'local', POD_SUPERNET, 'dev', 'lo']);
    } catch (err) {
      throw new Error(
        `the data plane needs the pod network ${POD_SUPERNET} routed to this host ` +
          `(\`ip route replace local ${POD_SUPERNET} dev lo\`, which needs root or ` +
          `CAP_NET_ADMIN); it failed: ${(err.stderr || err.message).trim()}`,
      );
    }
  }
  await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', err =>
      reject(
        new Error(
          `cannot listen on ${network.gateway} although ${POD_SUPERNET} should be local: ${err.message}`,
        ),
      ),
    );
    s.listen(0, network.gateway, () => s.close(resolve));
  });
}

// ---------------------------------------------------------------------------
// the apiserver watch the pod agent runs on

/**
 * List + watch all pods; calls onEvent(type, pod) for each (the list as
 * ADDED events after a SYNC marker) until stop() is called.
 */
function watchPods({ apiserverUrl, token, ca, log, onEvent, onSynced }) {
  let stopped = false;
  let req;
  let resourceVersion;
  const get = url =>
    new Promise((resolve, reject) => {
      const r = https.get(
        url,
        {
          ca,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
          },
          agent: false,
        },
        resolve,
      );
      req = r;
      r.on('error', reject);
    });
  const readAll = res =>
    new Promise((resolve, reject) => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });

  async function list() {
    const res = await get(`${apiserverUrl}/api/v1/pods`);
    const text = await readAll(res);
    if (res.statusCode !== 200)
      throw new Error(
        `list pods: HTTP ${res.statusCode} ${text.slice(0, 200)}`,
      );
    const body = JSON.parse(text);
    resourceVersion = body.metadata.resourceVersion;
    onEvent('SYNC', body.items);
  }

  // Resolves when the stream ends; rejects with .gone on 410 (relist).
  async function watchOnce() {
    const res = await get(
      `${apiserverUrl}/api/v1/pods?watch=true&allowWatchBookmarks=true` +
        `&timeoutSeconds=300&resourceVersion=${resourceVersion}`,
    );
    if (res.statusCode !== 200) {
      const text = await readAll(res);
      const err = new Error(
        `watch pods: HTTP ${res.statusCode} ${text.slice(0, 200)}`,
      );
      err.gone = res.statusCode === 410;
      throw err;
    }
    await new Promise((resolve, reject) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', d => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          let ev;
          try {
            ev = JSON.parse(line);
          } catch (e) {
            reject(e);
            return;
          }
          if (ev.type === 'ERROR') {
            const err = new Error(`watch pods: ${ev.object?.message}`);
            err.gone = ev.object?.code === 410;
            reject(err);
            res.destroy();
            return;
          }
          if (ev.object?.metadata?.resourceVersion)
            resourceVersion = ev.object.metadata.resourceVersion;
          if (ev.type !== 'BOOKMARK') onEvent(ev.type, ev.object);
        }
      });
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', reject);
    });
  }

  const done = (async () => {
    let needList = true;
    let synced = false;
    while (!stopped) {
      try {
        if (needList) {
          await list();
          needList = false;
          if (!synced) {
            synced = true;
            onSynced();
          }
        }
        await watchOnce();
      } catch (err) {
        if (stopped) break;
        if (err.gone) {
          needList = true;
        } else {
          log(`pod agent: ${err.message}; watching again in 1s`);
          needList = true;
          await sleep(1000);
        }
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      req?.destroy();
      return done;
    },
  };
}

// ---------------------------------------------------------------------------
// the pod agent

/** What the pod agent needs to know of a pod to serve it, or why it does not. */
function podPlan(pod, network) {
  const ip = pod.status?.podIP;
  if (pod.metadata.deletionTimestamp) return { skip: 'terminating' };
  if (pod.status?.phase !== 'Running') return { skip: 'not running' };
  if (!network.contains(ip)) return { skip: `IP ${ip} not in ${network.cidr}` };
  const ports = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      const proto = p.protocol ?? 'TCP';
      if (
        proto === 'TCP' &&
        p.containerPort !== METRICS_PORT &&
        !ports.includes(p.containerPort)
      )
        ports.push(p.containerPort);
    }
  }
  if (ports.length === 0) return { skip: 'no TCP container ports' };
  const labels = pod.metadata.labels ?? {};
  return {
    ip,
    ports,
    version: labels.version || 'unknown',
    app: labels.app || labels['app.kubernetes.io/name'] || '',
  };
}

/**
 * Runs one pod-server per served pod. `spawnTracked` (from cluster.js)
 * starts a detached child that the watchdog and stop() know about.
 */
function createPodAgent({
  network,
  apiserverUrl,
  token,
  ca,
  request,
  terminate,
  tail,
  log,
  podServerBin,
  podsDir,
  spawnTracked,
  onTargetsChanged,
}) {
  fs.mkdirSync(podsDir, { recursive: true });
  const pods = new Map(); // ns/name -> pod object (latest seen)
  const servers = new Map(); // ns/name -> { pod uid, ip, ports, child, ... }
  const chains = new Map(); // ns/name -> promise (one reconcile at a time per pod)
  const workloads = new Map(); // ns/ReplicaSet name -> Deployment/Rollout name
  const skipped = new Map(); // ns/name -> reason last logged
  let stopping = false;

  async function workloadOf(pod) {
    const owner = (pod.metadata.ownerReferences ?? []).find(o => o.controller);
    if (!owner) return pod.metadata.name;
    if (owner.kind !== 'ReplicaSet') return owner.name;
    const key = `${pod.metadata.namespace}/${owner.name}`;
    if (!workloads.has(key)) {
      const r = await request(
        `${apiserverUrl}/apis/apps/v1/namespaces/${pod.metadata.namespace}/replicasets/${owner.name}`,
        { token, ca },
      );
      if (r.status !== 200) return owner.name; // a bare ReplicaSet
      const rsOwner = (r.json.metadata.ownerReferences ?? []).find(
        o => o.controller,
      );
      workloads.set(key, rsOwner ? rsOwner.name : owner.name);
    }
    return workloads.get(key);
  }

  async function stopServer(key) {
    const s = servers.get(key);
    if (!s) return;
    servers.delete(key);
    s.stopped = true;
    clearTimeout(s.restartTimer);
    onTargetsChanged();
    if (s.child) await terminate(s.child.pid, 5000);
  }

  function startServer(key, pod, plan, workload, restarts = 0) {
    const { namespace, name } = pod.metadata;
    const logFile = path.join(podsDir, `${namespace}_${name}.log`);
    const args = [
      '-grpc-addr',
      plan.ports.map(p => `${plan.ip}:${p}`).join(','),
      '-metrics-addr',
      `${plan.ip}:${METRICS_PORT}`,
      '-pod',
      name,
      '-namespace',
      namespace,
      '-workload',
      workload,
      '-app',
      plan.app,
      '-version',
      plan.version,
    ];
    const child = spawnTracked('pod-server', podServerBin, args, {
      logFile,
      append: true,
    });
    const s = {
      uid: pod.metadata.uid,
      namespace,
      name,
      ip: plan.ip,
      ports: plan.ports,
      version: plan.version,
      app: plan.app,
      workload,
      child,
      logFile,
      metricsUrl: `http://${plan.ip}:${METRICS_PORT}`,
      restarts,
    };
    servers.set(key, s);
    child.on('exit', (code, signal) => {
      if (s.stopped || stopping) return;
      // Like a container that crashed: say why, restart with a back-off.
      const delay = Math.min(30000, 1000 * 2 ** Math.min(restarts, 5));
      log(
        `pod-server for ${key} (${plan.ip}) exited (code ${code}, signal ${signal}); ` +
          `restarting in ${delay / 1000}s; ${logFile}:\n${tail(logFile, 10)}`,
      );
      s.child = undefined;
      s.restartTimer = setTimeout(() => {
        if (s.stopped || stopping || servers.get(key) !== s) return;
        servers.delete(key);
        const cur = pods.get(key);
        const p = cur && podPlan(cur, network);
        if (cur && !p.skip) startServer(key, cur, p, workload, restarts + 1);
      }, delay);
      s.restartTimer.unref();
    });
    onTargetsChanged();
  }

  async function reconcile(key) {
    if (stopping) return;
    const pod = pods.get(key);
    const plan = pod ? podPlan(pod, network) : { skip: 'deleted' };
    const cur = servers.get(key);
    if (plan.skip) {
      if (
        pod &&
        plan.skip.startsWith('IP ') &&
        skipped.get(key) !== plan.skip
      ) {
        skipped.set(key, plan.skip);
        log(`pod agent: not serving ${key}: ${plan.skip}`);
      }
      await stopServer(key);
      return;
    }
    skipped.delete(key);
    const same =
      cur &&
      cur.uid === pod.metadata.uid &&
      cur.ip === plan.ip &&
      cur.version === plan.version &&
      cur.app === plan.app &&
      cur.ports.join() === plan.ports.join();
    if (same) return;
    await stopServer(key);
    let workload;
    try {
      workload = await workloadOf(pod);
    } catch (err) {
      log(`pod agent: owner of ${key}: ${err.message}`);
      workload = pod.metadata.name;
    }
    if (stopping || pods.get(key)?.metadata.uid !== pod.metadata.uid) return;
    startServer(key, pod, plan, workload);
  }

  function schedule(key) {
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => reconcile(key))
      .catch(err => log(`pod agent: ${key}: ${err.stack || err.message}`));
    chains.set(key, next);
    next.then(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
  }

  let markSynced;
  const synced = new Promise(r => {
    markSynced = r;
  });
  const watch = watchPods({
    apiserverUrl,
    token,
    ca,
    log,
    onSynced: () => markSynced(),
    onEvent(type, obj) {
      if (type === 'SYNC') {
        const seen = new Set();
        for (const pod of obj) {
          const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
          seen.add(key);
          pods.set(key, pod);
          schedule(key);
        }
        for (const key of [...pods.keys()]) {
          if (!seen.has(key)) {
            pods.delete(key);
            schedule(key);
          }
        }
        return;
      }
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (type === 'DELETED') pods.delete(key);
      else pods.set(key, obj);
      schedule(key);
    },
  });

  const info = s => ({
    namespace: s.namespace,
    name: s.name,
    ip: s.ip,
    ports: s.ports,
    version: s.version,
    app: s.app,
    workload: s.workload,
    metricsUrl: s.metricsUrl,
    logFile: s.logFile,
    pid: s.child?.pid,
  });

  return {
    synced,
    /** Pod-servers running now. */
    served: () => [...servers.values()].filter(s => s.child).map(info),
    pids: () =>
      [...servers.values()].filter(s => s.child).map(s => s.child.pid),
    /** Resolves with the pod's server once it answers /healthz. */
    async waitForPod(namespace, name, { timeoutMs = 30000 } = {}) {
      const key = `${namespace}/${name}`;
      const deadline = Date.now() + timeoutMs;
      let last = 'not served yet';
      while (Date.now() < deadline) {
        const s = servers.get(key);
        if (s?.child) {
          try {
            const r = await request(`${s.metricsUrl}/healthz`, {
              timeoutMs: 1000,
            });
            if (r.status === 200) return info(s);
            last = `healthz HTTP ${r.status}`;
          } catch (err) {
            last = err.message;
          }
        } else {
          const pod = pods.get(key);
          last = pod ? podPlan(pod, network).skip || 'starting' : 'no such pod';
        }
        await sleep(100);
      }
      throw new Error(`pod ${key} not served within ${timeoutMs} ms: ${last}`);
    },
    async setFault(namespace, name, { errorRate = 0, delayMs = 0 } = {}) {
      const s = servers.get(`${namespace}/${name}`);
      if (!s?.child) throw new Error(`pod ${namespace}/${name} is not served`);
      const q = `error-rate=${encodeURIComponent(
        errorRate,
      )}&delay-ms=${encodeURIComponent(delayMs)}`;
      const r = await request(`${s.metricsUrl}/fault?${q}`, { method: 'POST' });
      if (r.status !== 200)
        throw new Error(
          `POST ${s.metricsUrl}/fault?${q}: HTTP ${r.status} ${r.text}`,
        );
      return r.json ?? r.text;
    },
    async stop() {
      stopping = true;
      await watch.stop();
      await Promise.allSettled([...chains.values()]);
      await Promise.all([...servers.keys()].map(stopServer));
    },
  };
}

// ---------------------------------------------------------------------------
// istiod, bootstrap, Prometheus, traffic

function xdsBootstrap({ xdsAddress, network, namespace = 'demo' }) {
  return {
    xds_servers: [
      {
        server_uri: xdsAddress,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: {
      // sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>, the form
      // Istio's agent writes. The IP is the pod network's .1, which no pod
      // has: the client is no endpoint of any Service.
      id: `sidecar~${network.gateway}~traffic-generator.${namespace}~${namespace}.svc.cluster.local`,
      metadata: {
        // model.IsProxylessGrpc: istiod answers with its grpc generator.
        GENERATOR: 'grpc',
        NAMESPACE: namespace,
        CLUSTER_ID: 'Kubernetes',
        ISTIO_VERSION: CLIENT_ISTIO_VERSION,
      },
      locality: {},
    },
    server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s',
  };
}

function prometheusConfig({ targetsFile, istiodMonitoring }) {
  // JSON is YAML. 1 s scrapes so that a promote shows in queries within
  // seconds (a rate() needs two samples in its window).
  return {
    global: {
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
    },
    scrape_configs: [
      {
        job_name: 'pods',
        metrics_path: '/stats/prometheus',
        file_sd_configs: [{ files: [targetsFile], refresh_interval: '5s' }],
      },
      {
        job_name: 'istiod',
        static_configs: [
          {
            targets: [istiodMonitoring],
            labels: { namespace: ISTIO_NAMESPACE },
          },
        ],
      },
    ],
  };
}

/**
 * Starts the data plane of a cluster whose apiserver, CRDs and controllers
 * are up. `ctx` comes from cluster.js.
 */
async function startDataplane(ctx) {
  const {
    bin,
    network,
    stateDir,
    apiserverUrl,
    kubeconfig,
    token,
    ca,
    freePorts,
    request,
    waitFor,
    terminate,
    tail,
    log,
    spawnLogged,
    spawnTracked,
    prometheusPort: promPort,
  } = ctx;
  const t0 = Date.now();
  const readyAfter = {};
  const dpDir = path.join(stateDir, 'dataplane');
  fs.mkdirSync(dpDir, { recursive: true });
  const [istiodHttp, istiodGrpc, istiodMonitoring] = await freePorts(3);

  // -- Prometheus (needs nothing of the cluster; starts first).
  const promDir = path.join(dpDir, 'prometheus');
  const promData = path.join(promDir, 'data');
  fs.rmSync(promData, { recursive: true, force: true });
  fs.mkdirSync(promData, { recursive: true });
  const targetsFile = path.join(promDir, 'pods.json');
  fs.writeFileSync(targetsFile, '[]\n');
  const promConfig = path.join(promDir, 'prometheus.yml');
  fs.writeFileSync(
    promConfig,
    `${JSON.stringify(
      prometheusConfig({
        targetsFile,
        istiodMonitoring: `127.0.0.1:${istiodMonitoring}`,
      }),
      null,
      2,
    )}\n`,
  );
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const prometheus = spawnLogged(
    'prometheus',
    bin.prometheus,
    [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${promData}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    false,
    'prometheus',
  );
  const promReady = waitFor(
    `Prometheus ${prometheusUrl}/-/ready`,
    async () =>
      (await request(`${prometheusUrl}/-/ready`, { timeoutMs: 2000 }))
        .status === 200,
    60000,
    prometheus,
  ).then(() => {
    readyAfter.prometheus = Date.now() - t0;
  });

  // -- istiod.
  const ns = await request(`${apiserverUrl}/api/v1/namespaces`, {
    method: 'POST',
    token,
    ca,
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ISTIO_NAMESPACE },
    },
  });
  if (ns.status !== 201 && ns.status !== 409)
    throw new Error(
      `creating namespace ${ISTIO_NAMESPACE}: HTTP ${ns.status} ${ns.text}`,
    );
  const istiodUrl = `http://127.0.0.1:${istiodHttp}`;
  const istiod = spawnLogged(
    'istiod',
    bin.istiod,
    [
      'discovery',
      '--kubeconfig',
      kubeconfig,
      '--httpAddr',
      `127.0.0.1:${istiodHttp}`,
      '--grpcAddr',
      `127.0.0.1:${istiodGrpc}`,
      // No mTLS: no certificates, and the clients use the plaintext port.
      '--secureGRPCAddr',
      '',
      // The webhook server defaults to [::]:15017, so two clusters would
      // collide there; empty moves the webhooks onto --httpAddr.
      '--httpsAddr',
      '',
      '--monitoringAddr',
      `127.0.0.1:${istiodMonitoring}`,
      // ControlZ defaults to localhost:9876 (same problem); 0 = any free port.
      '--ctrlz_address',
      '127.0.0.1',
      '--ctrlz_port',
      '0',
      '--domain',
      'cluster.local',
    ],
    false,
    'istiod',
    {
      ...process.env,
      POD_NAMESPACE: ISTIO_NAMESPACE,
      POD_NAME: 'istiod-local',
      REVISION: 'default',
    },
  );
  const istiodReady = waitFor(
    `istiod ${istiodUrl}/ready`,
    async () =>
      (await request(`${istiodUrl}/ready`, { timeoutMs: 2000 })).status === 200,
    60000,
    istiod,
  ).then(() => {
    readyAfter.istiod = Date.now() - t0;
  });

  // -- the pod agent, feeding Prometheus' file_sd targets.
  let targetsTimer;
  // Assigned once, below: writeTargets runs only on the agent's events.
  const agentRef = {};
  const writeTargets = () => {
    clearTimeout(targetsTimer);
    targetsTimer = setTimeout(() => {
      const list = agentRef.current.served().map(s => ({
        targets: [`${s.ip}:${METRICS_PORT}`],
        labels: { namespace: s.namespace, pod: s.name },
      }));
      // Prometheus watches the directory: rename, never a half-written file.
      const tmp = `${targetsFile}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(list, null, 1)}\n`);
      fs.renameSync(tmp, targetsFile);
    }, 50);
  };
  const agent = createPodAgent({
    network,
    apiserverUrl,
    token,
    ca,
    request,
    terminate,
    tail,
    log,
    podServerBin: bin.podServer,
    podsDir: path.join(stateDir, 'pods'),
    spawnTracked,
    onTargetsChanged: writeTargets,
  });
  agentRef.current = agent;
  let agentTimer;
  const agentSynced = Promise.race([
    agent.synced,
    new Promise((_, reject) => {
      agentTimer = setTimeout(
        () =>
          reject(
            new Error('pod agent: no pod list from the apiserver in 30 s'),
          ),
        30000,
      );
    }),
  ]).then(() => {
    clearTimeout(agentTimer);
    readyAfter.podAgent = Date.now() - t0;
  });

  const parts = [promReady, istiodReady, agentSynced];
  // Once one fails, the others' later failures are expected, not unhandled.
  for (const p of parts) p.catch(() => {});
  try {
    await Promise.all(parts);
  } catch (err) {
    // cluster.js stops istiod and Prometheus; the agent is ours to stop.
    await agent.stop();
    clearTimeout(targetsTimer);
    throw err;
  }

  const bootstrapFile = path.join(stateDir, 'xds-bootstrap.json');
  fs.writeFileSync(
    bootstrapFile,
    `${JSON.stringify(
      xdsBootstrap({ xdsAddress: `127.0.0.1:${istiodGrpc}`, network }),
      null,
      2,
    )}\n`,
  );

  const traffics = new Set();
  let trafficCount = 0;
  async function startTraffic({
    targets,
    rate = 20,
    mix,
    headers,
    sourceNamespace,
    timeoutMs = 20000,
  } = {}) {
    if (!targets || targets.length === 0)
      throw new Error('startTraffic: no targets');
    const n = ++trafficCount;
    const logFile = path.join(dpDir, `traffic-${n}.log`);
    const args = [
      '-serve',
      '127.0.0.1:0',
      '-targets',
      targets.join(','),
      '-rate',
      String(rate),
      '-bootstrap',
      bootstrapFile,
      ...(mix ? ['-mix', mix] : []),
      ...(headers
        ? [
            '-header',
            Object.entries(headers)
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          ]
        : []),
      ...(sourceNamespace ? ['-source-namespace', sourceNamespace] : []),
    ];
    const child = spawnTracked('traffic', bin.traffic, args, { logFile });
    // Its first stdout line tells the port it got.
    const url = await waitFor(
      `traffic generator's "listening on" line in ${logFile}`,
      async () => {
        const m = /listening on (127\.0\.0\.1:\d+)/.exec(
          fs.readFileSync(logFile, 'utf8'),
        );
        return m && `http://${m[1]}`;
      },
      timeoutMs,
      child,
    ).catch(async err => {
      await terminate(child.pid, 5000);
      err.message += `\n${tail(logFile)}`;
      throw err;
    });
    const handle = {
      url,
      pid: child.pid,
      logFile,
      targets,
      async stop() {
        traffics.delete(handle);
        await terminate(child.pid, 5000);
      },
    };
    traffics.add(handle);
    return handle;
  }

  const info = {
    podNetwork: network.cidr,
    istiod: {
      xdsAddress: `127.0.0.1:${istiodGrpc}`,
      httpUrl: istiodUrl,
      monitoringUrl: `http://127.0.0.1:${istiodMonitoring}`,
    },
    prometheusUrl,
    bootstrapFile,
    bin: { podServer: bin.podServer, traffic: bin.traffic, istiod: bin.istiod },
  };

  return {
    info,
    readyAfter,
    children: { istiod, prometheus },
    pids: () => [...[...traffics].map(t => t.pid), ...agent.pids()],
    served: () => agent.served(),
    waitForPod: (...a) => agent.waitForPod(...a),
    setFault: (...a) => agent.setFault(...a),
    startTraffic,
    /** Stops traffic generators and pod-servers; cluster.js stops istiod and Prometheus. */
    async stopDynamic() {
      await Promise.all([...traffics].map(t => t.stop()));
      await agent.stop();
      clearTimeout(targetsTimer);
    },
  };
}

/** `xds:///<service>.<namespace>.svc.cluster.local:<port>` */
function xdsTarget(service, port, namespace = 'demo') {
  return `xds:///${service}.${namespace}.svc.cluster.local:${port}`;
}

/** What the demo's traffic generator calls (Services of seed/ with two versions). */
const DEMO_TRAFFIC_TARGETS = [
  xdsTarget('reviews', 9080),
  xdsTarget('ratings', 9080),
  xdsTarget('checkout', 8080),
  xdsTarget('payments', 8080),
];

module.exports = {
  POD_SUPERNET,
  METRICS_PORT,
  DEFAULT_MIX,
  DEMO_TRAFFIC_TARGETS,
  podNetwork,
  reservePodNetwork,
  ensureLocalRoute,
  startDataplane,
  xdsTarget,
  podPlan,
};
