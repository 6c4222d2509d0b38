#!/usr/bin/env node
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
 * A real, local Kubernetes control plane for integration tests and demos:
 * etcd + kube-apiserver built from their Go modules by build.sh, with RBAC,
 * static-token identities, the Istio/Argo Rollouts/Flagger/Gateway API CRDs
 * and the plugin's ClusterRole applied. There are no kubelets, scheduler or
 * controllers: objects are stored and validated for real, but nothing runs
 * them (seed.js writes the statuses a controller would).
 *
 * Plain CommonJS using only Node built-ins so it can run before `yarn install`
 * and from Jest's globalSetup alike.
 *
 * Library:
 *   const { startCluster } = require('./test/cluster/cluster.js');
 *   const c = await startCluster({ stateDir, log, seed: false });
 *   c.apiserverUrl, c.kubeconfigs.{admin,plugin,readonly}, c.tokens.{...},
 *   c.caData (base64 PEM, like kubeconfig certificate-authority-data),
 *   await c.seed(); await c.stop();
 *
 * CLI:
 *   node test/cluster/cluster.js start [--state-dir DIR] [--seed]
 *   node test/cluster/cluster.js stop  [--state-dir DIR]
 *   node test/cluster/cluster.js seed  (--kubeconfig FILE | --state-dir DIR)
 */
'use strict';

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const https = require('node:https');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const HERE = __dirname;
const CLUSTER_NAME = 'istio-rollouts-test';
const DEFAULT_CLI_STATE_DIR = path.join(os.tmpdir(), 'istio-rollouts-cluster');

// Identities handed to kube-apiserver through --token-auth-file. Usernames are
// fixed (RBAC bindings in manifests/harness-bindings.yaml refer to them);
// tokens are random per start.
const IDENTITIES = {
  admin: { user: 'admin', groups: ['system:masters'] },
  plugin: { user: 'istio-rollouts', groups: [] },
  readonly: { user: 'istio-rollouts-readonly', groups: [] },
};

// ---------------------------------------------------------------------------
// small helpers

function defaultLog(msg) {
  process.stderr.write(`[cluster] ${msg}\n`);
}

function readVersions() {
  const out = {};
  for (const line of fs
    .readFileSync(path.join(HERE, 'versions.env'), 'utf8')
    .split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { maxBuffer: 64 * 1024 * 1024, ...opts },
      (err, stdout, stderr) => {
        if (err) {
          err.message = `${path.basename(cmd)} ${args.join(' ')} failed: ${
            stderr || err.message
          }`;
          err.stdout = stdout;
          err.stderr = stderr;
          reject(err);
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Reserve `n` distinct free loopback ports (held open together so they differ). */
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const s = net.createServer();
          s.on('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map(s => s.address().port);
  await Promise.all(servers.map(s => new Promise(r => s.close(r))));
  return ports;
}

function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** True if /proc says `pid` runs a command line containing `needle` (guards against pid reuse). */
function pidRuns(pid, needle) {
  if (!pidAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return true; // no /proc: trust the pid file
  }
}

async function terminate(pid, timeoutMs) {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (pidAlive(pid)) await sleep(20);
  }
}

/** Minimal HTTPS/HTTP JSON client for the apiserver (token auth). */
function request(
  url,
  {
    method = 'GET',
    token,
    ca,
    cert,
    key,
    insecure,
    body,
    contentType,
    timeoutMs = 10000,
  } = {},
) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let data = body;
    if (body !== undefined && typeof body !== 'string') {
      data = JSON.stringify(body);
    }
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        method,
        ca,
        cert,
        key,
        ...(insecure ? { rejectUnauthorized: false } : {}),
        headers: {
          Accept: 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(data !== undefined
            ? {
                'Content-Type': contentType || 'application/json',
                'Content-Length': Buffer.byteLength(data),
              }
            : {}),
        },
        timeout: timeoutMs,
        agent: false,
      },
      res => {
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout ${method} ${url}`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

async function waitFor(what, fn, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${what}: process exited with ${child.exitCode}`);
    try {
      const r = await fn();
      if (r) return r;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(
    `timed out waiting for ${what}${last ? `: ${last.message}` : ''}`,
  );
}

function tail(file, lines = 30) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// build / cache

/** Runs build.sh (a no-op apart from a few greps when everything is cached). */
async function ensureBuilt(log) {
  const versions = readVersions();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(HERE, 'build.sh')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', d => {
      out += d;
    });
    // build.sh reports progress on stderr; forward it line by line.
    let buf = '';
    child.stderr.on('data', d => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        log(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    child.on('error', reject);
    child.on('close', code => {
      if (buf) log(buf);
      if (code !== 0) {
        reject(new Error(`build.sh failed with exit code ${code}`));
        return;
      }
      const dir = out.trim().split('\n').pop();
      resolve({
        versions,
        dir,
        bin: {
          etcd: path.join(dir, 'bin', 'etcd'),
          apiserver: path.join(dir, 'bin', 'kube-apiserver'),
          kubectl: path.join(dir, 'bin', 'kubectl'),
        },
        crdDir: path.join(dir, 'crds'),
      });
    });
  });
}

