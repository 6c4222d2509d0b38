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

// Benchmark of the rollout view against the real local kube-apiserver.
// Prints, in one run: the view served from the watch-backed cache versus a
// LIST-per-request approach, how fast a kubectl change becomes visible, and
// the cache's heap size. Run with ./bench/run rolloutView.
//
// Size (override with env): BENCH_VS=2000 BENCH_DR=2000 BENCH_DEPLOYMENTS=4000
// BENCH_HTTPROUTES=500 (default a quarter of BENCH_VS; at most BENCH_VS).
// An entity with an HTTPRoute also has its VirtualService: a service part
// way through a move from Istio to the Gateway API, and the view measured is
// such an entity's, so it builds both kinds of view.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  buildHttpRouteViews,
  buildVirtualServiceViews,
  readRolloutAnnotations,
  selectEntityHttpRoutes,
  selectEntityVirtualServices,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../plugins/istio-rollouts-backend/src/cluster/ClusterCaches';
import { KubeApi } from '../plugins/istio-rollouts-backend/src/cluster/KubeApi';
import { RolloutViewService } from '../plugins/istio-rollouts-backend/src/service/RolloutViewService';
import { EntityAccess } from '../plugins/istio-rollouts-backend/src/service/EntityAccess';
import { SignalTopics } from '../plugins/istio-rollouts-backend/src/service/signalTopics';

import { clusterApi, log, percentile, quietLogger, summary } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');

const VS_COUNT = Number(process.env.BENCH_VS ?? 2000);
const DR_COUNT = Number(process.env.BENCH_DR ?? 2000);
const DEPLOYMENT_COUNT = Number(process.env.BENCH_DEPLOYMENTS ?? 4000);
const HTTPROUTE_COUNT = Number(
  process.env.BENCH_HTTPROUTES ?? Math.floor(VS_COUNT / 4),
);
const NAMESPACES = 20;
const CACHED_ITERATIONS = 1000;
const NAIVE_ITERATIONS = 40;
const CHANGE_ITERATIONS = 40;

const run = promisify(execFile);

function ns(i: number) {
  return `bench-${i % NAMESPACES}`;
}

// The services that also have an HTTPRoute: every namespace gets its share.
// With the defaults, service-i for every fourth row of NAMESPACES services
// (rows 0, 4, 8, …), so 25 per namespace; further rows if more are asked.
function httpRouteOwners(): number[] {
  if (HTTPROUTE_COUNT > VS_COUNT)
    throw new Error(
      `BENCH_HTTPROUTES (${HTTPROUTE_COUNT}) must not exceed BENCH_VS (${VS_COUNT})`,
    );
  const stride = Math.max(
    1,
    Math.floor(VS_COUNT / Math.max(1, HTTPROUTE_COUNT)),
  );
  const all = Array.from({ length: VS_COUNT }, (_, i) => i);
  const first = all.filter(i => Math.floor(i / NAMESPACES) % stride === 0);
  const rest = all.filter(i => Math.floor(i / NAMESPACES) % stride !== 0);
  return [...first, ...rest].slice(0, HTTPROUTE_COUNT);
}

// Objects shaped like a real mesh: service-i has a Service, a DestinationRule
// with two subsets, a VirtualService at 90/10 and two Deployments.
function objectsFor(i: number) {
  const name = `service-${i}`;
  const namespace = ns(i);
  const labels = { app: name, 'backstage.io/kubernetes-id': name };
  const deployment = (version: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${name}-${version}`, namespace, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name, version } },
      template: {
        metadata: { labels: { app: name, version } },
        spec: {
          containers: [{ name: 'app', image: `example/${name}:${version}` }],
        },
      },
    },
  });
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    },
    destinationRule: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace },
      spec: {
        host: name,
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      },
    },
    virtualService: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace },
      spec: {
        hosts: [name],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: name, subset: 'v1' }, weight: 90 },
              { destination: { host: name, subset: 'v2' }, weight: 10 },
            ],
          },
        ],
      },
    },
    deployments: [deployment('v1'), deployment('v2')],
  };
}

// Gateway API (GAMMA) routing of service-i, shaped like the demo's
// inventory: the HTTPRoute's parent is the Service service-i, its one rule
// splits 90/10 across the Services service-i-v1 and service-i-v2, which
// select the two Deployments' pods.
function httpRouteObjectsFor(i: number) {
  const name = `service-${i}`;
  const namespace = ns(i);
  const labels = { app: name, 'backstage.io/kubernetes-id': name };
  const versionService = (version: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-${version}`, namespace, labels },
    spec: {
      selector: { app: name, version },
      ports: [{ name: 'http', port: 80 }],
    },
  });
  return {
    services: [versionService('v1'), versionService('v2')],
    httpRoute: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace, labels },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name, port: 80 }],
        rules: [
          {
            name: 'primary',
            backendRefs: [
              { name: `${name}-v1`, port: 80, weight: 90 },
              { name: `${name}-v2`, port: 80, weight: 10 },
            ],
          },
        ],
      },
    },
  };
}

