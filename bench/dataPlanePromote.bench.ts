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

// How long from a person's promote to the live requests following it: the
// plugin's route-actions API writes the VirtualService, the real istiod
// pushes the new routes, gRPC's proxyless xDS client (the traffic
// generator) sends requests by them. Measured on a private cluster with
// the data plane (test/cluster, `dataplane: true`).
//
// Each promotion moves all traffic from one version to the other (100/0 ↔
// 0/100), so every request says by itself whether it follows the new split.
// "Followed" = the earliest moment after which at least 95 % of the
// requests started in every 200 ms window went to the new version. Next to
// it, in the same run and on the same VirtualService, the naive way: the
// same change as a JSON patch straight to the API server (no plugin), and
// istiod's own share read from its metrics: the change's wait in the
// debounce (pilot_debounce_time) plus the push until the client holds the
// new routes (pilot_proxy_convergence_time).
// Run with ./bench/run dataPlanePromote [--promotions=20] [--rate=200].

import { postWebRouteAction, startPluginServer } from './lib/pluginServer';
import { clusterApi, log, percentile } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');

const NS = 'bench-dataplane';
const HOST = `web.${NS}.svc.cluster.local`;
const TARGET = `xds:///${HOST}:9080`;
const BUCKET_MS = 50;
const WINDOW_BUCKETS = 4; // 200 ms
const FOLLOW_SHARE = 0.95;
// How long after a promotion its requests are watched before the next one.
const SETTLE_MS = 2_500;

