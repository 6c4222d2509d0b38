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
 * and the plugin's ClusterRole applied. By default there are no kubelets,
 * scheduler or controllers: objects are stored and validated for real, but
 * nothing runs them (seed.js writes the statuses a controller would).
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
 * With `controllers: true` (CLI --controllers) it also runs
 * kube-controller-manager, kube-scheduler, kwok (a fake node whose pods
 * "run"), the Argo Rollouts controller and Flagger, and the seed writes only
 * specs (see README.md "Controllers").
 *
 * With `dataplane: true` (CLI --dataplane; implies controllers) it also runs
 * istiod, one pod-server process per pod on the pod's own IP, Prometheus,
 * and on request gRPC proxyless xDS traffic generators (dataplane.js).
 *
 * Every identity (admin, plugin, readonly) has a bearer token and a client
 * certificate (CN = its user, O = its groups; c.clientCerts, signed by
 * c.clientCaFile, which kube-apiserver gets as --client-ca-file).
 * `kubectlProxy: true` (CLI --kubectl-proxy) keeps a `kubectl proxy` as the
 * plugin identity on 127.0.0.1:8001 (c.kubectlProxyUrl); startKubectlProxy()
 * runs one on demand.
 *
 * CLI:
 *   node test/cluster/cluster.js start [--state-dir DIR] [--seed] [--controllers]
 *        [--dataplane [--traffic]] [--kubectl-proxy[=PORT]]
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

const dataplane = require('./dataplane.js');

const HERE = __dirname;
const PLUGIN_MANIFESTS = path.resolve(
  HERE,
  '../../plugins/istio-rollouts-backend/manifests',
);
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

// Controllers, in stop order (the apiserver and etcd follow).
const CONTROLLER_NAMES = [
  'flagger',
  'argoRollouts',
  'kwok',
  'scheduler',
  'controllerManager',
];
// Data-plane servers, stopped before the controllers (pod-servers and
// traffic generators, which come and go, are stopped before these).
const DATAPLANE_NAMES = ['prometheus', 'istiod'];
// What /proc/<pid>/cmdline of each contains (stopStateDir checks it).
const PROCESS_NEEDLES = {
  kubectlProxy: 'kubectl',
  prometheus: 'prometheus',
  istiod: 'pilot-discovery',
  'pod-server': 'pod-server',
  traffic: 'traffic',
  flagger: 'flagger',
  argoRollouts: 'rollouts-controller',
  kwok: 'kwok',
  scheduler: 'kube-scheduler',
  controllerManager: 'kube-controller-manager',
  apiserver: 'kube-apiserver',
  etcd: 'etcd',
};
const KWOK_NODE = 'kwok-node-0';
// Pods with this label run but never become Ready (kwok/pod-unready.yaml).
const KWOK_UNREADY_LABEL = 'kwok.istio-rollouts.io/ready';
const DEFAULT_BACKSTAGE_URL = 'http://localhost:7007';

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
    // A child killed by a signal has signalCode set and exitCode null.
    if (child && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(
        `${what}: process exited with ${child.exitCode ?? child.signalCode}`,
      );
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

/**
 * Runs build.sh (a no-op apart from a few greps when everything is cached).
 * With `{ controllers: true }` it also builds kube-controller-manager,
 * kube-scheduler, kwok, the Argo Rollouts controller and Flagger; with
 * `{ dataplane: true }` also istiod and test/dataplane's programs.
 */
async function ensureBuilt(
  log,
  {
    controllers: withControllers = false,
    dataplane: withDataplane = false,
  } = {},
) {
  const versions = readVersions();
  // The data plane runs on the controllers' cluster.
  const controllers = withControllers || withDataplane;
  let buildFlags = [];
  if (withDataplane) buildFlags = ['--dataplane'];
  else if (controllers) buildFlags = ['--controllers'];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(HERE, 'build.sh'), ...buildFlags], {
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
      const lines = out.trim().split('\n');
      const dir = lines.pop();
      const dataplaneBin = lines
        .find(l => l.startsWith('dataplane-bin '))
        ?.slice('dataplane-bin '.length);
      if (withDataplane && !dataplaneBin) {
        reject(new Error('build.sh --dataplane printed no dataplane-bin line'));
        return;
      }
      // build.sh's layout: <cache>/controllers/<name>-<version>/<binary>.
      const ctl = (name, version, file = name) =>
        path.join(path.dirname(dir), 'controllers', `${name}-${version}`, file);
      const prometheusBin = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus';
      if (withDataplane && !fs.existsSync(prometheusBin)) {
        reject(
          new Error(
            `Prometheus is missing (${prometheusBin}): run 'sudo apt-get install prometheus' ` +
              '(scripts/test and scripts/demo do it when run as root), or set PROMETHEUS_BIN',
          ),
        );
        return;
      }
      resolve({
        versions,
        dir,
        bin: {
          etcd: path.join(dir, 'bin', 'etcd'),
          apiserver: path.join(dir, 'bin', 'kube-apiserver'),
          kubectl: path.join(dir, 'bin', 'kubectl'),
          ...(controllers
            ? {
                controllerManager: ctl(
                  'kube-controller-manager',
                  versions.K8S_VERSION,
                ),
                scheduler: ctl('kube-scheduler', versions.K8S_VERSION),
                kwok: ctl('kwok', versions.KWOK_VERSION),
                argoRollouts: ctl(
                  'argo-rollouts',
                  versions.ARGO_ROLLOUTS_VERSION,
                  'rollouts-controller',
                ),
                flagger: ctl('flagger', versions.FLAGGER_VERSION),
              }
            : {}),
          ...(withDataplane
            ? {
                istiod: path.join(
                  path.dirname(dir),
                  'dataplane',
                  `istiod-${versions.ISTIOD_VERSION}`,
                  'pilot-discovery',
                ),
                podServer: path.join(dataplaneBin, 'pod-server'),
                traffic: path.join(dataplaneBin, 'traffic'),
                // Debian's package (scripts/test and scripts/demo install it).
                prometheus: prometheusBin,
              }
            : {}),
        },
        kwokStagesDir: controllers
          ? ctl('kwok', versions.KWOK_VERSION, 'stages')
          : undefined,
        crdDir: path.join(dir, 'crds'),
      });
    });
  });
}

