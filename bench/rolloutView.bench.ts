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

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  buildVirtualServiceViews,
  readRolloutAnnotations,
  selectEntityVirtualServices,
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
const NAMESPACES = 20;
const CACHED_ITERATIONS = 1000;
const NAIVE_ITERATIONS = 40;
const CHANGE_ITERATIONS = 40;

const run = promisify(execFile);

function ns(i: number) {
  return `bench-${i % NAMESPACES}`;
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

    const target = VS_COUNT >> 1;
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
    const checkWeights =
      check.clusters[0].virtualServices[0]?.routes[0]?.destinations.map(
        d => d.weight,
      );
    if (JSON.stringify(checkWeights) !== '[90,10]')
      throw new Error(`unexpected view: ${JSON.stringify(check)}`);

    const cached: number[] = [];
    for (let i = 0; i < CACHED_ITERATIONS; i++) {
      const t = performance.now();
      await views.getEntityView(entity);
      cached.push(performance.now() - t);
    }

    // The naive approaches: LIST on each request, then the same pure logic.
    // Cluster-wide (what discovery without a cache must do), and scoped to the
    // entity's namespace (the best case: the entity names its namespace).
    const naiveApi = new KubeApi({ cluster: pluginCluster });
    const listAndBuild = async (
      prefix: (plural: string, group: string) => string,
    ) => {
      const [virtualServices, destinationRules, deployments, services] =
        await Promise.all(
          [
            prefix('virtualservices', '/apis/networking.istio.io/v1'),
            prefix('destinationrules', '/apis/networking.istio.io/v1'),
            prefix('deployments', '/apis/apps/v1'),
            prefix('services', '/api/v1'),
          ].map(p => naiveApi.list<any>(p).then(l => l.items)),
        );
      const selected = selectEntityVirtualServices(
        readRolloutAnnotations(entity as any),
        {
          virtualServices,
          destinationRules,
          deployments,
          services,
          rollouts: [],
          canaries: [],
        },
      );
      return buildVirtualServiceViews(selected);
    };
    const naive: number[] = [];
    const naiveScoped: number[] = [];
    for (let i = 0; i < NAIVE_ITERATIONS; i++) {
      let t = performance.now();
      await listAndBuild((plural, group) => `${group}/${plural}`);
      naive.push(performance.now() - t);
      t = performance.now();
      const scoped = await listAndBuild(
        (plural, group) => `${group}/namespaces/${ns(target)}/${plural}`,
      );
      naiveScoped.push(performance.now() - t);
      if (scoped[0]?.routes[0]?.destinations[1]?.weight !== 10)
        throw new Error('naive view differs');
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
        if (
          v.clusters[0].virtualServices[0]?.routes[0]?.destinations[1]
            ?.weight === canary
        )
          break;
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
      `Rollout view benchmark: ${counts.virtualServices} VirtualServices, ${counts.destinationRules} DestinationRules, ${counts.deployments} Deployments, ${counts.services} Services (real kube-apiserver, loopback)`,
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
