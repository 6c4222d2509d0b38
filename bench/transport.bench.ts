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

// Benchmark of the transport under the plugin's reads and writes: the
// plugin's own https client (KubeApi) next to @kubernetes/client-node 1.4.0,
// used as an adopter's code uses it by default (B) and with one shared
// keep-alive agent (B'), against the same real kube-apiserver, interleaved in
// one run, as the plugin's identity. Run with ./bench/run transport.

import { execFileSync } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { clusterApi, log, percentile } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');
// The CommonJS exports object, the one https.Agent calls connect() on.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsModule: typeof import('node:tls') = require('node:tls');

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 100);
const LOAD_RUNS = 3;
const NS = 'bench-transport';
const VS = 'web';
const GROUP = 'networking.istio.io';
const VERSION = 'v1';
const PLURAL = 'virtualservices';
const COLLECTION = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
const VS_PATH = `${COLLECTION}/${VS}`;
const ROOT = path.resolve(__dirname, '..');
const KUBE_API = path.join(
  ROOT,
  'plugins/istio-rollouts-backend/src/cluster/KubeApi.ts',
);
const MiB = 1024 * 1024;

interface Client {
  label: string;
  get(): Promise<any>;
  patch(ops: unknown[]): Promise<any>;
  gets: number[];
  patches: number[];
  /** TLS connections opened during the measured calls. */
  handshakes: number;
}

// Counts TLS connections per client: every https.Agent opens its sockets
// through tls.connect.
let counting: Client | undefined;
const connect = tlsModule.connect;
(tlsModule as any).connect = function countedConnect(...args: any[]) {
  if (counting) counting.handshakes++;
  return (connect as any).apply(this, args);
};

const gc = () => {
  const collect = (global as any).gc as (() => void) | undefined;
  if (!collect) throw new Error('run with --expose-gc (./bench/run does)');
  collect();
  collect();
};

interface LoadFigure {
  ms: number;
  rss: number;
  heap: number;
}