// Linux PSI: microseconds during which some runnable task waited for a
// core, since boot; undefined where the kernel does not say.
function cpuStallMicros(): number | undefined {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0];
    const total = /total=(\d+)/.exec(line)?.[1];
    return total === undefined ? undefined : Number(total);
  } catch {
    return undefined;
  }
}

const weightsOf = (view: VirtualServiceView | undefined) =>
  JSON.stringify(view?.routes[0]?.destinations.map(d => d.weight));

// The entity's views must be one VirtualService and (when HTTPRoutes are
// generated) one HTTPRoute, both at 90/10, with their two versions and each
// version's Deployment (when the entity has Deployments): a figure measured
// on an empty or partial view would mean nothing.
function checkViews(
  views: VirtualServiceView[],
  what: string,
  withWorkloads: boolean,
) {
  const complete = (v: VirtualServiceView | undefined) =>
    v !== undefined &&
    weightsOf(v) === '[90,10]' &&
    v.versions.length === 2 &&
    v.versions.every(x => x.workloads.length === (withWorkloads ? 1 : 0));
  const vs = views.filter(v => (v.kind ?? 'VirtualService') !== 'HTTPRoute');
  const routes = views.filter(v => v.kind === 'HTTPRoute');
  if (vs.length !== 1 || !complete(vs[0]))
    throw new Error(
      `${what}: expected one VirtualService at 90/10: ${JSON.stringify(views)}`,
    );
  if (HTTPROUTE_COUNT > 0 && (routes.length !== 1 || !complete(routes[0])))
    throw new Error(
      `${what}: expected one HTTPRoute view at 90/10: ${JSON.stringify(views)}`,
    );
}

