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

// Benchmark of a promotion round trip through the plugin's HTTP API
// (validate, authorize, read fresh, plan, conditional JSON Patch) against a
// raw client sending a JSON Patch to the same real kube-apiserver, in one
// run. Run with ./bench/run promote.

import { postWebRouteAction, startPluginServer } from './lib/pluginServer';
import { clusterApi, log, percentile, summary } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const NS = 'bench-promote';

async function main() {
  const cluster = await startCluster({ log });
  try {
    const admin = clusterApi(cluster);
    const post = (path: string, body: unknown) =>
      (admin as any).requestJson('POST', path, undefined, body);
    await post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      // The namespace binds its objects to the entity (istioRollouts.ownership).
      metadata: { name: NS, labels: { 'backstage.io/kubernetes-id': 'web' } },
    });
    await post(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    await post(
      `/apis/networking.istio.io/v1/namespaces/${NS}/destinationrules`,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'web' },
        spec: {
          host: 'web',
          subsets: [
            { name: 'v1', labels: { version: 'v1' } },
            { name: 'v2', labels: { version: 'v2' } },
          ],
        },
      },
    );
    for (const v of ['v1', 'v2']) {
      await post(`/apis/apps/v1/namespaces/${NS}/deployments`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `web-${v}` },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web', version: v } },
          template: {
            metadata: { labels: { app: 'web', version: v } },
            spec: { containers: [{ name: 'web', image: `example/web:${v}` }] },
          },
        },
      });
      await (admin as any).requestJson(
        'PATCH',
        `/apis/apps/v1/namespaces/${NS}/deployments/web-${v}/status`,
        undefined,
        {
          status: {
            replicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            updatedReplicas: 1,
          },
        },
        'application/merge-patch+json',
      );
    }
    for (const name of ['web', 'raw']) {
      await post(
        `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`,
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name },
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
    }

    // The plugin's router and services on a real HTTP server.
    const { base, stop } = await startPluginServer(cluster, { namespace: NS });

    const split = (canary: number) => [
      { host: 'web', subset: 'v1', weight: 100 - canary },
      { host: 'web', subset: 'v2', weight: canary },
    ];
    const throughPlugin: number[] = [];
    const rawPatch: number[] = [];
    const rawGetPatch: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const canary = i % 2 === 0 ? 25 : 10;
      let t = performance.now();
      await postWebRouteAction(base, NS, {
        type: 'set-weights',
        weights: split(canary),
      });
      throughPlugin.push(performance.now() - t);

      // Raw client, blind: one JSON Patch replacing the two weights.
      const path = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/raw`;
      t = performance.now();
      await admin.jsonPatch(
        path,
        [
          {
            op: 'replace',
            path: '/spec/http/0/route/0/weight',
            value: 100 - canary,
          },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: canary },
        ],
        'bench',
      );
      rawPatch.push(performance.now() - t);

      // Raw client, careful: GET, then a JSON Patch guarded by resourceVersion.
      t = performance.now();
      const current: any = await admin.get(path);
      await admin.jsonPatch(
        path,
        [
          {
            op: 'test',
            path: '/metadata/resourceVersion',
            value: current.metadata.resourceVersion,
          },
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: canary },
          {
            op: 'replace',
            path: '/spec/http/0/route/1/weight',
            value: 100 - canary,
          },
        ],
        'bench',
      );
      rawGetPatch.push(performance.now() - t);
    }
    console.log('');
    console.log(
      `Promote round trip (${ITERATIONS} weight changes each, real kube-apiserver, loopback):`,
    );
    console.log(
      `  through the plugin's HTTP API:        ${summary(throughPlugin)}`,
    );
    console.log(`  raw JSON Patch, one request:          ${summary(rawPatch)}`);
    console.log(
      `  raw GET + guarded JSON Patch:         ${summary(rawGetPatch)}`,
    );
    console.log(
      `  plugin / raw one-request at p50:      ${(
        percentile(throughPlugin, 50) / percentile(rawPatch, 50)
      ).toFixed(2)}x; vs GET + guarded patch: ${(
        percentile(throughPlugin, 50) / percentile(rawGetPatch, 50)
      ).toFixed(2)}x`,
    );
    await stop();
    admin.close();
  } finally {
    await cluster.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