// ---------------------------------------------------------------------------
// certificates, tokens, kubeconfigs

async function makePki(dir) {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const p = f => path.join(dir, f);
  // A throwaway CA and a serving certificate for 127.0.0.1/localhost, made with
  // the openssl CLI (Node's crypto can make keys but not X.509 certificates).
  // EC P-256 keys: generated in milliseconds, unlike RSA.
  const ec = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
  ];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '30',
    '-subj',
    `/CN=${CLUSTER_NAME}-ca`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('serving.key'),
    '-out',
    p('serving.csr'),
    '-subj',
    '/CN=kube-apiserver',
  ]);
  fs.writeFileSync(
    p('serving.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
    ].join('\n'),
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('serving.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-days',
    '30',
    '-out',
    p('serving.crt'),
    '-extfile',
    p('serving.ext'),
  ]);
  // ServiceAccount token signing key: recent apiservers refuse to start without
  // --service-account-issuer/-key-file/-signing-key-file. Node can make this one.
  // (--service-account-key-file does not read PKCS#8 "PRIVATE KEY" PEMs, so
  // hand it the public half; the signing key is SEC1 "EC PRIVATE KEY".)
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  fs.writeFileSync(p('sa.key'), privateKey, { mode: 0o600 });
  fs.writeFileSync(p('sa.pub'), publicKey);
  return {
    caFile: p('ca.crt'),
    caPem: fs.readFileSync(p('ca.crt'), 'utf8'),
    certFile: p('serving.crt'),
    keyFile: p('serving.key'),
    saKeyFile: p('sa.key'),
    saPubFile: p('sa.pub'),
  };
}

function kubeconfigYaml({
  server,
  caData,
  user,
  token,
  namespace = 'default',
}) {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CLUSTER_NAME}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${user}@${CLUSTER_NAME}`,
    '  context:',
    `    cluster: ${CLUSTER_NAME}`,
    `    user: ${user}`,
    `    namespace: ${namespace}`,
    `current-context: ${user}@${CLUSTER_NAME}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// orphan protection
//
// Children run in their own process groups (detached) so a terminal's Ctrl-C
// reaches only this process, which then stops apiserver before etcd. The cost
// of detaching is that nothing kills them if this process dies hard (SIGKILL,
// OOM). For that we start a tiny watchdog process holding a pipe from us: when
// the pipe closes for any reason, it SIGTERMs/SIGKILLs whatever pids it was
// told about and deletes the temp data.

const WATCHDOG_SOURCE = `
'use strict';
const fs = require('fs');
let state = { pids: [], paths: [] };
let buf = '';
const alive = (pid) => {
  try { process.kill(pid, 0); } catch { return false; }
  try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z'; } catch { return true; }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) { state = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1); }
});
let reaping = false;
async function reap() {
  if (reaping) return;
  reaping = true;
  for (const pid of state.pids) {
    if (!alive(pid)) continue;
    try { process.kill(pid, 'SIGTERM'); } catch {}
    const deadline = Date.now() + 10000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  }
  for (const p of state.paths) { try { fs.rmSync(p, { recursive: true, force: true }); } catch {} }
  process.exit(0);
}
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
`;