function arg(name: string, fallback: number): number {
  const found = process.argv.find(a => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Bucket {
  from: number;
  to: number;
  total: number;
  ok: number;
  byVersion: Record<string, number>;
  errors: Record<string, number>;
}

/**
 * Milliseconds from `t0` to the start of the first window (WINDOW_BUCKETS
 * buckets) from which on every window has ≥ 95 % of its answered requests
 * on `version`; undefined if that never happens.
 */
function followedAfter(
  buckets: Bucket[],
  t0: number,
  version: string,
): number | undefined {
  const share = (from: number) => {
    let ok = 0;
    let on = 0;
    for (let i = from; i < from + WINDOW_BUCKETS; i++) {
      ok += buckets[i].ok;
      on += buckets[i].byVersion[version] ?? 0;
    }
    return ok === 0 ? 0 : on / ok;
  };
  const last = buckets.length - WINDOW_BUCKETS;
  let first: number | undefined;
  for (let i = last; i >= 0; i--) {
    if (share(i) >= FOLLOW_SHARE) first = i;
    else break;
  }
  return first === undefined ? undefined : buckets[first].from - t0;
}

async function convergence(monitoringUrl: string) {
  const text = await (await fetch(`${monitoringUrl}/metrics`)).text();
  const value = (name: string) => {
    const line = text
      .split('\n')
      .find(l => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  // Both in seconds: how long a change waited in istiod's debounce (100 ms
  // by default, for more changes to merge), and from the merged push to
  // the client holding all of it.
  return {
    debounceSum: value('pilot_debounce_time_sum'),
    debounceCount: value('pilot_debounce_time_count'),
    sum: value('pilot_proxy_convergence_time_sum'),
    count: value('pilot_proxy_convergence_time_count'),
  };
}

async function main() {
  const promotions = arg('promotions', 20);
  const rate = arg('rate', 200);
  const cluster = await startCluster({ log, dataplane: true });
  let traffic: { url: string; stop(): Promise<void> } | undefined;
  let plugin: { base: string; stop(): Promise<void> } | undefined;
  try {
    const admin = clusterApi(cluster) as any;
    const post = (path: string, body: unknown) =>
      admin.requestJson('POST', path, undefined, body);
    await post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'backstage.io/kubernetes-id': 'web' } },
    });
    await post(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [{ name: 'grpc', port: 9080, appProtocol: 'grpc' }],
      },
    });
    for (const version of ['v1', 'v2']) {
      await post(`/apis/apps/v1/namespaces/${NS}/deployments`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `web-${version}` },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web', version } },
          template: {
            metadata: { labels: { app: 'web', version } },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: `example/web:${version}`,
                  ports: [{ containerPort: 9080 }],
                },
              ],
            },
          },
        },
      });
    }
    await post(
      `/apis/networking.istio.io/v1/namespaces/${NS}/destinationrules`,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'web' },
        spec: {
          host: 'web',
          subsets: ['v1', 'v2'].map(v => ({ name: v, labels: { version: v } })),
        },
      },
    );
    const vsPath = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/web`;
    await post(
      `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'web' },
        spec: {
          hosts: ['web'],
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: 'web', subset: 'v1' }, weight: 100 },
                { destination: { host: 'web', subset: 'v2' }, weight: 0 },
              ],
            },
          ],
        },
      },
    );
    // Both versions served by a pod-server on their pod's IP.
    const deadline = Date.now() + 120_000;
    while (
      cluster.dataplane.served().filter((p: any) => p.namespace === NS).length <
      2
    ) {
      if (Date.now() > deadline) throw new Error('pods never served');
      await sleep(200);
    }
    traffic = await cluster.dataplane.startTraffic({
      targets: [TARGET],
      rate,
      mix: 'anonymous:100',
      sourceNamespace: NS,
    });
    const trafficUrl = traffic!.url;
    const timeline = async (from: number, to: number): Promise<Bucket[]> => {
      const url = `${trafficUrl}/timeline?target=${encodeURIComponent(
        TARGET,
      )}&from=${from}&to=${to}&bucket=${BUCKET_MS}`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Bucket[];
    };
    // Traffic flows before the first promotion.
    const warm = Date.now();
    while (true) {
      const b = await timeline(Date.now() - 1000, Date.now());
      if (b.reduce((n, x) => n + (x.byVersion.v1 ?? 0), 0) > rate / 2) break;
      if (Date.now() - warm > 60_000) throw new Error('no traffic reached v1');
      await sleep(200);
    }

    plugin = await startPluginServer(cluster, { namespace: NS });
    const base = plugin.base;
    const viaPlugin = (to: string) =>
      postWebRouteAction(
        base,
        NS,
        {
          type: 'set-weights',
          weights: ['v1', 'v2'].map(v => ({
            host: 'web',
            subset: v,
            weight: v === to ? 100 : 0,
          })),
        },
        'benchmark',
      );
    const naive = async (to: string) => {
      await admin.requestJson(
        'PATCH',
        vsPath,
        undefined,
        [
          {
            op: 'replace',
            path: '/spec/http/0/route/0/weight',
            value: to === 'v1' ? 100 : 0,
          },
          {
            op: 'replace',
            path: '/spec/http/0/route/1/weight',
            value: to === 'v2' ? 100 : 0,
          },
        ],
        'application/json-patch+json',
      );
    };

    const monitoringUrl = cluster.dataplane.istiod.monitoringUrl;
    const results: Record<
      'plugin' | 'naive',
      {
        api: number[];
        followed: number[];
        pushed: number[];
        errors: number;
        requests: number;
      }
    > = {
      plugin: { api: [], followed: [], pushed: [], errors: 0, requests: 0 },
      naive: { api: [], followed: [], pushed: [], errors: 0, requests: 0 },
    };
    let current = 'v1';
    let missed = 0;
    for (let i = 0; i < promotions * 2; i++) {
      const way = i % 2 === 0 ? 'plugin' : 'naive';
      const to = current === 'v1' ? 'v2' : 'v1';
      const before = await convergence(monitoringUrl);
      const t0 = Date.now();
      await (way === 'plugin' ? viaPlugin(to) : naive(to));
      const answered = Date.now() - t0;
      await sleep(SETTLE_MS);
      const buckets = await timeline(t0, t0 + SETTLE_MS - 100);
      const after = await convergence(monitoringUrl);
      const followed = followedAfter(buckets, t0, to);
      const r = results[way];
      r.api.push(answered);
      if (followed === undefined) missed++;
      else r.followed.push(followed);
      if (
        after.count > before.count &&
        after.debounceCount > before.debounceCount
      ) {
        r.pushed.push(
          ((after.debounceSum - before.debounceSum) /
            (after.debounceCount - before.debounceCount) +
            (after.sum - before.sum) / (after.count - before.count)) *
            1000,
        );
      }
      for (const b of buckets) {
        r.requests += b.total;
        r.errors += Object.values(b.errors).reduce((n, x) => n + x, 0);
      }
      current = to;
    }

    const fmt = (values: number[]) =>
      values.length
        ? `p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(
            values,
            95,
          ).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`
        : 'n/a';
    console.log(
      `dataPlanePromote: ${promotions} promotions each way (100/0 <-> 0/100), traffic ${rate} req/s through gRPC proxyless xDS, ${BUCKET_MS} ms buckets, followed = >= ${
        FOLLOW_SHARE * 100
      } % of every ${BUCKET_MS * WINDOW_BUCKETS} ms window on the new version`,
    );
    for (const way of ['plugin', 'naive'] as const) {
      const r = results[way];
      console.log(
        `${
          way === 'plugin'
            ? 'through the plugin API '
            : 'naive JSON patch      '
        }  API answered: ${fmt(r.api)}; traffic followed: ${fmt(
          r.followed,
        )}; istiod push (debounce + to the client): ${fmt(r.pushed)}; errors ${
          r.errors
        } of ${r.requests} requests`,
      );
    }
    if (missed)
      console.log(
        `promotions whose traffic never followed within ${SETTLE_MS} ms: ${missed}`,
      );
    const p95 = percentile(results.plugin.followed, 95);
    console.log(
      `goal p95 <= 2000 ms from the promote call to the traffic following it: ${
        p95 <= 2000 && !missed ? 'met' : 'NOT met'
      } (p95 ${p95?.toFixed(0)} ms)`,
    );
  } finally {
    await traffic?.stop().catch(() => {});
    await plugin?.stop().catch(() => {});
    await cluster.stop();
  }
}

main().catch(error => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