// Loading a client in a fresh Node process (the same flags as this one):
// the time of the require / import and the memory after it, next to an
// empty process. The median of LOAD_RUNS runs of each.
function freshProcessLoad(): Record<'empty' | 'A' | 'B', LoadFigure> {
  const report = `global.gc(); global.gc(); const m = process.memoryUsage();
    console.log(JSON.stringify({ ms, rss: m.rss, heap: m.heapUsed }));`;
  const scripts = {
    empty: `const ms = 0; ${report}`,
    A: `const t = performance.now();
      const { KubeApi } = require(${JSON.stringify(KUBE_API)});
      const ms = performance.now() - t;
      new KubeApi({ cluster: { name: 'c', url: 'https://127.0.0.1:1',
        serviceAccountToken: 't', skipTLSVerify: false } });
      ${report}`,
    B: `(async () => {
      const t = performance.now();
      const k8s = await import('@kubernetes/client-node');
      const ms = performance.now() - t;
      const kc = new k8s.KubeConfig();
      kc.loadFromClusterAndUser({ name: 'c', server: 'https://127.0.0.1:1',
        skipTLSVerify: false }, { name: 'u', token: 't' });
      kc.makeApiClient(k8s.CustomObjectsApi);
      ${report}
    })();`,
  };
  const runs: Record<string, LoadFigure[]> = { empty: [], A: [], B: [] };
  for (let i = 0; i < LOAD_RUNS; i++) {
    for (const [name, code] of Object.entries(scripts)) {
      const out = execFileSync(
        process.execPath,
        [
          '--expose-gc',
          '--require',
          '@backstage/cli/config/nodeTransform.cjs',
          '-e',
          code,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      runs[name].push(JSON.parse(out.trim().split('\n').pop()!));
    }
  }
  const median = (figures: LoadFigure[]): LoadFigure => {
    const of = (k: keyof LoadFigure) =>
      percentile(
        figures.map(f => f[k]),
        50,
      );
    return { ms: of('ms'), rss: of('rss'), heap: of('heap') };
  };
  return {
    empty: median(runs.empty),
    A: median(runs.A),
    B: median(runs.B),
  };
}

// When each watcher saw each resourceVersion.
class Seen {
  private readonly at = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();
  mark(rv: string) {
    this.at.set(rv, performance.now());
    this.waiting.get(rv)?.();
  }
  when(rv: string, what: string): Promise<number> {
    const at = this.at.get(rv);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: no event for ${rv} within 5 s`)),
        5000,
      );
      this.waiting.set(rv, () => {
        clearTimeout(timer);
        this.waiting.delete(rv);
        resolve(this.at.get(rv)!);
      });
    });
  }
}

async function main() {
  // The plugin's client is loaded with this file (bench/lib/stats imports it).
  gc();
  const withA = process.memoryUsage();
  const t = performance.now();
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const importMs = performance.now() - t;
  gc();
  const withB = process.memoryUsage();

  log(`loading each client in fresh processes (${LOAD_RUNS} runs each)`);
  const fresh = freshProcessLoad();

  const cluster = await startCluster({ log });
  try {
    const admin = clusterApi(cluster);
    await (admin as any).requestJson('POST', '/api/v1/namespaces', undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    const created: any = await (admin as any).requestJson(
      'POST',
      COLLECTION,
      undefined,
      {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'VirtualService',
        metadata: { name: VS },
        spec: {
          hosts: ['web'],
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: 'web', subset: 'v1' }, weight: 90 },
                { destination: { host: 'web', subset: 'v2' }, weight: 10 },
              ],
            },
          ],
        },
      },
    );
    admin.close();

    // A: the plugin's client, as the plugin's identity.
    const kubeApi = clusterApi(cluster, 'plugin');
    // B: client-node as an adopter's code builds it by default.
    const kc = new k8s.KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'bench',
        server: cluster.apiserverUrl,
        caData: cluster.caData,
        skipTLSVerify: false,
      },
      { name: 'istio-rollouts', token: cluster.tokens.plugin },
    );
    const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
    const jsonPatch = k8s.setHeaderOptions(
      'Content-Type',
      k8s.PatchStrategy.JsonPatch,
    );
    // B': the same, with one keep-alive agent (CA, client certificate if
    // any, from the KubeConfig) set on every call by a middleware, and a
    // deadline per call as KubeApi has.
    const httpsOptions: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(httpsOptions);
    const agent = new https.Agent({
      keepAlive: true,
      ca: httpsOptions.ca,
      cert: httpsOptions.cert,
      key: httpsOptions.key,
    });
    const keepAlive: K8s.ObservableMiddleware = {
      pre: ctx => {
        ctx.setAgent(agent);
        ctx.setSignal(AbortSignal.timeout(10_000));
        return new k8s.Observable(Promise.resolve(ctx));
      },
      post: res => new k8s.Observable(Promise.resolve(res)),
    };
    const tuned = {
      middleware: [keepAlive],
      middlewareMergeStrategy: 'append' as const,
    };
    const tunedPatch = k8s.setHeaderOptions(
      'Content-Type',
      k8s.PatchStrategy.JsonPatch,
      tuned,
    );
    const target = {
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      name: VS,
    };
    const fresh0 = () => ({ gets: [], patches: [], handshakes: 0 });
    const clients: Client[] = [
      {
        label: 'A: plugin KubeApi',
        get: () => kubeApi.get(VS_PATH),
        patch: ops => kubeApi.jsonPatch(VS_PATH, ops, 'bench'),
        ...fresh0(),
      },
      {
        label: 'B: client-node as is',
        get: () => customObjects.getNamespacedCustomObject(target),
        patch: ops =>
          customObjects.patchNamespacedCustomObject(
            { ...target, body: ops, fieldManager: 'bench' },
            jsonPatch,
          ),
        ...fresh0(),
      },
      {
        label: "B': client-node + keep-alive",
        get: () => customObjects.getNamespacedCustomObject(target, tuned),
        patch: ops =>
          customObjects.patchNamespacedCustomObject(
            { ...target, body: ops, fieldManager: 'bench' },
            tunedPatch,
          ),
        ...fresh0(),
      },
    ];

    // The object as the plugin's cache holds it: the resourceVersion and
    // split of the last write, whichever client made it.
    let rv: string = created.metadata.resourceVersion;
    let canary = 10;
    const weights = (o: any) =>
      o?.spec?.http?.[0]?.route?.map((r: any) => r.weight).join('/');
    const call = async (client: Client, measured: boolean) => {
      counting = measured ? client : undefined;
      let start = performance.now();
      const got = await client.get();
      const getMs = performance.now() - start;
      if (
        got?.metadata?.resourceVersion !== rv ||
        weights(got) !== `${100 - canary}/${canary}`
      ) {
        throw new Error(
          `${client.label}: GET answered rv ${
            got?.metadata?.resourceVersion
          } split ${weights(got)}, expected rv ${rv} split ${
            100 - canary
          }/${canary}`,
        );
      }
      const next = canary === 10 ? 25 : 10;
      start = performance.now();
      const patched = await client.patch([
        { op: 'test', path: '/metadata/resourceVersion', value: rv },
        {
          op: 'replace',
          path: '/spec/http/0/route/0/weight',
          value: 100 - next,
        },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: next },
      ]);
      const patchMs = performance.now() - start;
      counting = undefined;
      const newRv = patched?.metadata?.resourceVersion;
      if (
        !newRv ||
        newRv === rv ||
        weights(patched) !== `${100 - next}/${next}`
      ) {
        throw new Error(
          `${client.label}: the patch answered rv ${newRv} split ${weights(
            patched,
          )}`,
        );
      }
      rv = newRv;
      canary = next;
      if (measured) {
        client.gets.push(getMs);
        client.patches.push(patchMs);
      }
    };
    log(
      `${WARMUP} warm-up + ${ITERATIONS} measured GET + guarded patch per client, interleaved`,
    );
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      // A, B, B' in rotation; who goes first changes every round.
      for (let k = 0; k < clients.length; k++) {
        await call(clients[(i + k) % clients.length], i >= WARMUP);
      }
    }
    gc();
    const afterRun = process.memoryUsage();

    // Watch delivery: both watches open at once on the collection; the
    // plugin's client writes; time from sending each write to each watcher's
    // MODIFIED event for that resourceVersion.
    log(`watch delivery: ${WATCH_EVENTS} writes, two watches`);
    const seenA = new Seen();
    const seenB = new Seen();
    const stopA = new AbortController();
    const watchA = kubeApi
      .watch(
        COLLECTION,
        rv,
        event => {
          if (event.type === 'MODIFIED')
            seenA.mark(event.object.metadata.resourceVersion);
        },
        stopA.signal,
      )
      .catch(error => log(`A watch: ${error}`));
    let stopping = false;
    const stopB = await new k8s.Watch(kc).watch(
      COLLECTION,
      { resourceVersion: rv, allowWatchBookmarks: true },
      (phase, obj) => {
        if (phase === 'MODIFIED') seenB.mark(obj.metadata.resourceVersion);
      },
      error => {
        if (!stopping && error) log(`B watch: ${error}`);
      },
    );
    const watchA_ms: number[] = [];
    const watchB_ms: number[] = [];
    for (let i = 0; i < WATCH_EVENTS + 5; i++) {
      const next = canary === 10 ? 25 : 10;
      const start = performance.now();
      const patched: any = await kubeApi.jsonPatch(
        VS_PATH,
        [
          { op: 'test', path: '/metadata/resourceVersion', value: rv },
          {
            op: 'replace',
            path: '/spec/http/0/route/1/weight',
            value: next,
          },
          {
            op: 'replace',
            path: '/spec/http/0/route/0/weight',
            value: 100 - next,
          },
        ],
        'bench',
      );
      rv = patched.metadata.resourceVersion;
      canary = next;
      const [atA, atB] = await Promise.all([
        seenA.when(rv, 'A watch'),
        seenB.when(rv, 'B watch'),
      ]);
      // The first 5 let both streams settle.
      if (i >= 5) {
        watchA_ms.push(atA - start);
        watchB_ms.push(atB - start);
      }
    }
    stopping = true;
    stopA.abort();
    stopB.abort();
    await watchA;
    kubeApi.close();
    agent.destroy();

    const [A, B, Bt] = clients;
    const col = (s: string) => s.padEnd(32);
    const row = (label: string, a: string, b: string, bt: string) =>
      console.log(`  ${label.padEnd(34)}${col(a)}${col(b)}${bt}`);
    const pcts = (v: number[]) =>
      `${[50, 95, 99].map(p => percentile(v, p).toFixed(2)).join(' / ')} ms`;
    const ratio = (x: number[], y: number[], p: number) =>
      `${(percentile(x, p) / percentile(y, p)).toFixed(2)}x`;
    const delta = (x: number[], y: number[], p: number) => {
      const d = percentile(x, p) - percentile(y, p);
      return `${d >= 0 ? '+' : ''}${d.toFixed(2)} ms`;
    };
    const mem = (m: { rss: number; heapUsed?: number; heap?: number }) =>
      `${(m.rss / MiB).toFixed(0)} / ${((m.heapUsed ?? m.heap!) / MiB).toFixed(
        1,
      )} MiB`;
    const over = (f: LoadFigure) =>
      `${f.ms.toFixed(0)} ms, +${((f.rss - fresh.empty.rss) / MiB).toFixed(
        0,
      )} / +${((f.heap - fresh.empty.heap) / MiB).toFixed(1)} MiB`;

    console.log('');
    console.log(
      `Transport (one VirtualService, plugin identity, real kube-apiserver, loopback; ${ITERATIONS} calls each after ${WARMUP} warm-up, A/B/B' interleaved):`,
    );
    row('', A.label, B.label, Bt.label);
    row('GET p50 / p95 / p99', pcts(A.gets), pcts(B.gets), pcts(Bt.gets));
    row(
      'guarded JSON Patch p50/p95/p99',
      pcts(A.patches),
      pcts(B.patches),
      pcts(Bt.patches),
    );
    row(
      'vs A at p50 (GET, patch)',
      '-',
      `${ratio(B.gets, A.gets, 50)}, ${ratio(B.patches, A.patches, 50)}`,
      `${ratio(Bt.gets, A.gets, 50)}, ${ratio(Bt.patches, A.patches, 50)}`,
    );
    row(
      'patch: added per write p50/p95',
      '-',
      `${delta(B.patches, A.patches, 50)} / ${delta(B.patches, A.patches, 95)}`,
      `${delta(Bt.patches, A.patches, 50)} / ${delta(
        Bt.patches,
        A.patches,
        95,
      )}`,
    );
    row(
      `new TLS connections, ${2 * ITERATIONS} calls`,
      String(A.handshakes),
      String(B.handshakes),
      String(Bt.handshakes),
    );
    row(
      `watch: write sent -> event (${WATCH_EVENTS})`,
      pcts(watchA_ms),
      pcts(watchB_ms),
      '(as B)',
    );
    row(
      'load in this process',
      '(loaded with the plugin)',
      `import() ${importMs.toFixed(0)} ms`,
      '(same module as B)',
    );
    row('  RSS / heap after loading', mem(withA), mem(withB), mem(withB));
    row(
      'fresh process: load, +RSS/+heap',
      over(fresh.A),
      over(fresh.B),
      '(same as B)',
    );
    console.log(
      `  (fresh process: median of ${LOAD_RUNS}, over an empty one with the same flags: ${mem(
        fresh.empty,
      )}; A includes transpiling its .ts, as this bench runs it)`,
    );
    console.log(
      "  (new TLS connections: A and B' reuse the one they opened in the warm-up)",
    );
    console.log(
      `  this process after all the calls: ${mem(
        afterRun,
      )} (every client loaded)`,
    );
    console.log('');
    console.log(
      "Goals these figures feed (set in issues 4 and 5; README's Performance section gives the figures, not these goal lines):",
    );
    console.log(
      "  promote: a promotion through the plugin <= 2x a raw client's single JSON Patch, at p50",
    );
    console.log(
      '  rolloutView: one view from the cache p99 <= 15 ms (no API call per view) and >= 20x faster than a LIST per request; a kubectl change visible through the API within 1 s (p95: the watch)',
    );
  } finally {
    await cluster.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
