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

// Load and bad input against the backend built for production, measured in
// one run (./bench/run load [flags]):
//
//  1. builds the backend the production way (`yarn workspace backend
//     build`: dist/bundle.tar.gz, the Docker image's content), unpacks the
//     bundle into a temp folder and starts it with `node packages/backend`,
//     NODE_ENV=production, app-config.yaml + app-config.production.yaml, a
//     real PostgreSQL (test/postgres) and the real local kube-apiserver
//     seeded with the demo (test/cluster). One overlay file on top, written
//     here: loopback listen address, the demo catalog, and
//     auth.environment=development so that the demo sign-in provider can
//     issue user tokens (production has no way to mint a user token
//     without an identity provider); everything else is production's.
//  2. sequential medians: the rollout view and the catalog's by-name read;
//  3. a schema-driven fuzz of every endpoint (bench/lib/fuzzCases.ts), with
//     the cluster's resourceVersions and the audit trail compared before and
//     after;
//  4. R readers of the rollout view + W writers of route actions for D
//     seconds, then R readers of the catalog + the same W writers for D
//     seconds (the floor);
//  5. lost updates: each written VirtualService's final split equals the
//     weightsAfter of its last `applied` audit record, and every 2xx write
//     has its applied record.
//
// Flags (env in brackets): --duration=60 [BENCH_DURATION] --readers=200
// [BENCH_READERS] --writers=20 [BENCH_WRITERS] --no-build (reuse
// packages/backend/dist/bundle.tar.gz) --skip-fuzz --skip-load
// --timeout=30 (seconds per request). Everything has a timeout; the whole
// run is bounded by a watchdog, and the backend, PostgreSQL and the
// cluster are stopped on every exit.

import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FuzzCase, fuzzCases } from './lib/fuzzCases';
import { clusterApi, log, percentile } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPostgres } = require('../test/postgres/postgres.js');

const ROOT = path.resolve(__dirname, '..');