async function createAll(
  admin: KubeApi,
  items: Array<{ path: string; body: unknown }>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await (admin as any).requestJson('POST', item.path, undefined, item.body);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function main() {
  const cluster = await startCluster({ log });
  try {
    const admin = clusterApi(cluster);
    const t0 = Date.now();
    const items: Array<{ path: string; body: unknown }> = [];
    for (let n = 0; n < NAMESPACES; n++) {
      await (admin as any).requestJson(
        'POST',
        '/api/v1/namespaces',
        undefined,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns(n) } },
      );
    }
    for (
      let i = 0;
      i < Math.max(VS_COUNT, DR_COUNT, DEPLOYMENT_COUNT / 2);
      i++
    ) {
      const o = objectsFor(i);
      const namespace = ns(i);
      if (i < VS_COUNT) {
        items.push({
          path: `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices`,
          body: o.virtualService,
        });
        items.push({
          path: `/api/v1/namespaces/${namespace}/services`,
          body: o.service,
        });
      }
      if (i < DR_COUNT)
        items.push({
          path: `/apis/networking.istio.io/v1/namespaces/${namespace}/destinationrules`,
          body: o.destinationRule,
        });
      for (const d of o.deployments.slice(
        0,
        Math.max(0, Math.min(2, DEPLOYMENT_COUNT - 2 * i)),
      )) {
        items.push({
          path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          body: d,
        });
      }
    }
    const owners = httpRouteOwners();
    for (const i of owners) {
      const o = httpRouteObjectsFor(i);
      const namespace = ns(i);
      for (const service of o.services)
        items.push({
          path: `/api/v1/namespaces/${namespace}/services`,
          body: service,
        });
      items.push({
        path: `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`,
        body: o.httpRoute,
      });
    }
    await createAll(admin, items);
    log(
      `created ${items.length} objects in ${((Date.now() - t0) / 1000).toFixed(
        1,
      )} s`,
    );

    const pluginCluster = {
      name: 'bench',
      url: cluster.apiserverUrl,
      serviceAccountToken: cluster.tokens.plugin,
      caData: cluster.caData,
      skipTLSVerify: false,
    };
    const logger = quietLogger;
    const gc = (global as any).gc as (() => void) | undefined;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const caches = new ClusterCaches({
      clusters: [pluginCluster],
      logger,
      debounceMs: 0,
    });
    const tSync = Date.now();
    caches.start();
    const cache = caches.list()[0];
    if (!(await cache.waitForSync(120_000)))
      throw new Error(`cache did not sync: ${JSON.stringify(cache.error())}`);
    const syncMs = Date.now() - tSync;
    gc?.();
    const heapAfter = process.memoryUsage().heapUsed;

    // An entity with both a VirtualService and an HTTPRoute (when there are
    // HTTPRoutes), half-way through the generated ones.
    const target = owners.length ? owners[owners.length >> 1] : VS_COUNT >> 1;
    // Deployments are made for service-0, service-1, … while they last.
    const withWorkloads = 2 * target + 2 <= DEPLOYMENT_COUNT;
    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: `service-${target}`,
        namespace: 'default',
        annotations: {
          'backstage.io/kubernetes-id': `service-${target}`,
          'backstage.io/kubernetes-namespace': ns(target),
        },
      },
      spec: {},
    };
    const catalog = {
      getEntityByRef: async () => entity,
      getEntities: async () => ({ items: [entity] }),
    } as any;
    // With the ownership rules on, as in production: the view says which
    // routes the cluster does not let this entity change.
    const access = new EntityAccess({
      catalog,
      permissions: {} as any,
      auth: { getOwnServiceCredentials: async () => ({}) } as any,
      policy: { mode: 'cluster-label', label: 'backstage.io/kubernetes-id' },
    });
    const views = new RolloutViewService({
      caches,
      access,
      topics: new SignalTopics(randomBytes(32)),
    });
    const check = await views.getEntityView(entity);
    checkViews(check.clusters[0].virtualServices, 'cached view', withWorkloads);

    const cached: number[] = [];
    // The process's CPU time per request as well: on a shared 2-core
    // machine the wall-clock tail also measures waiting for a core.
    const cachedCpu: number[] = [];
    const stallBefore = cpuStallMicros();
    const wallBefore = performance.now();
    let last = check;
    for (let i = 0; i < CACHED_ITERATIONS; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      last = await views.getEntityView(entity);
      cached.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cachedCpu.push((used.user + used.system) / 1000);
    }
    checkViews(
      last.clusters[0].virtualServices,
      'cached view, last request',
      withWorkloads,
    );
    const stallAfter = cpuStallMicros();
    const stalled =
      stallBefore === undefined || stallAfter === undefined
        ? 'unknown'
        : `${(
            (stallAfter - stallBefore) /
            10 /
            (performance.now() - wallBefore)
          ).toFixed(0)}%`;
    log(
      `view from the cache, CPU time: ${summary(
        cachedCpu,
      )}; some task waited for a core during ${stalled} of the time (Linux PSI)`,
    );

    // The naive approaches: LIST on each request, then the same pure logic.
    // Cluster-wide (what discovery without a cache must do), and scoped to the
    // entity's namespace (the best case: the entity names its namespace).
    const naiveApi = new KubeApi({ cluster: pluginCluster });
    const listAndBuild = async (
      prefix: (plural: string, group: string) => string,
    ) => {
      const [
        virtualServices,
        destinationRules,
        deployments,
        services,
        httpRoutes,
      ] = await Promise.all(
        [
          prefix('virtualservices', '/apis/networking.istio.io/v1'),
          prefix('destinationrules', '/apis/networking.istio.io/v1'),
          prefix('deployments', '/apis/apps/v1'),
          prefix('services', '/api/v1'),
          prefix('httproutes', '/apis/gateway.networking.k8s.io/v1'),
        ].map(p => naiveApi.list<any>(p).then(l => l.items)),
      );
      const annotations = readRolloutAnnotations(entity as any);
      const objects = {
        virtualServices,
        destinationRules,
        deployments,
        services,
        rollouts: [],
        canaries: [],
      };
      return [
        ...buildVirtualServiceViews(
          selectEntityVirtualServices(annotations, objects),
        ),
        ...buildHttpRouteViews(
          selectEntityHttpRoutes(annotations, { ...objects, httpRoutes }),
        ),
      ];
    };
    const naive: number[] = [];
    const naiveScoped: number[] = [];
    for (let i = 0; i < NAIVE_ITERATIONS; i++) {
      let t = performance.now();
      const wide = await listAndBuild((plural, group) => `${group}/${plural}`);
      naive.push(performance.now() - t);
      t = performance.now();
      const scoped = await listAndBuild(
        (plural, group) => `${group}/namespaces/${ns(target)}/${plural}`,
      );
      naiveScoped.push(performance.now() - t);
      checkViews(wide, 'naive view, cluster-wide', withWorkloads);
      checkViews(scoped, 'naive view, one namespace', withWorkloads);
    }
    naiveApi.close();

    // A kubectl change, until the plugin's view shows it.
    const visible: number[] = [];
    const endToEnd: number[] = [];
    for (let i = 0; i < CHANGE_ITERATIONS; i++) {
      const canary = i % 2 === 0 ? 40 : 10;
      const tStart = performance.now();
      await run(cluster.kubectl, [
        '--kubeconfig',
        cluster.kubeconfigs.admin,
        '-n',
        ns(target),
        'patch',
        'virtualservice',
        `service-${target}`,
        '--type=json',
        '-p',
        JSON.stringify([
          {
            op: 'replace',
            path: '/spec/http/0/route/0/weight',
            value: 100 - canary,
          },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: canary },
        ]),
      ]);
      const tApplied = performance.now();
      for (;;) {
        const v = await views.getEntityView(entity);
        const vs = v.clusters[0].virtualServices.find(
          view => view.kind !== 'HTTPRoute',
        );
        if (vs?.routes[0]?.destinations[1]?.weight === canary) break;
        if (performance.now() - tApplied > 10_000)
          throw new Error('change not visible after 10 s');
        await new Promise(r => setTimeout(r, 2));
      }
      const tSeen = performance.now();
      visible.push(tSeen - tApplied);
      endToEnd.push(tSeen - tStart);
    }

    const counts = cache.counts();
    const p99Cached = percentile(cached, 99);
    const p99Naive = percentile(naive, 99);
    console.log('');
    console.log(
      `Rollout view benchmark: ${counts.virtualServices} VirtualServices, ${counts.httpRoutes} HTTPRoutes, ${counts.destinationRules} DestinationRules, ${counts.deployments} Deployments, ${counts.services} Services (real kube-apiserver, loopback)`,
    );
    console.log(`  cache initial sync:                 ${syncMs} ms`);
    console.log(
      `  view from the watch-backed cache:   ${summary(
        cached,
      )} (${CACHED_ITERATIONS} requests)`,
    );
    console.log(
      `  LIST per request, cluster-wide:     ${summary(
        naive,
      )} (${NAIVE_ITERATIONS} requests)`,
    );
    console.log(
      `  LIST per request, one namespace:    ${summary(
        naiveScoped,
      )} (${NAIVE_ITERATIONS} requests)`,
    );
    console.log(
      `  cache speed-up at p99:              ${(p99Naive / p99Cached).toFixed(
        0,
      )}x cluster-wide, ${(percentile(naiveScoped, 99) / p99Cached).toFixed(
        0,
      )}x namespace-scoped (p50: ${(
        percentile(naive, 50) / percentile(cached, 50)
      ).toFixed(0)}x, ${(
        percentile(naiveScoped, 50) / percentile(cached, 50)
      ).toFixed(0)}x)`,
    );
    console.log(
      `  kubectl change visible in the view: ${summary(
        visible,
      )} after kubectl returned; ${summary(
        endToEnd,
      )} including kubectl itself (${CHANGE_ITERATIONS} changes)`,
    );
    console.log(
      `  cache heap size:                    ${(
        (heapAfter - heapBefore) /
        1024 /
        1024
      ).toFixed(1)} MiB${
        gc ? '' : ' (run with --expose-gc for an exact figure)'
      } for ${Object.values(counts).reduce((a, b) => a + b, 0)} objects`,
    );

    await caches.stop();
    admin.close();
  } finally {
    await cluster.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
