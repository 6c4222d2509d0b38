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

// How long from a person's "promote" to the real Argo Rollouts controller's
// next step (the VirtualService at the next weight), through the plugin's
// HTTP API (authorize, binding check, fresh GET, guarded JSON Patches on
// status/spec, audit row) next to the naive way in the same run: the merge
// patch Argo's kubectl plugin sends, unguarded, straight to the API server.
// Runs on a private cluster with kube-controller-manager, kwok and the
// Argo Rollouts controller. Run with ./bench/run controllerStep.

import { buildRolloutAction } from '@istio-rollouts/plugin-istio-rollouts-common';
import { startPluginServer } from './lib/pluginServer';
import { clusterApi, log, percentile, summary } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');

const NS = 'bench-controller';
// Each Rollout: setWeight 5, pause, setWeight 10, pause, … 95, pause.
const WEIGHTS = Array.from({ length: 19 }, (_, i) => (i + 1) * 5);

async function main() {
  const cluster = await startCluster({ log, controllers: true });
  try {
    const admin = clusterApi(cluster) as any;
    const post = (path: string, body: unknown) =>
      admin.requestJson('POST', path, undefined, body);
    const get = (path: string) => admin.get(path);
    await post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'backstage.io/kubernetes-id': 'web' } },
    });
    const rolloutPath = (name: string) =>
      `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/${name}`;
    const vsPath = (name: string) =>
      `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/${name}`;
    const rollout = (name: string, image: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image }] },
        },
        strategy: {
          canary: {
            stableService: `${name}-stable`,
            canaryService: `${name}-canary`,
            trafficRouting: {
              istio: { virtualService: { name, routes: ['primary'] } },
            },
            steps: WEIGHTS.flatMap(w => [{ setWeight: w }, { pause: {} }]),
          },
        },
      },
    });
    for (const name of ['web', 'raw']) {
      for (const role of ['stable', 'canary']) {
        await post(`/api/v1/namespaces/${NS}/services`, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `${name}-${role}` },
          spec: { selector: { app: name }, ports: [{ port: 80 }] },
        });
      }
      await post(
        `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`,
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name },
          spec: {
            hosts: [name],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: `${name}-stable` }, weight: 100 },
                  { destination: { host: `${name}-canary` }, weight: 0 },
                ],
              },
            ],
          },
        },
      );
      await post(
        `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`,
        rollout(name, 'example/app:1'),
      );
    }
    const canaryWeight = async (name: string) => {
      const vs: any = await get(vsPath(name));
      return vs.spec.http[0].route[1].weight ?? 0;
    };
    const until = async (what: string, probe: () => Promise<boolean>) => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (await probe()) return;
        await new Promise(r => setTimeout(r, 10));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    for (const name of ['web', 'raw']) {
      await until(`${name} Healthy`, async () => {
        const r: any = await get(rolloutPath(name));
        return r.status?.phase === 'Healthy';
      });
      // A new image starts the canary: 5 %, then the first pause.
      const r: any = await get(rolloutPath(name));
      r.spec.template.spec.containers[0].image = 'example/app:2';
      await admin.requestJson('PUT', rolloutPath(name), undefined, r);
    }
    const paused = async (name: string, weight: number) => {
      const r: any = await get(rolloutPath(name));
      return (
        (r.status?.pauseConditions?.length ?? 0) > 0 &&
        (await canaryWeight(name)) === weight
      );
    };
    for (const name of ['web', 'raw']) {
      await until(`${name} paused at ${WEIGHTS[0]} %`, () =>
        paused(name, WEIGHTS[0]),
      );
    }

    // The plugin's router and services on a real HTTP server.
    const { base, caches, stop } = await startPluginServer(cluster, {
      namespace: NS,
      controllerActions: true,
    });

    // The plugin's cache must have seen the pause before it is asked to
    // promote (a person looks at the tab first): wait for it, untimed.
    const cacheSeesPause = async () => {
      const r: any = await caches
        .list()[0]
        .api.get(rolloutPath('web'))
        .catch(() => undefined);
      return (r?.status?.pauseConditions?.length ?? 0) > 0;
    };

    const throughPlugin: number[] = [];
    const naive: number[] = [];
    for (let i = 1; i < WEIGHTS.length; i++) {
      const next = WEIGHTS[i];
      await until('the plugin to see the pause', cacheSeesPause);
      let t = performance.now();
      const res = await fetch(
        `${base}/entities/default/component/web/controller-actions`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            target: {
              cluster: 'local',
              namespace: NS,
              kind: 'Rollout',
              name: 'web',
            },
            action: { type: 'argo', action: 'promote' },
          }),
        },
      );
      if (res.status !== 200) {
        throw new Error(`plugin answered ${res.status}: ${await res.text()}`);
      }
      await res.json();
      await until(`web at ${next} %`, () => paused('web', next));
      throughPlugin.push(performance.now() - t);

      // Naive: the kubectl plugin's merge patches, unguarded, as admin.
      const current: any = await get(rolloutPath('raw'));
      const plan = buildRolloutAction('promote', current);
      if (!plan.ok) throw new Error(`raw: ${plan.message}`);
      t = performance.now();
      for (const request of plan.requests) {
        await admin.requestJson(
          'PATCH',
          `${rolloutPath('raw')}${request.subresource ? '/status' : ''}`,
          undefined,
          request.argoMergePatch,
          'application/merge-patch+json',
        );
      }
      await until(`raw at ${next} %`, () => paused('raw', next));
      naive.push(performance.now() - t);
    }
    console.log('');
    console.log(
      `Promote → the Argo Rollouts controller's next step (VirtualService at the next weight and paused again), ${throughPlugin.length} steps each, real controller, loopback:`,
    );
    console.log(
      `  through the plugin's HTTP API:            ${summary(throughPlugin)}`,
    );
    console.log(
      `  kubectl-plugin merge patch, unguarded:    ${summary(naive)}`,
    );
    console.log(
      `  plugin / naive at p50:                    ${(
        percentile(throughPlugin, 50) / percentile(naive, 50)
      ).toFixed(2)}x`,
    );
    await stop();
  } finally {
    await cluster.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