function startWatchdog() {
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG_SOURCE, '--', 'istio-rollouts-cluster-watchdog'],
    {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  // Neither the watchdog nor its pipe may keep this process alive.
  child.unref();
  child.stdin.unref();
  return {
    pid: child.pid,
    update(state) {
      if (!child.stdin.destroyed)
        child.stdin.write(`${JSON.stringify(state)}\n`);
    },
    release() {
      // Nothing left to guard: tell it so, then let it exit.
      this.update({ pids: [], paths: [] });
      child.stdin.end();
    },
  };
}

const liveClusters = new Set();
let handlersInstalled = false;

function installProcessHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Normal or error exit (including an uncaught exception): no async work is
  // possible here, so just SIGTERM the children; the watchdog notices our pipe
  // closing and finishes the job (SIGKILL after a timeout, delete temp dirs).
  process.on('exit', () => {
    for (const c of liveClusters) c._killSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = async () => {
      await Promise.allSettled([...liveClusters].map(c => c.stop()));
      // Restore the default behaviour if nobody else handles the signal.
      process.removeListener(sig, handler);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

// ---------------------------------------------------------------------------
// startCluster

/**
 * Start etcd + kube-apiserver, apply RBAC and CRDs, write kubeconfigs.
 * @param {object} [opts]
 * @param {string} [opts.stateDir] directory for certs, kubeconfigs, logs and
 *   cluster.json (created if missing; a fresh temp dir by default, removed on stop)
 * @param {(msg: string) => void} [opts.log] progress logger (default: stderr)
 * @param {boolean} [opts.seed] also apply the demo objects from seed/
 */
async function startCluster(opts = {}) {
  const log = opts.log || defaultLog;
  const t0 = Date.now();
  const built = await ensureBuilt(log);
  // The ports are free when picked but only bound a moment later by etcd and
  // kube-apiserver; if another process grabbed one in between, start again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, log, built, t0);
    } catch (err) {
      if (attempt >= 3 || !err.portInUse) throw err;
      log(`a port was taken while starting (${err.message}); retrying`);
    }
  }
}

async function startOnce(opts, log, built, t0) {
  const tBuilt = Date.now();

  const ownStateDir = !opts.stateDir;
  const stateDir = path.resolve(
    opts.stateDir ||
      fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-cluster-')),
  );
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const clusterJson = path.join(stateDir, 'cluster.json');
  if (fs.existsSync(clusterJson)) {
    const prev = JSON.parse(fs.readFileSync(clusterJson, 'utf8'));
    if (
      pidRuns(prev.pids?.apiserver, 'kube-apiserver') ||
      pidRuns(prev.pids?.etcd, 'etcd')
    ) {
      throw new Error(
        `a cluster is already running from ${stateDir} (${prev.apiserverUrl}); stop it first`,
      );
    }
  }
  // etcd's data is disposable: a fresh temp dir per start, never in stateDir.
  const etcdDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'istio-rollouts-etcd-'),
  );
  const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);

  const watchdog = startWatchdog();
  const tempPaths = ownStateDir ? [etcdDir, stateDir] : [etcdDir];
  const children = {}; // name -> ChildProcess
  const guard = () =>
    watchdog.update({
      // Order matters: apiserver first, so it never runs against a dead etcd.
      pids: [children.apiserver?.pid, children.etcd?.pid].filter(Boolean),
      paths: tempPaths,
    });
  guard();

  let stopping = null;
  const cluster = {
    stateDir,
    _killSync() {
      for (const name of ['apiserver', 'etcd']) {
        const c = children[name];
        if (c && c.exitCode === null && c.signalCode === null) {
          try {
            process.kill(c.pid, 'SIGTERM');
          } catch {
            /* gone */
          }
        }
      }
    },
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        const t = Date.now();
        // A paused apiserver (pauseApiserver) only acts on SIGTERM once continued.
        signalChild(children.apiserver, 'SIGCONT');
        await terminate(children.apiserver?.pid, 15000);
        await terminate(children.etcd?.pid, 10000);
        liveClusters.delete(cluster);
        watchdog.release();
        for (const p of tempPaths)
          fs.rmSync(p, { recursive: true, force: true });
        fs.rmSync(clusterJson, { force: true });
        log(`stopped in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      })();
      return stopping;
    },
  };
  liveClusters.add(cluster);
  installProcessHandlers();

  const spawnLogged = (name, bin, args, append = false) => {
    const logFile = path.join(stateDir, `${name}.log`);
    const fd = fs.openSync(logFile, append ? 'a' : 'w');
    const child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    child.unref();
    child.logFile = logFile;
    child.on('exit', (code, signal) => {
      if (!stopping && !child.expectedExit)
        log(
          `${name} exited unexpectedly (code ${code}, signal ${signal}); see ${logFile}:\n${tail(
            logFile,
          )}`,
        );
    });
    children[name] = child;
    guard();
    return child;
  };

  try {
    // etcd: single member on loopback, no fsync (the data is thrown away).
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = spawnLogged('etcd', built.bin.etcd, [
      '--name=harness',
      `--data-dir=${etcdDir}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=harness=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);

    // Meanwhile: certificates, tokens, kubeconfigs.
    const pki = await makePki(path.join(stateDir, 'pki'));
    const caData = Buffer.from(pki.caPem).toString('base64');
    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    const tokens = {};
    const kubeconfigs = {};
    const tokenLines = [];
    for (const [key, id] of Object.entries(IDENTITIES)) {
      tokens[key] = crypto.randomBytes(24).toString('hex');
      // token,user,uid,"group1,group2"
      tokenLines.push(
        `${tokens[key]},${id.user},${id.user},"${id.groups.join(',')}"`,
      );
      kubeconfigs[key] = path.join(stateDir, `kubeconfig-${key}.yaml`);
      fs.writeFileSync(
        kubeconfigs[key],
        kubeconfigYaml({
          server: apiserverUrl,
          caData,
          user: id.user,
          token: tokens[key],
          namespace: key === 'admin' ? 'default' : 'demo',
        }),
        { mode: 0o600 },
      );
    }
    const tokenFile = path.join(stateDir, 'pki', 'tokens.csv');
    fs.writeFileSync(tokenFile, `${tokenLines.join('\n')}\n`, { mode: 0o600 });

    await waitFor(
      'etcd /health',
      async () => {
        const r = await request(`${etcdUrl}/health`, { timeoutMs: 1000 });
        return r.status === 200 && r.json?.health === 'true';
      },
      20000,
      etcd,
    );
    const tEtcd = Date.now();

    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      // Without it the apiserver looks for a non-loopback interface to advertise.
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(stateDir, 'pki')}`,
      `--tls-cert-file=${pki.certFile}`,
      `--tls-private-key-file=${pki.keyFile}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPubFile}`,
      `--service-account-signing-key-file=${pki.saKeyFile}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // Pods are seeded without ServiceAccounts (no controller creates "default").
      '--disable-admission-plugins=ServiceAccount',
      // The "kubernetes" Service would get 127.0.0.1 endpoints, which are invalid.
      '--endpoint-reconciler-type=none',
      // Priority & fairness bootstrapping only slows startup of a test server.
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ];
    const apiserver = spawnLogged(
      'apiserver',
      built.bin.apiserver,
      apiserverArgs,
    );

    const ca = pki.caPem;
    const apiserverReady = child =>
      waitFor(
        'kube-apiserver /readyz',
        async () => {
          const r = await request(`${apiserverUrl}/readyz`, {
            token: tokens.admin,
            ca,
            timeoutMs: 2000,
          });
          return r.status === 200;
        },
        60000,
        child,
      );
    await apiserverReady(apiserver);
    const tReady = Date.now();

    // RBAC + CRDs in one kubectl invocation (kubectl parses the YAML for us).
    const kubectlArgs = kc => [
      '--kubeconfig',
      kc,
      '--cache-dir',
      path.join(stateDir, 'kubectl-cache'),
    ];
    await run(built.bin.kubectl, [
      ...kubectlArgs(kubeconfigs.admin),
      'apply',
      '--server-side',
      '--field-manager=istio-rollouts-harness',
      '--force-conflicts',
      '-f',
      built.crdDir,
      '-f',
      path.join(HERE, 'manifests'),
    ]);

    // Wait until each CRD is Established *and* served by discovery, so that a
    // kubectl apply right after this does not fail with "no matches for kind".
    const crds = await request(
      `${apiserverUrl}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`,
      { token: tokens.admin, ca },
    );
    for (const crd of crds.json.items) {
      await waitFor(
        `CRD ${crd.metadata.name} Established`,
        async () => {
          const r = await request(
            `${apiserverUrl}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
            { token: tokens.admin, ca },
          );
          return r.json?.status?.conditions?.some(
            c => c.type === 'Established' && c.status === 'True',
          );
        },
        30000,
        apiserver,
      );
      for (const v of crd.spec.versions.filter(x => x.served)) {
        await waitFor(
          `discovery of ${crd.spec.group}/${v.name}`,
          async () => {
            const r = await request(
              `${apiserverUrl}/apis/${crd.spec.group}/${v.name}`,
              { token: tokens.admin, ca },
            );
            return r.json?.resources?.some(
              res => res.name === crd.spec.names.plural,
            );
          },
          30000,
          apiserver,
        );
      }
    }
    const tCrds = Date.now();

    Object.assign(cluster, {
      apiserverUrl,
      kubeconfigs,
      tokens,
      users: Object.fromEntries(
        Object.entries(IDENTITIES).map(([k, v]) => [k, v.user]),
      ),
      caData,
      caPem: pki.caPem,
      caFile: pki.caFile,
      kubectl: built.bin.kubectl,
      binDir: path.dirname(built.bin.kubectl),
      crdDir: built.crdDir,
      versions: built.versions,
      pids: {
        apiserver: apiserver.pid,
        etcd: etcd.pid,
        watchdog: watchdog.pid,
        owner: process.pid,
      },
      logs: { apiserver: apiserver.logFile, etcd: etcd.logFile },
      /**
       * Fault injection (tests with a private cluster only): SIGSTOP the
       * apiserver, so connections hang instead of failing; resume with SIGCONT.
       */
      pauseApiserver: () => signalChild(children.apiserver, 'SIGSTOP'),
      resumeApiserver: () => signalChild(children.apiserver, 'SIGCONT'),
      /**
       * Stop only the apiserver (SIGTERM, or `{ signal: 'SIGKILL' }` for a
       * crash); etcd and its data stay, so restartApiserver() brings the same
       * objects back on the same port.
       */
      async stopApiserver({ signal = 'SIGTERM' } = {}) {
        const child = children.apiserver;
        if (!child || child.exitCode !== null || child.signalCode !== null)
          return;
        child.expectedExit = true;
        const exited = new Promise(r => child.once('exit', r));
        signalChild(child, 'SIGCONT');
        if (signal === 'SIGTERM') await terminate(child.pid, 15000);
        else signalChild(child, signal);
        await exited;
      },
      /** (Re)starts the apiserver with the same flags, port and etcd; waits for /readyz. */
      async restartApiserver() {
        await cluster.stopApiserver();
        const child = spawnLogged(
          'apiserver',
          built.bin.apiserver,
          apiserverArgs,
          /* append */ true,
        );
        cluster.pids.apiserver = child.pid;
        fs.writeFileSync(
          clusterJson,
          `${JSON.stringify(describe(cluster), null, 2)}\n`,
        );
        await apiserverReady(child);
      },
      /** Apply the demo objects in seed/ (idempotent). */
      seed: () =>
        require('./seed.js').seedCluster({
          kubeconfig: kubeconfigs.admin,
          kubectl: built.bin.kubectl,
          log,
        }),
    });
    fs.writeFileSync(
      clusterJson,
      `${JSON.stringify(describe(cluster), null, 2)}\n`,
    );
    const s = (a, b) => ((b - a) / 1000).toFixed(1);
    log(
      `cluster ready at ${apiserverUrl} in ${s(t0, tCrds)}s ` +
        `(build check ${s(t0, tBuilt)}s, etcd ${s(
          tBuilt,
          tEtcd,
        )}s, apiserver ${s(tEtcd, tReady)}s, RBAC+CRDs ${s(tReady, tCrds)}s)`,
    );
    if (opts.seed) {
      const tSeed = Date.now();
      await cluster.seed();
      log(`seeded in ${s(tSeed, Date.now())}s`);
    }
    return cluster;
  } catch (err) {
    for (const c of Object.values(children)) {
      if (/address already in use/.test(tail(c.logFile, 200)))
        err.portInUse = true;
    }
    if (!err.portInUse) {
      for (const c of Object.values(children)) {
        const t = tail(c.logFile);
        if (t) log(`--- last lines of ${name}.log ---\n${t}`);
      }
    }
    await cluster.stop();
    throw err;
  }
}

function signalChild(child, signal) {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** The JSON-serialisable part of a cluster (what cluster.json holds). */
function describe(c) {
  return {
    apiserverUrl: c.apiserverUrl,
    kubeconfigs: c.kubeconfigs,
    tokens: c.tokens,
    users: c.users,
    caData: c.caData,
    caFile: c.caFile,
    stateDir: c.stateDir,
    kubectl: c.kubectl,
    versions: c.versions,
    pids: c.pids,
    logs: c.logs,
    startedByCli: Boolean(c.startedByCli),
  };
}

/** Stop a cluster described by DIR/cluster.json, from another process. */
async function stopStateDir(stateDir, log = defaultLog) {
  const file = path.join(stateDir, 'cluster.json');
  if (!fs.existsSync(file)) {
    log(`no cluster.json in ${stateDir}; nothing to stop`);
    return false;
  }
  const info = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { pids } = info;
  if (info.startedByCli && pidRuns(pids.owner, 'cluster.js')) {
    // Let the foreground `start` process do its orderly shutdown.
    process.kill(pids.owner, 'SIGTERM');
    const deadline = Date.now() + 30000;
    while (pidAlive(pids.owner) && Date.now() < deadline) await sleep(100);
  }
  // Whatever is left (owner was SIGKILLed, or a library user): do it ourselves.
  if (pidRuns(pids.apiserver, 'kube-apiserver'))
    await terminate(pids.apiserver, 15000);
  if (pidRuns(pids.etcd, 'etcd')) await terminate(pids.etcd, 10000);
  fs.rmSync(file, { force: true });
  log(`stopped cluster from ${stateDir}`);
  return true;
}

// ---------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) out[k] = v;
      else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--'))
        out[k] = argv[++i];
      else out[k] = true;
    } else {
      out._.push(a);
    }
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  const stateDir = path.resolve(args['state-dir'] || DEFAULT_CLI_STATE_DIR);
  if (cmd === 'start') {
    const cluster = await startCluster({ stateDir, seed: Boolean(args.seed) });
    cluster.startedByCli = true;
    fs.writeFileSync(
      path.join(stateDir, 'cluster.json'),
      `${JSON.stringify(describe(cluster), null, 2)}\n`,
    );
    process.stdout.write(`${JSON.stringify(describe(cluster), null, 2)}\n`);
    defaultLog(
      `running; stop with Ctrl-C or: node ${path.relative(
        process.cwd(),
        __filename,
      )} stop --state-dir ${stateDir}`,
    );
    // Stay in the foreground; the signal handlers stop the cluster and exit.
    setInterval(() => {}, 1 << 30);
  } else if (cmd === 'stop') {
    await stopStateDir(stateDir);
  } else if (cmd === 'seed') {
    let kubeconfig = args.kubeconfig;
    if (!kubeconfig) {
      const info = JSON.parse(
        fs.readFileSync(path.join(stateDir, 'cluster.json'), 'utf8'),
      );
      kubeconfig = info.kubeconfigs.admin;
    }
    const built = await ensureBuilt(defaultLog);
    await require('./seed.js').seedCluster({
      kubeconfig,
      kubectl: built.bin.kubectl,
      log: defaultLog,
    });
  } else {
    process.stderr.write(
      [
        'usage:',
        '  node test/cluster/cluster.js start [--state-dir DIR] [--seed]',
        '  node test/cluster/cluster.js stop  [--state-dir DIR]',
        '  node test/cluster/cluster.js seed  (--kubeconfig FILE | --state-dir DIR)',
        `DIR defaults to ${DEFAULT_CLI_STATE_DIR}`,
        '',
      ].join('\n'),
    );
    process.exitCode = 2;
  }
}

module.exports = {
  startCluster,
  stopStateDir,
  ensureBuilt,
  request,
  IDENTITIES,
};

if (require.main === module) {
  main().catch(err => {
    defaultLog(err.stack || String(err));
    process.exit(1);
  });
}