// ---------------------------------------------------------------------------
// certificates, tokens, kubeconfigs

/**
 * Subject of a client certificate for an identity: the apiserver's x509
 * authenticator takes the username from CN and the groups from O (one O per
 * group), so a certificate carries the same identity as the token.
 */
function clientSubject(id) {
  // Each RDN value: escape the characters openssl's -subj treats specially.
  const esc = v => v.replace(/[\\/+=]/g, c => `\\${c}`);
  return `${id.groups.map(g => `/O=${esc(g)}`).join('')}/CN=${esc(id.user)}`;
}

async function makePki(dir, identities = IDENTITIES) {
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
  const makeCa = (name, cn) =>
    run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.crt`),
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  /** Key + CSR, then the certificate signed by `ca` with extensions `ext`. */
  const issue = async (name, subject, ca, ext, serialArgs) => {
    await run('openssl', [
      'req',
      ...ec,
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.csr`),
      '-subj',
      subject,
    ]);
    fs.writeFileSync(p(`${name}.ext`), ext.join('\n'));
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p(`${ca}.crt`),
      '-CAkey',
      p(`${ca}.key`),
      ...serialArgs,
      '-days',
      '30',
      '-out',
      p(`${name}.crt`),
      '-extfile',
      p(`${name}.ext`),
    ]);
    fs.chmodSync(p(`${name}.key`), 0o600);
  };
  const serving = (async () => {
    await makeCa('ca', `${CLUSTER_NAME}-ca`);
    await issue(
      'serving',
      '/CN=kube-apiserver',
      'ca',
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
      ],
      ['-CAcreateserial'],
    );
  })();
  // Client certificates (kube-apiserver --client-ca-file): a CA of their own,
  // so the serving CA (caData) only ever vouches for the server. One per
  // identity, CN = its username, O = its groups: the RBAC bindings of the
  // token users apply unchanged. Issued side by side, hence random serials
  // rather than one shared serial file.
  const clients = (async () => {
    await makeCa('client-ca', `${CLUSTER_NAME}-client-ca`);
    const out = {};
    await Promise.all(
      Object.entries(identities).map(async ([key, id]) => {
        const name = `client-${key}`;
        await issue(
          name,
          clientSubject(id),
          'client-ca',
          [
            'basicConstraints=critical,CA:FALSE',
            'keyUsage=critical,digitalSignature',
            'extendedKeyUsage=clientAuth',
          ],
          ['-set_serial', `0x${crypto.randomBytes(16).toString('hex')}`],
        );
        out[key] = { certFile: p(`${name}.crt`), keyFile: p(`${name}.key`) };
      }),
    );
    return out;
  })();
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
  const [, clientCertFiles] = await Promise.all([serving, clients]);
  return {
    caFile: p('ca.crt'),
    caPem: fs.readFileSync(p('ca.crt'), 'utf8'),
    certFile: p('serving.crt'),
    keyFile: p('serving.key'),
    saKeyFile: p('sa.key'),
    saPubFile: p('sa.pub'),
    clientCaFile: p('client-ca.crt'),
    /** identity key -> { certFile, keyFile } */
    clientCertFiles,
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
// kubectl proxy

/** Backstage's `localKubectlProxy` cluster locator is fixed to http://localhost:8001. */
const KUBECTL_PROXY_PORT = 8001;

/** Rejects with a clear message when something already listens on `address`:`port`. */
async function assertPortFree(port, address) {
  // 'localhost' may resolve to ::1 as well: something on [::1]:port would
  // answer a client of http://localhost:<port> instead of the proxy.
  const hosts = address === '127.0.0.1' ? [address, '::1'] : [address];
  for (const host of hosts) {
    await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', err => {
        if (err.code === 'EADDRINUSE') {
          const advice =
            port === KUBECTL_PROXY_PORT
              ? "Backstage's localKubectlProxy locator only knows http://localhost:8001, so stop that process first."
              : 'Pick another port or stop that process.';
          const e = new Error(
            `kubectl proxy: port ${port} is already in use on ${host} ` +
              `(another kubectl proxy? \`ss -ltnp 'sport = :${port}'\` shows who). ${advice}`,
          );
          e.code = 'EADDRINUSE';
          reject(e);
        } else if (
          err.code === 'EADDRNOTAVAIL' ||
          err.code === 'EAFNOSUPPORT'
        ) {
          resolve(); // no IPv6 loopback here: nothing can listen on it either
        } else {
          reject(err);
        }
      });
      s.listen({ port, host, exclusive: true }, () => s.close(() => resolve()));
    });
  }
}

/** startCluster's `kubectlProxy` option: undefined (none) or { port, identity }. */
function kubectlProxyOptions(value) {
  if (!value) return undefined;
  const o = typeof value === 'object' ? value : {};
  const out = {
    port: o.port ?? KUBECTL_PROXY_PORT,
    identity: o.identity ?? 'plugin',
  };
  if (!IDENTITIES[out.identity])
    throw new Error(
      `kubectlProxy.identity: ${out.identity} is none of ${Object.keys(
        IDENTITIES,
      ).join(', ')}`,
    );
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535)
    throw new Error(`kubectlProxy.port: ${o.port} is not a port number`);
  return out;
}

const standaloneProxies = new Set();
let proxyExitHandlerInstalled = false;