function flag(name: string, env: string, fallback: number): number {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  const value = arg ? arg.split('=')[1] : process.env[env];
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad --${name}: ${value}`);
  return n;
}
const has = (name: string) => process.argv.includes(`--${name}`);

const DURATION_S = flag('duration', 'BENCH_DURATION', 60);
const READERS = flag('readers', 'BENCH_READERS', 200);
const WRITERS = flag('writers', 'BENCH_WRITERS', 20);
const REQUEST_TIMEOUT_MS = flag('timeout', 'BENCH_REQUEST_TIMEOUT', 30) * 1000;
const SEQUENTIAL = flag('sequential', 'BENCH_SEQUENTIAL', 200);
const BUILD = !has('no-build');
const FUZZ = !has('skip-fuzz');
const LOAD = !has('skip-load');
const BUILD_TIMEOUT_MS = 15 * 60_000;
// Setup (build, cluster, PostgreSQL, backend start) + two load phases +
// sequential reads, fuzz and checks, generously.
const WATCHDOG_MS =
  (BUILD ? BUILD_TIMEOUT_MS : 0) + 10 * 60_000 + 2 * DURATION_S * 1000;

const NS = 'demo';
const CLUSTER = 'local';
const PLATFORM_GROUP = 'group:default/platform';

// The VirtualServices the writers move, all owned by alice's team: the
// demo's two-version routes the plugin may change (search's canary Service
// is not bound to the entity, ratings' and payments' default routes have
// one destination, details is GitOps-tracked and watched for drift).
// Writers are spread over them, so several race on each: 409s are expected.
const WRITTEN = [
  {
    vs: 'reviews',
    entity: 'reviews',
    route: 'primary',
    dest: ['v1', 'v2'].map(s => ({ host: 'reviews', subset: s })),
  },
  {
    vs: 'checkout',
    entity: 'checkout',
    route: 'primary',
    dest: ['blue', 'green'].map(s => ({ host: 'checkout', subset: s })),
  },
];

// ---------------------------------------------------------------------------
// processes

// The machine's 1-minute load average: other work on it moves the figures.
const loadAverages: string[] = [];

const cleanups: Array<() => Promise<void> | void> = [];
let cleaningUp: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        log(`cleanup: ${e}`);
      }
    }
  })();
  return cleaningUp;
}

function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; logFile: string; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(opts.logFile, 'a');
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', out, out],
      detached: true,
    });
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${cmd} ${args.join(' ')}: timed out`));
    }, opts.timeoutMs);
    child.once('exit', code => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} exited ${code}; see ${opts.logFile}`,
          ),
        );
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Unpacks the production bundle and gives it a node_modules: the repo's
 * installed third-party packages (symlinked, as `yarn workspaces focus
 * --production` would install them) and the bundle's own workspace packages
 * (built dist, production package.json) in place of the repo's sources.
 */
async function unpackBundle(dir: string, logFile: string) {
  const bundle = path.join(ROOT, 'packages/backend/dist/bundle.tar.gz');
  if (!fs.existsSync(bundle))
    throw new Error(`${bundle} is missing: run without --no-build`);
  await runCommand('tar', ['xzf', bundle, '-C', dir], {
    logFile,
    timeoutMs: 120_000,
  });
  const ours = new Map<string, string>();
  for (const group of ['packages', 'plugins']) {
    for (const p of fs.readdirSync(path.join(dir, group))) {
      const pkg = JSON.parse(
        fs.readFileSync(path.join(dir, group, p, 'package.json'), 'utf8'),
      );
      ours.set(pkg.name, path.join(dir, group, p));
    }
  }
  const nm = path.join(dir, 'node_modules');
  fs.mkdirSync(nm);
  const rootNm = path.join(ROOT, 'node_modules');
  for (const entry of fs.readdirSync(rootNm)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      fs.mkdirSync(path.join(nm, entry));
      for (const sub of fs.readdirSync(path.join(rootNm, entry))) {
        const name = `${entry}/${sub}`;
        fs.symlinkSync(
          ours.get(name) ?? fs.realpathSync(path.join(rootNm, name)),
          path.join(nm, name),
        );
      }
    } else {
      fs.symlinkSync(
        ours.get(entry) ?? fs.realpathSync(path.join(rootNm, entry)),
        path.join(nm, entry),
      );
    }
  }
  for (const [name, target] of ours) {
    if (!fs.existsSync(path.join(nm, name)))
      fs.symlinkSync(target, path.join(nm, name));
  }
  for (const f of ['app-config.yaml', 'app-config.production.yaml'])
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
}

// ---------------------------------------------------------------------------
// HTTP

type Answer = {
  status: number;
  body: string;
  ms: number;
  error?: string;
};

/** Exact-path HTTP request (no URL normalization), for the fuzz. */
function rawRequest(
  base: URL,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise(resolve => {
    const t = performance.now();
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: performance.now() - t });
    };
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: urlPath,
        headers: {
          ...headers,
          ...(body !== undefined
            ? { 'content-length': String(Buffer.byteLength(body)) }
            : {}),
        },
        agent: false,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', e =>
          finish({ status: res.statusCode ?? 0, body: '', error: String(e) }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish({ status: 0, body: '', error: `no answer in ${timeoutMs} ms` });
    });
    req.on('error', e => finish({ status: 0, body: '', error: String(e) }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<Answer> {
  const t = performance.now();
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await res.text();
    return { status: res.status, body, ms: performance.now() - t };
  } catch (e: any) {
    return {
      status: 0,
      body: '',
      ms: performance.now() - t,
      error: e?.name === 'TimeoutError' ? 'timeout' : String(e?.cause ?? e),
    };
  }
}

function messageOf(body: string): string | undefined {
  try {
    const j = JSON.parse(body);
    const m = j?.error?.message ?? j?.message;
    return typeof m === 'string' && m.trim() ? m : undefined;
  } catch {
    return undefined;
  }
}

const excerpt = (s: string, n = 200) =>
  s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;

// ---------------------------------------------------------------------------
// the demo's data

function demoComponents(): string[] {
  const text = fs.readFileSync(
    path.join(ROOT, 'examples/entities.yaml'),
    'utf8',
  );
  return text
    .split(/^---$/m)
    .filter(doc => /^kind:\s*Component\s*$/m.test(doc))
    .map(doc => /^\s{2}name:\s*(\S+)\s*$/m.exec(doc)?.[1])
    .filter((n): n is string => Boolean(n));
}

type Dest = { host: string; subset?: string; weight: number };

function normalizeSplit(dests: Array<Partial<Dest> & { host: string }>) {
  return dests
    .map(d => ({
      host: d.host,
      subset: d.subset ?? '',
      weight: d.weight ?? (dests.length === 1 ? 100 : 0),
    }))
    .map(d => `${d.host}/${d.subset}=${d.weight}`)
    .join(',');
}

async function fetchAudit(base: string, token: string) {
  const items: any[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 2000; page++) {
    const a = await call(
      `${base}/api/istio-rollouts/audit?limit=500${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
      }`,
      { token },
    );
    if (a.status !== 200)
      throw new Error(`audit page: ${a.status} ${a.error ?? excerpt(a.body)}`);
    const j = JSON.parse(a.body);
    items.push(...j.items);
    cursor = j.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('audit: more than 2000 pages');
}

async function clusterState(admin: any) {
  const out: Record<string, string> = {};
  for (const [kind, p] of [
    [
      'VirtualService',
      `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`,
    ],
    [
      'DestinationRule',
      `/apis/networking.istio.io/v1/namespaces/${NS}/destinationrules`,
    ],
    ['Deployment', `/apis/apps/v1/namespaces/${NS}/deployments`],
  ]) {
    const list = await admin.list(p);
    for (const o of list.items)
      out[`${kind}/${o.metadata.name}`] = o.metadata.resourceVersion;
  }
  return out;
}

// ---------------------------------------------------------------------------
// load

type Stat = {
  ms: number[];
  byStatus: Map<number, number>;
  errors: Map<string, number>;
  samples: Array<{ what: string; status: number; body: string }>;
};
const newStat = (): Stat => ({
  ms: [],
  byStatus: new Map(),
  errors: new Map(),
  samples: [],
});
function record(s: Stat, a: Answer, what: string) {
  if (a.status === 0) {
    s.errors.set(a.error ?? '?', (s.errors.get(a.error ?? '?') ?? 0) + 1);
  } else {
    s.byStatus.set(a.status, (s.byStatus.get(a.status) ?? 0) + 1);
  }
  if (a.status === 200) s.ms.push(a.ms);
  // A request the client gave up on took longer than the timeout: it counts
  // in the percentiles as +Infinity (printed as "> timeout").
  if (a.status === 0 && a.error === 'timeout') s.ms.push(Infinity);
  if ((a.status >= 500 || a.status === 0) && s.samples.length < 20) {
    s.samples.push({
      what,
      status: a.status,
      body: excerpt(a.body || a.error || ''),
    });
  }
}
const count = (s: Stat, pred: (status: number) => boolean) =>
  [...s.byStatus].filter(([k]) => pred(k)).reduce((n, [, v]) => n + v, 0);
const errorCount = (s: Stat) =>
  [...s.errors.values()].reduce((a, b) => a + b, 0);

type WriteLog = {
  applied: Array<{ vs: string; rv: string; after: string; at: number }>;
  conflicts: number;
  other4xx: Map<string, number>;
  fivexx: Array<{ body: unknown; status: number; answer: string }>;
  errors: Map<string, number>;
  ms: number[];
};

function randomWrite(target: (typeof WRITTEN)[number]) {
  const r = Math.random();
  const t = {
    cluster: CLUSTER,
    namespace: NS,
    virtualService: target.vs,
    route: target.route,
  };
  let operation: unknown;
  if (r < 0.7) {
    const canary = Math.floor(Math.random() * 101);
    operation = {
      type: 'set-weights',
      weights: [
        { ...target.dest[0], weight: 100 - canary },
        { ...target.dest[1], weight: canary },
      ],
    };
  } else if (r < 0.8) {
    operation = { type: 'promote-next' };
  } else if (r < 0.9) {
    operation = { type: 'promote-full' };
  } else {
    operation = { type: 'rollback' };
  }
  return { target: t, operation, reason: 'load bench' };
}

async function writer(
  i: number,
  base: string,
  token: string,
  until: number,
  w: WriteLog,
) {
  const target = WRITTEN[i % WRITTEN.length];
  const url = `${base}/api/istio-rollouts/entities/default/component/${target.entity}/route-actions`;
  while (Date.now() < until) {
    const body = randomWrite(target);
    const a = await call(url, { method: 'POST', token, body });
    if (a.status > 0) w.ms.push(a.ms);
    if (a.status === 200) {
      const j = JSON.parse(a.body);
      w.applied.push({
        vs: target.vs,
        rv: j.resourceVersionAfter,
        after: normalizeSplit(j.after.destinations),
        at: Date.now(),
      });
    } else if (a.status === 409) {
      w.conflicts++;
    } else if (a.status >= 400 && a.status < 500) {
      const key = `${a.status} ${(body.operation as any).type} on ${
        target.vs
      }: ${excerpt(messageOf(a.body) ?? a.body, 140)}`;
      w.other4xx.set(key, (w.other4xx.get(key) ?? 0) + 1);
    } else if (a.status === 0) {
      w.errors.set(a.error!, (w.errors.get(a.error!) ?? 0) + 1);
      if (a.error === 'timeout') w.ms.push(Infinity);
    } else {
      w.fivexx.push({ body, status: a.status, answer: excerpt(a.body, 400) });
    }
  }
}

async function reader(
  urlFor: (entity: string) => string,
  entities: string[],
  token: string,
  until: number,
  s: Stat,
) {
  while (Date.now() < until) {
    const entity = entities[Math.floor(Math.random() * entities.length)];
    const a = await call(urlFor(entity), { token });
    record(s, a, `GET ${urlFor(entity)}`);
  }
}

// ---------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  loadAverages.push(`${os.loadavg()[0].toFixed(1)} at the start`);
  const watchdog = setTimeout(async () => {
    log(`watchdog: the run took longer than ${WATCHDOG_MS / 1000}s; stopping`);
    await cleanup();
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, async () => {
      await cleanup();
      process.exit(130);
    });
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-load-'));
  cleanups.push(() => {
    if (!process.env.BENCH_KEEP)
      fs.rmSync(work, { recursive: true, force: true });
  });
  const buildLog = path.join(work, 'build.log');
  const backendLog = path.join(ROOT, '.state', 'load-bench-backend.log');
  fs.mkdirSync(path.dirname(backendLog), { recursive: true });
  fs.writeFileSync(backendLog, '');

  if (BUILD) {
    log('building the backend for production (yarn workspace backend build)');
    const tb = Date.now();
    await runCommand('yarn', ['workspace', 'backend', 'build'], {
      logFile: buildLog,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    log(`built in ${((Date.now() - tb) / 1000).toFixed(0)}s`);
  }
  const bundleDir = path.join(work, 'bundle');
  fs.mkdirSync(bundleDir);
  await unpackBundle(bundleDir, buildLog);

  const [pg, cluster] = await Promise.all([
    startPostgres({ log }),
    startCluster({ log, seed: true }),
  ]);
  cleanups.push(() => cluster.stop());
  cleanups.push(() => pg.stop());
  const admin = clusterApi(cluster);
  cleanups.push(() => admin.close());

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const overlay = path.join(work, 'app-config.bench.yaml');
  fs.writeFileSync(
    overlay,
    `${JSON.stringify(
      {
        app: { baseUrl: base },
        backend: { baseUrl: base, listen: `127.0.0.1:${port}` },
        auth: { environment: 'development' },
        catalog: {
          locations: [
            { type: 'file', target: path.join(ROOT, 'examples/entities.yaml') },
            {
              type: 'file',
              target: path.join(ROOT, 'examples/org.yaml'),
              rules: [{ allow: ['User', 'Group'] }],
            },
          ],
        },
      },
      null,
      2,
    )}\n`,
  );
  const pgUrl = new URL(pg.connectionString);
  const out = fs.openSync(backendLog, 'a');
  log(`starting the production backend on ${base} (log: ${backendLog})`);
  const backend: ChildProcess = spawn(
    process.execPath,
    [
      'packages/backend',
      '--config',
      path.join(bundleDir, 'app-config.yaml'),
      '--config',
      path.join(bundleDir, 'app-config.production.yaml'),
      '--config',
      overlay,
    ],
    {
      cwd: bundleDir,
      stdio: ['ignore', out, out],
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        APP_BASE_URL: base,
        BACKEND_BASE_URL: base,
        POSTGRES_HOST: pgUrl.hostname,
        POSTGRES_PORT: pgUrl.port,
        POSTGRES_USER: 'postgres',
        POSTGRES_PASSWORD: 'unused-trust-auth',
        ISTIO_ROLLOUTS_PLATFORM_GROUP: PLATFORM_GROUP,
        K8S_CLUSTER_NAME: CLUSTER,
        K8S_CLUSTER_URL: cluster.apiserverUrl,
        K8S_CLUSTER_TOKEN: cluster.tokens.plugin,
        K8S_CLUSTER_CA_DATA: cluster.caData,
      },
    },
  );
  let backendExit: string | undefined;
  backend.once('exit', (code, signal) => {
    backendExit = `exited (code ${code}, signal ${signal})`;
  });
  cleanups.push(async () => {
    if (backendExit) return;
    try {
      process.kill(-backend.pid!, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && !backendExit; i++) await sleep(100);
    if (!backendExit) {
      try {
        process.kill(-backend.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  // Ready: the plugin answers, the demo users can sign in, the catalog has
  // the demo entities, the plugin's cache has synced.
  const token = async (user: string) => {
    const a = await rawRequest(
      new URL(base),
      'GET',
      '/api/auth/demo/refresh?optional&env=development',
      {
        'x-istio-rollouts-demo-user': user,
        'x-requested-with': 'XMLHttpRequest',
      },
      undefined,
      10_000,
    );
    if (a.status !== 200) return undefined;
    return JSON.parse(a.body).backstageIdentity?.token as string | undefined;
  };
  const readyBy = Date.now() + 180_000;
  let alice: string | undefined;
  for (;;) {
    if (backendExit)
      throw new Error(`the backend ${backendExit}; see ${backendLog}`);
    if (Date.now() > readyBy)
      throw new Error(`the backend was not ready in 180 s; see ${backendLog}`);
    alice ??= await token('alice');
    if (alice) {
      const v = await call(
        `${base}/api/istio-rollouts/entities/default/component/reviews/view`,
        { token: alice },
      );
      const c = await call(
        `${base}/api/catalog/entities/by-name/component/default/reviews`,
        { token: alice },
      );
      if (
        v.status === 200 &&
        c.status === 200 &&
        JSON.parse(v.body).clusters?.[0]?.virtualServices?.length
      )
        break;
    }
    await sleep(1000);
  }
  const carol = (await token('carol'))!;
  const bob = (await token('bob'))!;
  if (!carol || !bob) throw new Error('carol or bob cannot sign in');
  const users = [alice, bob, carol];
  log(
    `backend ready in ${((Date.now() - t0) / 1000).toFixed(
      0,
    )}s since start of the run`,
  );

  const entities = demoComponents();
  const viewUrl = (e: string) =>
    `${base}/api/istio-rollouts/entities/default/component/${e}/view`;
  const catalogUrl = (e: string) =>
    `${base}/api/catalog/entities/by-name/component/default/${e}`;
  const entityStatus: string[] = [];
  for (const e of entities) {
    const a = await call(viewUrl(e), { token: alice });
    entityStatus.push(`${e} ${a.status}`);
  }
  log(`demo components and their view status: ${entityStatus.join(', ')}`);

  // --- sequential medians ------------------------------------------------
  const seqView: number[] = [];
  const seqCatalog: number[] = [];
  for (let i = 0; i < SEQUENTIAL + 20; i++) {
    const e = entities[i % entities.length];
    const v = await call(viewUrl(e), { token: alice });
    const c = await call(catalogUrl(e), { token: alice });
    if (i < 20) continue; // warm-up
    if (v.status === 200) seqView.push(v.ms);
    if (c.status === 200) seqCatalog.push(c.ms);
  }

  // --- fuzz ---------------------------------------------------------------
  type FuzzResult = { c: FuzzCase; a: Answer };
  const fuzz: FuzzResult[] = [];
  const fuzzState: string[] = [];
  let fuzzWritten = false;
  if (FUZZ) {
    const cases = fuzzCases({
      entity: 'reviews',
      target: {
        cluster: CLUSTER,
        namespace: NS,
        virtualService: 'reviews',
        route: 'primary',
        host: 'reviews',
        subsets: ['v1', 'v2'],
      },
    });
    const runCases = async (list: FuzzCase[]) => {
      for (const c of list) {
        const headers: Record<string, string> = {};
        if (c.auth === undefined || c.auth === 'owner')
          headers.authorization = `Bearer ${alice}`;
        if (c.auth === 'bogus') headers.authorization = 'Bearer not.a.token';
        if (c.body !== undefined)
          headers['content-type'] = c.contentType ?? 'application/json';
        // Approving and cancelling as the owner; the audit as platform.
        if (c.path.startsWith('/audit') && headers.authorization)
          headers.authorization = `Bearer ${carol}`;
        const a = await rawRequest(
          new URL(base),
          c.method,
          `/api/istio-rollouts${c.path}`,
          headers,
          c.body,
          20_000,
        );
        fuzz.push({ c, a });
      }
    };
    const snapshot = async () => ({
      cluster: await clusterState(admin),
      audit: await fetchAudit(base, carol),
    });
    const compare = (
      label: string,
      before: Awaited<ReturnType<typeof snapshot>>,
      after: Awaited<ReturnType<typeof snapshot>>,
      expectRecords: boolean,
    ) => {
      const changed = Object.keys({
        ...before.cluster,
        ...after.cluster,
      }).filter(k => before.cluster[k] !== after.cluster[k]);
      const added = after.audit.length - before.audit.length;
      const beforeIds = new Set(before.audit.map(r => r.id));
      const newRecords = after.audit.filter(r => !beforeIds.has(r.id));
      const applied = newRecords.filter(r => r.outcome === 'applied');
      const ok =
        changed.length === 0 &&
        applied.length === 0 &&
        (expectRecords || added === 0);
      if (!ok) fuzzWritten = true;
      fuzzState.push(
        `${label}: ${Object.keys(after.cluster).length} objects in '${NS}', ${
          changed.length
        } resourceVersions changed${
          changed.length ? ` (${changed.join(', ')})` : ''
        }; audit records ${before.audit.length} -> ${after.audit.length}${
          newRecords.length
            ? ` (new: ${Object.entries(
                newRecords.reduce(
                  (m: Record<string, number>, r) => ({
                    ...m,
                    [r.outcome]: (m[r.outcome] ?? 0) + 1,
                  }),
                  {},
                ),
              )
                .map(([k, v]) => `${v} ${k}`)
                .join(', ')})`
            : ''
        } -> ${ok ? 'nothing written' : 'WRITTEN'}`,
      );
    };
    const malformed = cases.filter(c => !c.semantic);
    const semantic = cases.filter(c => c.semantic);
    log(
      `fuzz: ${malformed.length} malformed + ${semantic.length} well-formed but wrong requests`,
    );
    const s0 = await snapshot();
    await runCases(malformed);
    const s1 = await snapshot();
    compare('malformed requests', s0, s1, false);
    await runCases(semantic);
    const s2 = await snapshot();
    // Refused writes that reach the service are recorded as failed/denied
    // by design; none may be applied and no object may change.
    compare('well-formed but wrong requests', s1, s2, true);
    if (backendExit)
      throw new Error(`the backend ${backendExit} during the fuzz`);
  }

  // --- load ----------------------------------------------------------------
  const viewStat = newStat();
  const catalogStat = newStat();
  const writes: WriteLog = {
    applied: [],
    conflicts: 0,
    other4xx: new Map(),
    fivexx: [],
    errors: new Map(),
    ms: [],
  };
  const phaseWrites: Array<{ applied: number; conflicts: number }> = [];
  let auditBeforeLoad: any[] = [];
  const lostUpdates: string[] = [];
  const missingAudit: string[] = [];
  const finalSplits: string[] = [];
  let auditOrderInversions = 0;
  const loadOutcomes = new Map<string, number>();
  let appliedUnanswered = 0;
  if (LOAD) {
    auditBeforeLoad = await fetchAudit(base, carol);
    for (const [label, urlFor, stat] of [
      ['rollout view', viewUrl, viewStat],
      ['catalog by-name', catalogUrl, catalogStat],
    ] as const) {
      log(
        `load: ${READERS} readers of the ${label} + ${WRITERS} writers for ${DURATION_S}s`,
      );
      const appliedBefore = writes.applied.length;
      const conflictsBefore = writes.conflicts;
      const until = Date.now() + DURATION_S * 1000;
      await Promise.all([
        ...Array.from({ length: READERS }, (_, i) =>
          reader(urlFor, entities, users[i % users.length], until, stat),
        ),
        ...Array.from({ length: WRITERS }, (_, i) =>
          writer(i, base, alice!, until, writes),
        ),
      ]);
      loadAverages.push(
        `${os.loadavg()[0].toFixed(1)} after the ${label} phase`,
      );
      phaseWrites.push({
        applied: writes.applied.length - appliedBefore,
        conflicts: writes.conflicts - conflictsBefore,
      });
      if (backendExit) throw new Error(`the backend ${backendExit} under load`);
    }

    // Lost updates: the cluster's final split of each written route is the
    // weightsAfter of its last applied record (by resourceVersion), and
    // every 2xx write has its applied record.
    const audit = await fetchAudit(base, carol);
    const beforeIds = new Set(auditBeforeLoad.map(r => r.id));
    const loadRecords = audit.filter(r => !beforeIds.has(r.id));
    for (const r of loadRecords)
      loadOutcomes.set(r.outcome, (loadOutcomes.get(r.outcome) ?? 0) + 1);
    const answered = new Set(writes.applied.map(w => `${w.vs}@${w.rv}`));
    appliedUnanswered = loadRecords.filter(
      r =>
        r.outcome === 'applied' &&
        r.action !== 'scale' &&
        !answered.has(`${r.virtualService}@${r.resourceVersionAfter}`),
    ).length;
    for (const t of WRITTEN) {
      const vs: any = await admin.get(
        `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/${t.vs}`,
      );
      const route = vs.spec.http.find((h: any) => h.name === t.route);
      const actual = normalizeSplit(
        route.route.map((r: any) => ({ ...r.destination, weight: r.weight })),
      );
      const applied = audit.filter(
        r =>
          r.outcome === 'applied' &&
          r.virtualService === t.vs &&
          r.namespace === NS &&
          r.resourceVersionAfter,
      );
      const byRv = [...applied].sort(
        (a, b) =>
          Number(b.resourceVersionAfter) - Number(a.resourceVersionAfter),
      );
      const byId = [...applied].sort((a, b) => Number(b.id) - Number(a.id));
      for (let k = 1; k < byId.length; k++) {
        if (
          Number(byId[k - 1].resourceVersionAfter) <
          Number(byId[k].resourceVersionAfter)
        )
          auditOrderInversions++;
      }
      const last = byRv[0];
      const expected = last
        ? normalizeSplit(last.weightsAfter?.destinations ?? [])
        : '(no applied record)';
      finalSplits.push(
        `${t.vs}: cluster ${actual} (rv ${vs.metadata.resourceVersion}); last applied record ${expected} (rv ${last?.resourceVersionAfter}, id ${last?.id})`,
      );
      if (!last && !writes.applied.some(w => w.vs === t.vs))
        finalSplits.push(`${t.vs}: no write to it was applied`);
      else if (actual !== expected)
        lostUpdates.push(
          `${t.vs}: the cluster holds ${actual}, its last applied record says ${expected}`,
        );
      const recorded = new Map(
        loadRecords
          .filter(r => r.virtualService === t.vs && r.outcome === 'applied')
          .map(r => [
            String(r.resourceVersionAfter),
            normalizeSplit(r.weightsAfter?.destinations ?? []),
          ]),
      );
      for (const w of writes.applied.filter(x => x.vs === t.vs)) {
        const rec = recorded.get(String(w.rv));
        if (rec === undefined)
          missingAudit.push(
            `${t.vs} rv ${w.rv}: 2xx write without an applied record`,
          );
        else if (rec !== w.after)
          missingAudit.push(
            `${t.vs} rv ${w.rv}: answered ${w.after}, recorded ${rec}`,
          );
      }
    }
  }

  // --- report --------------------------------------------------------------
  const backendLogText = fs.readFileSync(backendLog, 'utf8');
  const errorLines = backendLogText
    .split('\n')
    .filter(l => /"level":"error"|\berror\b.*\bistio-rollouts\b/i.test(l));

  const f = (ms: number | undefined) =>
    ms === undefined || Number.isNaN(ms)
      ? 'n/a'
      : ms === Infinity
      ? `> ${REQUEST_TIMEOUT_MS / 1000} s (timeout)`
      : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(1)} ms`;
  const p = (v: number[], q: number) => (v.length ? percentile(v, q) : NaN);
  const rate = (n: number) => (n / DURATION_S).toFixed(1);
  const row = (k: string, v: string, goal = '') =>
    console.log(`  ${k.padEnd(52)} ${v.padEnd(34)} ${goal}`);

  console.log('');
  console.log(
    `Load and bad input, production build (NODE_ENV=production, PostgreSQL ${
      pg.version
    }, real kube-apiserver, loopback; ${
      os.cpus().length
    } cores, client in the same machine)`,
  );
  console.log(
    `  demo components read: ${entities.join(', ')}; written: ${WRITTEN.map(
      w => w.vs,
    ).join(', ')} (as alice)`,
  );
  console.log(
    `  load average (1 min, ${os.cpus().length} cores): ${loadAverages.join(
      '; ',
    )}`,
  );
  console.log('');
  row('What', 'Result', 'Goal');
  row(
    'sequential median, rollout view',
    f(p(seqView, 50)),
    `(${seqView.length} requests)`,
  );
  row(
    'sequential median, catalog by-name',
    f(p(seqCatalog, 50)),
    `(${seqCatalog.length} requests)`,
  );
  if (LOAD) {
    const v5 = count(viewStat, s => s >= 500);
    const c5 = count(catalogStat, s => s >= 500);
    console.log(
      `  -- ${READERS} readers + ${WRITERS} writers, ${DURATION_S} s per phase --`,
    );
    row(
      'view: timeouts',
      `${viewStat.errors.get('timeout') ?? 0} of ${
        viewStat.ms.length +
        count(viewStat, st => st !== 200) +
        errorCount(viewStat) -
        (viewStat.errors.get('timeout') ?? 0)
      }`,
    );
    row(
      'view: reads/s (200 OK)',
      `${rate(viewStat.ms.filter(Number.isFinite).length)}`,
    );
    row(
      'view: p50 / p99',
      `${f(p(viewStat.ms, 50))} / ${f(p(viewStat.ms, 99))}`,
    );
    row(
      'view: 5xx / timeouts+errors / other non-200',
      `${v5} / ${errorCount(viewStat)} / ${count(
        viewStat,
        s => s !== 200 && s < 500,
      )}`,
      'goal 0 5xx',
    );
    row(
      'catalog: reads/s (200 OK)',
      `${rate(catalogStat.ms.filter(Number.isFinite).length)}`,
    );
    row(
      'catalog: p50 / p99',
      `${f(p(catalogStat.ms, 50))} / ${f(p(catalogStat.ms, 99))}`,
    );
    row(
      'catalog: 5xx / timeouts+errors / other non-200',
      `${c5} / ${errorCount(catalogStat)} / ${count(
        catalogStat,
        s => s !== 200 && s < 500,
      )}`,
    );
    const ratio = p(viewStat.ms, 99) / p(catalogStat.ms, 99);
    row(
      'view p99 / catalog p99',
      Number.isNaN(ratio)
        ? 'n/a: both p99 beyond the timeout'
        : ratio === Infinity
        ? 'view p99 beyond the timeout'
        : `${ratio.toFixed(2)}`,
      `goal <= 2: ${
        Number.isNaN(ratio) ? 'UNKNOWN' : ratio <= 2 ? 'PASS' : 'FAIL'
      }`,
    );
    row(
      'view / catalog reads per second',
      `${(
        viewStat.ms.filter(Number.isFinite).length /
        Math.max(1, catalogStat.ms.filter(Number.isFinite).length)
      ).toFixed(2)}`,
      '(throughput ratio, same concurrency)',
    );
    const totalWrites = writes.applied.length;
    row(
      'writes: applied/s, conflicts (409)/s',
      `${(totalWrites / (2 * DURATION_S)).toFixed(1)}, ${(
        writes.conflicts /
        (2 * DURATION_S)
      ).toFixed(1)}`,
      `(${totalWrites} applied, ${
        writes.conflicts
      } conflicts; per phase ${phaseWrites
        .map(x => `${x.applied}/${x.conflicts}`)
        .join(', ')})`,
    );
    row(
      'writes: p50 / p99 (every answer)',
      `${f(p(writes.ms, 50))} / ${f(p(writes.ms, 99))}`,
    );
    row(
      'writes: 5xx / timeouts+errors / other 4xx',
      `${writes.fivexx.length} / ${[...writes.errors.values()].reduce(
        (a, b) => a + b,
        0,
      )} / ${[...writes.other4xx.values()].reduce((a, b) => a + b, 0)}`,
      'goal 0 5xx',
    );
    row(
      'lost updates',
      `${lostUpdates.length}`,
      `goal 0: ${lostUpdates.length ? 'FAIL' : 'PASS'}`,
    );
    row(
      '2xx writes without their applied audit record',
      `${missingAudit.length} of ${totalWrites}`,
      `goal 0: ${missingAudit.length ? 'FAIL' : 'PASS'}`,
    );
    row(
      'applied records of writes whose client timed out',
      `${appliedUnanswered}`,
      '(applied after the client gave up; in the trail)',
    );
    row(
      'audit records written during the load, by outcome',
      [...loadOutcomes].map(([k, v]) => `${v} ${k}`).join(', ') || 'none',
      '(information)',
    );
    row(
      'audit records out of resourceVersion order (by id)',
      `${auditOrderInversions}`,
      '(information)',
    );
  }
  if (FUZZ) {
    const fuzz4xx = fuzz.filter(x => x.a.status >= 400 && x.a.status < 500);
    const withMessage = fuzz4xx.filter(x => messageOf(x.a.body));
    const fuzz5xx = fuzz.filter(x => x.a.status >= 500);
    const hung = fuzz.filter(x => x.a.status === 0);
    const accepted = fuzz.filter(x => x.a.status > 0 && x.a.status < 400);
    const endpoints = new Set(fuzz.map(x => x.c.endpoint));
    console.log(
      `  -- fuzz: ${fuzz.length} requests over ${endpoints.size} endpoints --`,
    );
    row(
      'fuzz: 4xx with a message in the body',
      `${((100 * withMessage.length) / fuzz.length).toFixed(1)}% (${
        withMessage.length
      }/${fuzz.length})`,
      `goal 100%: ${withMessage.length === fuzz.length ? 'PASS' : 'FAIL'}`,
    );
    row(
      'fuzz: 5xx',
      `${fuzz5xx.length}`,
      `goal 0: ${fuzz5xx.length ? 'FAIL' : 'PASS'}`,
    );
    row('fuzz: no answer / connection errors', `${hung.length}`, 'goal 0');
    row('fuzz: accepted (< 400)', `${accepted.length}`, 'goal 0');
    row(
      'fuzz: nothing written',
      fuzzWritten ? 'NO' : 'yes',
      `goal yes: ${fuzzWritten ? 'FAIL' : 'PASS'}`,
    );
    for (const line of fuzzState) console.log(`    ${line}`);
    const byStatus = new Map<string, number>();
    for (const x of fuzz)
      byStatus.set(
        String(x.a.status || 'none'),
        (byStatus.get(String(x.a.status || 'none')) ?? 0) + 1,
      );
    console.log(
      `    statuses: ${[...byStatus]
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    );
    const perEndpoint = new Map<string, number>();
    for (const x of fuzz)
      perEndpoint.set(x.c.endpoint, (perEndpoint.get(x.c.endpoint) ?? 0) + 1);
    console.log(
      `    per endpoint: ${[...perEndpoint]
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const bad = fuzz.filter(
      x => !(x.a.status >= 400 && x.a.status < 500 && messageOf(x.a.body)),
    );
    if (bad.length) {
      console.log('');
      console.log(
        `  Fuzz answers to fix (5xx, no message, no answer, or accepted): ${bad.length}`,
      );
      for (const x of bad) {
        console.log(
          `    ${x.a.status || 'NO ANSWER'} ${
            x.c.method
          } /api/istio-rollouts${excerpt(x.c.path, 120)}  [${
            x.c.what
          }]  body: ${excerpt(x.c.body ?? '', 80)}  -> ${excerpt(
            x.a.body || x.a.error || '(empty body)',
            200,
          )}`,
        );
      }
    }
  }
  if (LOAD) {
    const list = (title: string, items: string[]) => {
      if (!items.length) return;
      console.log('');
      console.log(`  ${title}:`);
      for (const i of items.slice(0, 30)) console.log(`    ${i}`);
      if (items.length > 30) console.log(`    … and ${items.length - 30} more`);
    };
    list('Final splits', finalSplits);
    list('Lost updates', lostUpdates);
    list('2xx writes without a matching applied record', missingAudit);
    list(
      'Writes answered 5xx',
      writes.fivexx.map(
        x => `${x.status} ${JSON.stringify(x.body)} -> ${x.answer}`,
      ),
    );
    list(
      'Writes answered 4xx other than 409 (count, status, operation, message)',
      [...writes.other4xx].map(([k, v]) => `${v}x ${k}`),
    );
    list(
      'Reads answered 5xx or not at all (samples)',
      [...viewStat.samples, ...catalogStat.samples].map(
        s => `${s.status || 'NO ANSWER'} ${s.what} -> ${s.body}`,
      ),
    );
    list('Client-side errors (timeouts, resets)', [
      ...[...viewStat.errors].map(([k, v]) => `view: ${v}x ${k}`),
      ...[...catalogStat.errors].map(([k, v]) => `catalog: ${v}x ${k}`),
      ...[...writes.errors].map(([k, v]) => `writes: ${v}x ${k}`),
    ]);
  }
  console.log('');
  console.log(
    `  backend log: ${backendLog} (${errorLines.length} error lines)${
      errorLines.length ? '; first ones:' : ''
    }`,
  );
  for (const l of errorLines.slice(0, 15))
    console.log(`    ${excerpt(l, 400)}`);
  console.log(`  total run time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main()
  .catch(error => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    // Keep-alive sockets and the cluster's watchers would keep the event
    // loop alive: the run is over.
    process.exit();
  });