/**
 * Run `kubectl proxy` against a cluster and wait until it answers GET /api
 * with 200. Resolves with { url, port, pid, logFile, stop() }; stop() sends
 * SIGTERM (SIGKILL after 5 s) and resolves once the process has exited.
 *
 * Without `spawnChild` the proxy is on its own: a watchdog process kills it
 * should this process die without calling stop(). startCluster passes its
 * own spawner, so the cluster's watchdog and stop() cover it instead.
 *
 * @param {object} opts
 * @param {string} opts.kubectl path of the kubectl binary (cluster.kubectl)
 * @param {string} opts.kubeconfig whose identity the proxy uses
 * @param {number} [opts.port] 8001 by default; 0 = any free port
 * @param {string} [opts.address] 127.0.0.1 by default
 * @param {string} [opts.logFile] kubectl's output (standalone: required)
 */
async function startKubectlProxy({
  kubectl,
  kubeconfig,
  port = KUBECTL_PROXY_PORT,
  address = '127.0.0.1',
  logFile,
  timeoutMs = 30000,
  spawnChild,
}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`kubectl proxy: invalid port ${port}`);
  if (port !== 0) await assertPortFree(port, address);
  const args = [
    `--kubeconfig=${kubeconfig}`,
    'proxy',
    `--port=${port}`,
    `--address=${address}`,
  ];
  let child;
  let watchdog;
  if (spawnChild) {
    child = spawnChild(args);
  } else {
    if (!logFile) throw new Error('kubectl proxy: logFile is required');
    const fd = fs.openSync(logFile, 'w');
    child = spawn(kubectl, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    child.unref();
    child.logFile = logFile;
    if (child.pid) {
      watchdog = startWatchdog();
      watchdog.update({ pids: [child.pid], paths: [] });
      standaloneProxies.add(child);
      if (!proxyExitHandlerInstalled) {
        proxyExitHandlerInstalled = true;
        process.on('exit', () => {
          for (const c of standaloneProxies) signalChild(c, 'SIGTERM');
        });
      }
    }
  }
  const exited = new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.on('error', () => {}); // a binary that cannot start: 'exit' follows
  let stopping;
  const stop = () => {
    if (!stopping)
      stopping = (async () => {
        child.expectedExit = true;
        signalChild(child, 'SIGTERM');
        const killTimer = setTimeout(() => signalChild(child, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(killTimer);
        standaloneProxies.delete(child);
        watchdog?.release();
      })();
    return stopping;
  };
  try {
    // kubectl listens, then prints "Starting to serve on 127.0.0.1:<port>"
    // (the chosen port when asked for port 0).
    const boundPort = await waitFor(
      'kubectl proxy to listen',
      async () => {
        const m = /Starting to serve on \S+:(\d+)/.exec(
          fs.readFileSync(child.logFile, 'utf8'),
        );
        return m && Number(m[1]);
      },
      timeoutMs,
      child,
    );
    const url = `http://${
      address.includes(':') ? `[${address}]` : address
    }:${boundPort}`;
    await waitFor(
      `kubectl proxy ${url}/api`,
      async () => {
        const r = await request(`${url}/api`, { timeoutMs: 2000 });
        return r.status === 200 && r.json?.kind === 'APIVersions';
      },
      timeoutMs,
      child,
    );
    return {
      url,
      port: boundPort,
      pid: child.pid,
      logFile: child.logFile,
      stop,
    };
  } catch (err) {
    const out = tail(child.logFile, 10);
    await stop();
    const e = /address already in use/.test(out)
      ? new Error(
          `kubectl proxy: port ${port} on ${address} was taken while it started: ${out}`,
        )
      : new Error(`${err.message}${out ? `\n${out}` : ''}`);
    // A cluster start must not retry for this (see startCluster).
    e.noRetry = true;
    throw e;
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
 * @param {boolean} [opts.controllers] also run kube-controller-manager,
 *   kube-scheduler, kwok (fake nodes), the Argo Rollouts controller and
 *   Flagger; the seed then writes only specs and lets them do the rest
 * @param {string} [opts.backstageUrl] with controllers: the backend URL the
 *   seeded Flagger webhooks call (default http://localhost:7007)
 * @param {boolean} [opts.dataplane] also run istiod, a pod-server per pod
 *   (on the pod's IP), Prometheus; implies controllers (see dataplane.js)
 * @param {boolean | { port?: number, identity?: string }} [opts.kubectlProxy]
 *   also run `kubectl proxy` as `identity` (default 'plugin') on 127.0.0.1:`port`
 *   (default 8001, where Backstage's localKubectlProxy locator looks; 0 = any
 *   free port) for the cluster's lifetime: cluster.kubectlProxyUrl
 */
async function startCluster(opts = {}) {
  const log = opts.log || defaultLog;
  const t0 = Date.now();
  const proxyOpts = kubectlProxyOptions(opts.kubectlProxy);
  // A fixed proxy port that is taken fails the start before anything runs.
  if (proxyOpts && proxyOpts.port !== 0)
    await assertPortFree(proxyOpts.port, '127.0.0.1');
  const built = await ensureBuilt(log, {
    controllers: Boolean(opts.controllers || opts.dataplane),
    dataplane: Boolean(opts.dataplane),
  });
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
  const proxyOpts = kubectlProxyOptions(opts.kubectlProxy);

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
  const withDataplane = Boolean(opts.dataplane);
  const withControllers = Boolean(opts.controllers) || withDataplane;

  const watchdog = startWatchdog();
  const tempPaths = ownStateDir ? [etcdDir, stateDir] : [etcdDir];
  const children = {}; // name -> ChildProcess
  // Children that come and go (pod-servers, traffic generators): stopped
  // first. Their pids are also in a file for stopStateDir.
  const tracked = new Set();
  let network; // the reserved pod network (dataplane.reservePodNetwork)
  const trackedPidsFile = path.join(stateDir, 'dataplane-pids.json');
  // Stop order: data plane, controllers, then apiserver, then etcd (so that
  // nothing ever runs against a dead apiserver or etcd).
  const order = () => [
    'kubectlProxy',
    ...DATAPLANE_NAMES,
    ...CONTROLLER_NAMES,
    'apiserver',
    'etcd',
  ];
  const guard = () =>
    watchdog.update({
      pids: [
        ...[...tracked].map(c => c.pid),
        ...order()
          .map(n => children[n]?.pid)
          .filter(Boolean),
      ],
      // The pod network's lock too: only the watchdog deletes it by path
      // (once it has reaped everything); stop() releases it by content.
      paths: network ? [...tempPaths, network.lockFile] : tempPaths,
    });
  guard();
  // The pod network (a /24 of 198.18.0.0/15) is this cluster's until it
  // stops; the watchdog deletes the lock after reaping, should we die.
  if (withDataplane) {
    network = dataplane.reservePodNetwork(watchdog.pid);
    guard();
  }
  let dp; // the running data plane (dataplane.startDataplane)
  let dpStarting;
  // Picked now: Flagger, which starts before the data plane, is told it.
  const [prometheusPort] = withDataplane ? await freePorts(1) : [];

  let stopping = null;
  const cluster = {
    stateDir,
    _killSync() {
      for (const c of tracked) {
        try {
          process.kill(c.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      for (const name of order()) {
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
        // The proxy first: it is only a client of the apiserver.
        if (children.kubectlProxy) children.kubectlProxy.expectedExit = true;
        await terminate(children.kubectlProxy?.pid, 5000);
        // A data plane still starting (the start failed, or a signal came):
        // stopping istiod and Prometheus makes it fail at once, and a failed
        // start stops its pod agent itself.
        if (!dp && dpStarting)
          await Promise.all(
            DATAPLANE_NAMES.map(n => terminate(children[n]?.pid, 10000)),
          );
        const running = dp || (await dpStarting?.catch(() => undefined));
        if (running) await running.stopDynamic().catch(() => {});
        await Promise.all([...tracked].map(c => terminate(c.pid, 5000)));
        await Promise.all(
          DATAPLANE_NAMES.map(n => terminate(children[n]?.pid, 10000)),
        );
        await Promise.all(
          CONTROLLER_NAMES.map(n => terminate(children[n]?.pid, 10000)),
        );
        // A paused apiserver (pauseApiserver) only acts on SIGTERM once continued.
        signalChild(children.apiserver, 'SIGCONT');
        await terminate(children.apiserver?.pid, 15000);
        await terminate(children.etcd?.pid, 10000);
        liveClusters.delete(cluster);
        watchdog.release();
        network?.release();
        for (const p of tempPaths)
          fs.rmSync(p, { recursive: true, force: true });
        fs.rmSync(clusterJson, { force: true });
        fs.rmSync(trackedPidsFile, { force: true });
        if (withDataplane)
          fs.rmSync(path.join(stateDir, 'dataplane', 'prometheus', 'data'), {
            recursive: true,
            force: true,
          });
        log(`stopped in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      })();
      return stopping;
    },
  };
  liveClusters.add(cluster);
  installProcessHandlers();

  const spawnLogged = (
    name,
    bin,
    args,
    append = false,
    logName = name,
    env = undefined,
  ) => {
    const logFile = path.join(stateDir, `${logName}.log`);
    const fd = fs.openSync(logFile, append ? 'a' : 'w');
    const child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(env ? { env } : {}),
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
  const writeTrackedPids = () => {
    const list = [...tracked].map(c => ({ pid: c.pid, needle: c.needle }));
    fs.writeFileSync(trackedPidsFile, `${JSON.stringify(list)}\n`);
  };
  /** A child that may come and go while the cluster runs (pod-server, traffic). */
  const spawnTracked = (kind, bin, args, { logFile, append = false }) => {
    const fd = fs.openSync(logFile, append ? 'a' : 'w');
    const child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    child.unref();
    child.logFile = logFile;
    child.needle = PROCESS_NEEDLES[kind];
    // A binary that cannot be started at all: 'exit' follows with code -2.
    child.on('error', err => log(`${kind}: ${err.message}`));
    if (child.pid) {
      tracked.add(child);
      guard();
      writeTrackedPids();
    }
    child.on('exit', () => {
      tracked.delete(child);
      guard();
      if (!stopping) writeTrackedPids();
    });
    return child;
  };

  try {
    if (withDataplane) await dataplane.ensureLocalRoute(run, network);
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
    // The same identities as client certificates; *Data as in a kubeconfig's
    // client-certificate-data / client-key-data (base64 of the PEM).
    const clientCerts = Object.fromEntries(
      Object.entries(pki.clientCertFiles).map(([key, files]) => [
        key,
        {
          ...files,
          certData: fs.readFileSync(files.certFile).toString('base64'),
          keyData: fs.readFileSync(files.keyFile).toString('base64'),
        },
      ]),
    );

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
      `--client-ca-file=${pki.clientCaFile}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPubFile}`,
      `--service-account-signing-key-file=${pki.saKeyFile}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // Without controllers, pods are seeded without ServiceAccounts (nothing
      // creates "default"); with them, kube-controller-manager does, and pods
      // are admitted as in any cluster.
      ...(withControllers
        ? []
        : ['--disable-admission-plugins=ServiceAccount']),
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

    // kubectl proxy (opts.kubectlProxy): needs only a ready apiserver, and
    // starts while the CRDs are applied.
    let proxyStarting;
    if (proxyOpts) {
      proxyStarting = startKubectlProxy({
        kubectl: built.bin.kubectl,
        kubeconfig: kubeconfigs[proxyOpts.identity],
        port: proxyOpts.port,
        spawnChild: args =>
          spawnLogged(
            'kubectlProxy',
            built.bin.kubectl,
            args,
            false,
            'kubectl-proxy',
          ),
      });
      proxyStarting.catch(() => {});
    }

    // Controllers: kube-controller-manager, the scheduler and kwok need no
    // CRDs and start now; Argo Rollouts and Flagger once the CRDs are served.
    let crdsServed;
    const crdsReady = new Promise((resolve, reject) => {
      crdsServed = { resolve, reject };
    });
    let controllersStarted;
    let tApplied;
    if (withControllers) {
      controllersStarted = startControllers({
        built,
        stateDir,
        pki,
        kubeconfig: kubeconfigs.admin,
        apiserverUrl,
        token: tokens.admin,
        spawnLogged,
        log,
        crdsReady,
        podCidr: network ? network.kwokCidr : '10.0.0.1/24',
        prometheusPort,
      });
      // Awaited below; never an unhandled rejection if the CRD step fails first.
      controllersStarted.catch(() => {});
    }

    // RBAC + CRDs (kubectl parses the YAML for us).
    const kubectlArgs = kc => [
      '--kubeconfig',
      kc,
      '--cache-dir',
      path.join(stateDir, 'kubectl-cache'),
    ];
    try {
      // One kubectl per file, in parallel: the apiserver handles large CRDs
      // (Argo's are MBs of schema) faster side by side than one after another.
      const files = [
        ...fs
          .readdirSync(built.crdDir)
          .filter(f => f.endsWith('.yaml'))
          .map(f => path.join(built.crdDir, f)),
        path.join(HERE, 'manifests'),
        // The plugin's ClusterRoles, as its package ships them to adopters.
        PLUGIN_MANIFESTS,
      ];
      await Promise.all(
        files.map(f =>
          run(built.bin.kubectl, [
            ...kubectlArgs(kubeconfigs.admin),
            'apply',
            '--server-side',
            '--field-manager=istio-rollouts-harness',
            '--force-conflicts',
            '-f',
            f,
          ]),
        ),
      );
      tApplied = Date.now();
      await waitForCrds({ apiserverUrl, token: tokens.admin, ca, apiserver });
      crdsServed.resolve();
    } catch (err) {
      crdsServed.reject(err);
      throw err;
    }
    const tCrds = Date.now();
    // The data plane needs the CRDs (istiod watches VirtualServices…), not
    // the controllers: it starts beside them.
    if (withDataplane) {
      dpStarting = dataplane.startDataplane({
        bin: built.bin,
        prometheusPort,
        network,
        stateDir,
        apiserverUrl,
        kubeconfig: kubeconfigs.admin,
        token: tokens.admin,
        ca,
        freePorts,
        request,
        waitFor,
        terminate,
        tail,
        log,
        spawnLogged,
        spawnTracked,
      });
      dpStarting.catch(() => {});
    }
    const ctl = await controllersStarted;
    const tControllers = Date.now();
    dp = await dpStarting;
    const tDataplane = Date.now();
    const proxy = await proxyStarting;

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
      /** CA of the client certificates (kube-apiserver --client-ca-file). */
      clientCaFile: pki.clientCaFile,
      /** identity -> { certFile, keyFile, certData, keyData } (CN = user, O = groups). */
      clientCerts,
      kubectl: built.bin.kubectl,
      binDir: path.dirname(built.bin.kubectl),
      crdDir: built.crdDir,
      versions: built.versions,
      pids: {
        apiserver: apiserver.pid,
        etcd: etcd.pid,
        watchdog: watchdog.pid,
        owner: process.pid,
        ...Object.fromEntries(
          ['kubectlProxy', ...CONTROLLER_NAMES, ...DATAPLANE_NAMES]
            .filter(n => children[n])
            .map(n => [n, children[n].pid]),
        ),
      },
      logs: {
        apiserver: apiserver.logFile,
        etcd: etcd.logFile,
        ...Object.fromEntries(
          ['kubectlProxy', ...CONTROLLER_NAMES, ...DATAPLANE_NAMES]
            .filter(n => children[n])
            .map(n => [n, children[n].logFile]),
        ),
      },
      /** True when kube-controller-manager, scheduler, kwok, Argo Rollouts and Flagger run. */
      controllers: withControllers,
      ...(proxy
        ? {
            /** `kubectl proxy` as opts.kubectlProxy.identity, e.g. http://127.0.0.1:8001. */
            kubectlProxyUrl: proxy.url,
            kubectlProxyIdentity: proxyOpts.identity,
          }
        : {}),
      ...(ctl
        ? {
            /** The fake (kwok) node pods are scheduled on. */
            kwokNode: ctl.node,
            /** Secret for the Flagger webhook tokens (istioRollouts.flagger.webhookSecret). */
            flaggerWebhookSecret: crypto.randomBytes(32).toString('base64url'),
            /** Where the seeded Flagger webhooks point (the Backstage backend). */
            backstageUrl: opts.backstageUrl || DEFAULT_BACKSTAGE_URL,
            /** Controllers' own health endpoints (kube-* ones are HTTPS with a self-signed cert). */
            controllerEndpoints: ctl.endpoints,
          }
        : {}),
      /** True when istiod, the pod agent and Prometheus run (dataplane.js). */
      dataplane: dp
        ? {
            ...dp.info,
            /** When each part answered, in ms after the data plane's start. */
            readyAfter: dp.readyAfter,
            /** Pods with a running pod-server: { namespace, name, ip, ports, version, app, workload, metricsUrl, pid }. */
            served: () => dp.served(),
            /** Resolves once the pod's pod-server answers /healthz. */
            waitForPod: (namespace, name, o) =>
              dp.waitForPod(namespace, name, o),
            /** POSTs the pod-server's /fault: a share of calls fail with Unavailable, all are delayed. */
            setFault: (namespace, name, fault) =>
              dp.setFault(namespace, name, fault),
            /** Spawns `traffic -serve`; resolves with { url, pid, logFile, stop() }. */
            startTraffic: o => dp.startTraffic(o),
            trafficUrl: undefined,
          }
        : undefined,
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
      /**
       * Apply the demo objects in seed/ (idempotent). With controllers: only
       * specs, and the controllers do the rest (see seed.js).
       */
      seed: () =>
        require('./seed.js').seedCluster({
          kubeconfig: kubeconfigs.admin,
          kubectl: built.bin.kubectl,
          log,
          controllers: withControllers,
          backstageUrl: cluster.backstageUrl,
          flaggerWebhookSecret: cluster.flaggerWebhookSecret,
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
        )}s, apiserver ${s(tEtcd, tReady)}s, RBAC+CRDs ${s(tReady, tCrds)}s ` +
        `[apply ${s(tReady, tApplied)}s, Established+discovery ${s(
          tApplied,
          tCrds,
        )}s])`,
    );
    if (ctl) {
      log(
        `all controllers ready ${s(t0, tControllers)}s after start ` +
          `(+${s(
            tCrds,
            tControllers,
          )}s after the CRDs; healthy after the apiserver: ${Object.entries(
            ctl.readyAfter,
          )
            .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`)
            .join(', ')})`,
      );
    }
    if (dp) {
      log(
        `data plane ready ${s(t0, tDataplane)}s after start (+${s(
          tCrds,
          tDataplane,
        )}s after the CRDs; ${Object.entries(dp.readyAfter)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`)
          .join(', ')}): pod network ${dp.info.podNetwork}, istiod ${
          dp.info.istiod.httpUrl
        }, Prometheus ${dp.info.prometheusUrl}`,
      );
    }
    if (opts.seed) {
      const tSeed = Date.now();
      await cluster.seed();
      log(`seeded in ${s(tSeed, Date.now())}s`);
    }
    if (dp && opts.traffic) {
      // The demo's load: every seeded Service with more than one version.
      const t = await dp.startTraffic({
        targets: dataplane.DEMO_TRAFFIC_TARGETS,
        rate: 10,
        mix: dataplane.DEFAULT_MIX,
        ...(typeof opts.traffic === 'object' ? opts.traffic : {}),
      });
      cluster.dataplane.trafficUrl = t.url;
      cluster.dataplane.traffic = t;
      fs.writeFileSync(
        clusterJson,
        `${JSON.stringify(describe(cluster), null, 2)}\n`,
      );
      log(`traffic generator at ${t.url} (log ${t.logFile})`);
    }
    return cluster;
  } catch (err) {
    for (const c of Object.values(children)) {
      if (!err.noRetry && /address already in use/.test(tail(c.logFile, 200)))
        err.portInUse = true;
    }
    if (!err.portInUse) {
      for (const c of Object.values(children)) {
        const t = tail(c.logFile);
        if (t) log(`--- last lines of ${c.logFile} ---\n${t}`);
      }
    }
    await cluster.stop();
    throw err;
  }
}

/** Wait until each CRD is Established *and* served by discovery. */
async function waitForCrds({ apiserverUrl, token, ca, apiserver }) {
  // Wait until each CRD is Established *and* served by discovery, so that a
  // kubectl apply right after this does not fail with "no matches for kind".
  const crds = await request(
    `${apiserverUrl}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`,
    { token, ca },
  );
  await Promise.all(
    crds.json.items.map(async crd => {
      await waitFor(
        `CRD ${crd.metadata.name} Established`,
        async () => {
          const r = await request(
            `${apiserverUrl}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
            { token, ca },
          );
          return r.json?.status?.conditions?.some(
            c => c.type === 'Established' && c.status === 'True',
          );
        },
        // Seconds when the machine is calm; one CRD once took over 30 s
        // while several clusters started beside other test work.
        90000,
        apiserver,
      );
      for (const v of crd.spec.versions.filter(x => x.served)) {
        await waitFor(
          `discovery of ${crd.spec.group}/${v.name}`,
          async () => {
            const r = await request(
              `${apiserverUrl}/apis/${crd.spec.group}/${v.name}`,
              { token, ca },
            );
            return r.json?.resources?.some(
              res => res.name === crd.spec.names.plural,
            );
          },
          30000,
          apiserver,
        );
      }
    }),
  );
}

/**
 * kwok's --config: the stages build.sh copied from the kwok module, with
 * kwok's pod-ready stage told to skip pods labelled
 * `kwok.istio-rollouts.io/ready: "false"`, plus our pod-unready stage for them.
 */
function kwokStages(stagesDir) {
  const files = fs
    .readdirSync(stagesDir)
    .filter(f => f.endsWith('.yaml'))
    .sort();
  const docs = files.map(f => {
    let text = fs.readFileSync(path.join(stagesDir, f), 'utf8');
    if (f === 'pod-ready.yaml') {
      const anchor = '  selector:\n    matchExpressions:\n';
      if (!text.includes(anchor))
        throw new Error(`kwok ${f}: selector not where expected`);
      text = text.replace(
        anchor,
        `${anchor}    - key: '.metadata.labels["${KWOK_UNREADY_LABEL}"]'\n` +
          "      operator: 'NotIn'\n      values:\n      - 'false'\n",
      );
    }
    return text.trim();
  });
  docs.push(
    fs.readFileSync(path.join(HERE, 'kwok', 'pod-unready.yaml'), 'utf8').trim(),
  );
  return `${docs.join('\n---\n')}\n`;
}

/**
 * Start kube-controller-manager, kube-scheduler, kwok (+ one fake Node),
 * the Argo Rollouts controller and Flagger against a running apiserver, and
 * wait until each answers its health check and the node is Ready.
 */
async function startControllers({
  built,
  stateDir,
  pki,
  kubeconfig,
  apiserverUrl,
  token,
  spawnLogged,
  log,
  crdsReady,
  podCidr,
  prometheusPort,
}) {
  const { bin } = built;
  const t0 = Date.now();
  const [kcmPort, schedPort, kwokPort, argoHealthz, argoMetrics, flaggerPort] =
    await freePorts(6);
  // Flagger insists on a Prometheus URL. With a data plane it is the real
  // one (dataplane.js starts it on this port a moment later); without, nothing
  // listens here, so Flagger logs an error per check and goes on (the seeded
  // Canary has `metrics: []`).
  const [prometheus] = prometheusPort ? [prometheusPort] : await freePorts(1);
  const certDir = name => {
    const d = path.join(stateDir, 'pki', name);
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  };
  const kubeArgs = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
  ];
  const children = {};
  children.controllerManager = spawnLogged(
    'controllerManager',
    bin.controllerManager,
    [
      ...kubeArgs,
      `--secure-port=${kcmPort}`,
      `--cert-dir=${certDir('kube-controller-manager')}`,
      // ServiceAccount tokens (legacy secrets) and the kube-root-ca.crt ConfigMaps.
      `--service-account-private-key-file=${pki.saKeyFile}`,
      `--root-ca-file=${pki.caFile}`,
      '--use-service-account-credentials=false',
      '--controllers=*',
    ],
    false,
    'kube-controller-manager',
  );
  children.scheduler = spawnLogged(
    'scheduler',
    bin.scheduler,
    [
      ...kubeArgs,
      `--secure-port=${schedPort}`,
      `--cert-dir=${certDir('kube-scheduler')}`,
    ],
    false,
    'kube-scheduler',
  );
  const stagesFile = path.join(stateDir, 'kwok-stages.yaml');
  fs.writeFileSync(stagesFile, kwokStages(built.kwokStagesDir));
  children.kwok = spawnLogged(
    'kwok',
    bin.kwok,
    [
      `--kubeconfig=${kubeconfig}`,
      `--config=${stagesFile}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      // The node stage we use (node-heartbeat-with-lease) updates the node's
      // status only every ~10 min: liveness comes from its Lease. Without one,
      // kube-controller-manager's node lifecycle controller marks the node
      // NotReady after 40 s and every pod on it un-ready, for good.
      '--node-lease-duration-seconds=40',
      // Pod IPs come from here (a data-plane cluster's own /24 of
      // 198.18.0.0/15, which this host serves; see dataplane.js).
      `--cidr=${podCidr}`,
      `--server-address=127.0.0.1:${kwokPort}`,
    ],
    false,
    'kwok',
  );
  // Argo Rollouts and Flagger watch their CRDs (and Istio's) from the start.
  await crdsReady;
  children.argoRollouts = spawnLogged(
    'argoRollouts',
    bin.argoRollouts,
    [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      `--healthzPort=${argoHealthz}`,
      `--metricsPort=${argoMetrics}`,
      '--loglevel=info',
    ],
    false,
    'argo-rollouts',
  );
  children.flagger = spawnLogged(
    'flagger',
    bin.flagger,
    [
      `-kubeconfig=${kubeconfig}`,
      '-mesh-provider=istio',
      `-metrics-server=http://127.0.0.1:${prometheus}`,
      `-port=${flaggerPort}`,
      '-log-level=info',
      // How often Flagger looks for new Canaries (default 10 s).
      '-control-loop-interval=2s',
    ],
    false,
    'flagger',
  );

  // The fake node: kwok manages nodes with this annotation (and only those).
  const nodeBody = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: KWOK_NODE,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': KWOK_NODE,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
  };
  const ca = pki.caPem;
  const created = await request(`${apiserverUrl}/api/v1/nodes`, {
    method: 'POST',
    token,
    ca,
    body: nodeBody,
  });
  if (created.status !== 201 && created.status !== 409)
    throw new Error(`creating node ${KWOK_NODE}: HTTP ${created.status}`);

  const endpoints = {
    controllerManager: `https://127.0.0.1:${kcmPort}/healthz`,
    scheduler: `https://127.0.0.1:${schedPort}/healthz`,
    kwok: `http://127.0.0.1:${kwokPort}/healthz`,
    argoRollouts: `http://127.0.0.1:${argoHealthz}/healthz`,
    flagger: `http://127.0.0.1:${flaggerPort}/healthz`,
  };
  const readyAfter = {};
  const healthy = name =>
    waitFor(
      `${name} ${endpoints[name]}`,
      async () => {
        // The kube-* ones serve a throwaway self-signed certificate.
        const r = await request(endpoints[name], {
          insecure: true,
          timeoutMs: 2000,
        });
        return r.status === 200;
      },
      60000,
      children[name],
    ).then(() => {
      readyAfter[name] = Date.now() - t0;
    });
  await Promise.all([
    ...Object.keys(endpoints).map(healthy),
    waitFor(
      `node ${KWOK_NODE} Ready`,
      async () => {
        const r = await request(`${apiserverUrl}/api/v1/nodes/${KWOK_NODE}`, {
          token,
          ca,
        });
        return r.json?.status?.conditions?.some(
          c => c.type === 'Ready' && c.status === 'True',
        );
      },
      60000,
      children.kwok,
    ).then(() => {
      readyAfter.node = Date.now() - t0;
    }),
  ]);
  log(
    `controllers: logs in ${stateDir}/{${Object.values(children)
      .map(c => path.basename(c.logFile, '.log'))
      .join(',')}}.log`,
  );
  return { node: KWOK_NODE, endpoints, readyAfter };
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
    clientCaFile: c.clientCaFile,
    clientCerts: c.clientCerts,
    stateDir: c.stateDir,
    kubectl: c.kubectl,
    versions: c.versions,
    pids: c.pids,
    logs: c.logs,
    controllers: Boolean(c.controllers),
    ...(c.kubectlProxyUrl
      ? {
          kubectlProxyUrl: c.kubectlProxyUrl,
          kubectlProxyIdentity: c.kubectlProxyIdentity,
        }
      : {}),
    ...(c.controllers
      ? {
          kwokNode: c.kwokNode,
          flaggerWebhookSecret: c.flaggerWebhookSecret,
          backstageUrl: c.backstageUrl,
          controllerEndpoints: c.controllerEndpoints,
        }
      : {}),
    ...(c.dataplane
      ? {
          dataplane: {
            podNetwork: c.dataplane.podNetwork,
            istiod: c.dataplane.istiod,
            prometheusUrl: c.dataplane.prometheusUrl,
            bootstrapFile: c.dataplane.bootstrapFile,
            bin: c.dataplane.bin,
            ...(c.dataplane.trafficUrl
              ? { trafficUrl: c.dataplane.trafficUrl }
              : {}),
          },
        }
      : {}),
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
  // First the kubectl proxy, then what comes and goes (pod-servers, traffic
  // generators), then the data-plane servers.
  if (pidRuns(pids.kubectlProxy, PROCESS_NEEDLES.kubectlProxy))
    await terminate(pids.kubectlProxy, 5000);
  let trackedPids = [];
  try {
    trackedPids = JSON.parse(
      fs.readFileSync(path.join(stateDir, 'dataplane-pids.json'), 'utf8'),
    );
  } catch {
    /* no data plane, or nothing running */
  }
  await Promise.all(
    trackedPids
      .filter(t => pidRuns(t.pid, t.needle))
      .map(t => terminate(t.pid, 5000)),
  );
  await Promise.all(
    DATAPLANE_NAMES.filter(n => pidRuns(pids[n], PROCESS_NEEDLES[n])).map(n =>
      terminate(pids[n], 10000),
    ),
  );
  await Promise.all(
    CONTROLLER_NAMES.filter(n => pidRuns(pids[n], PROCESS_NEEDLES[n])).map(n =>
      terminate(pids[n], 10000),
    ),
  );
  if (pidRuns(pids.apiserver, 'kube-apiserver'))
    await terminate(pids.apiserver, 15000);
  if (pidRuns(pids.etcd, 'etcd')) await terminate(pids.etcd, 10000);
  fs.rmSync(file, { force: true });
  fs.rmSync(path.join(stateDir, 'dataplane-pids.json'), { force: true });
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
    const cluster = await startCluster({
      stateDir,
      seed: Boolean(args.seed),
      controllers: Boolean(args.controllers),
      dataplane: Boolean(args.dataplane),
      // --traffic: a generator over the demo Services (needs --seed to
      // have something to call); --traffic-rate, --traffic-mix tune it.
      traffic: args.traffic
        ? {
            ...(args['traffic-rate']
              ? { rate: Number(args['traffic-rate']) }
              : {}),
            ...(typeof args['traffic-mix'] === 'string'
              ? { mix: args['traffic-mix'] }
              : {}),
          }
        : undefined,
      backstageUrl:
        typeof args['backstage-url'] === 'string'
          ? args['backstage-url']
          : undefined,
      // --kubectl-proxy: `kubectl proxy` as the plugin identity on
      // 127.0.0.1:8001 (Backstage's localKubectlProxy); --kubectl-proxy=PORT
      // for another port (0: any free one).
      kubectlProxy: args['kubectl-proxy']
        ? {
            port:
              args['kubectl-proxy'] === true
                ? KUBECTL_PROXY_PORT
                : Number(args['kubectl-proxy']),
          }
        : undefined,
    });
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
    let info = {};
    if (!kubeconfig) {
      info = JSON.parse(
        fs.readFileSync(path.join(stateDir, 'cluster.json'), 'utf8'),
      );
      kubeconfig = info.kubeconfigs.admin;
    }
    const built = await ensureBuilt(defaultLog);
    // A cluster started with --controllers gets the spec-only seed.
    await require('./seed.js').seedCluster({
      kubeconfig,
      kubectl: built.bin.kubectl,
      log: defaultLog,
      controllers: Boolean(info.controllers || args.controllers),
      backstageUrl:
        (typeof args['backstage-url'] === 'string' && args['backstage-url']) ||
        info.backstageUrl,
      flaggerWebhookSecret:
        (typeof args['flagger-webhook-secret'] === 'string' &&
          args['flagger-webhook-secret']) ||
        info.flaggerWebhookSecret,
    });
  } else {
    process.stderr.write(
      [
        'usage:',
        '  node test/cluster/cluster.js start [--state-dir DIR] [--seed] [--controllers [--backstage-url URL]]',
        '       [--dataplane [--traffic [--traffic-rate N] [--traffic-mix jason:10,cookie:5,anonymous:85]]]',
        '       [--kubectl-proxy[=PORT]]   (kubectl proxy as the plugin identity; PORT defaults to 8001)',
        '  node test/cluster/cluster.js stop  [--state-dir DIR]',
        '  node test/cluster/cluster.js seed  (--kubeconfig FILE [--controllers …] | --state-dir DIR)',
        `DIR defaults to ${DEFAULT_CLI_STATE_DIR}`,
        '',
      ].join('\n'),
    );
    process.exitCode = 2;
  }
}

module.exports = {
  startCluster,
  xdsTarget: dataplane.xdsTarget,
  KWOK_UNREADY_LABEL,
  stopStateDir,
  ensureBuilt,
  request,
  IDENTITIES,
  startKubectlProxy,
  KUBECTL_PROXY_PORT,
};

if (require.main === module) {
  main().catch(err => {
    defaultLog(err.stack || String(err));
    process.exit(1);
  });
}
