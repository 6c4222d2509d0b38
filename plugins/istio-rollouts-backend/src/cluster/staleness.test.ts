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

import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import request from 'supertest';
import { FaultProxy, startFaultProxy } from '../__testUtils__/faultProxy';
import { startWebPlugin } from '../__testUtils__/fixtures';
import { KindInformer } from './KindInformer';
import { KubeApi } from './KubeApi';
import { WATCHED_KINDS } from './watchedKinds';

// Knowing when the copy is stale, against the real local kube-apiserver
// behind a fault-injecting TCP forwarder (see faultProxy.ts): a watch whose
// connection goes silent is noticed and re-established; a cluster that
// stops answering is flagged stale in the view, and recovers.

jest.setTimeout(90_000);

const virtualServices = WATCHED_KINDS.find(k => k.key === 'virtualServices')!;

function vs(namespace: string, name: string, canary = 10) {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: name, subset: 'v1' }, weight: 100 - canary },
            { destination: { host: name, subset: 'v2' }, weight: canary },
          ],
        },
      ],
    },
  });
}

async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

function canaryWeight(informer: KindInformer, namespace: string, name: string) {
  return informer.get(namespace, name)?.spec.http[0].route[1].weight;
}

describe('a watch whose connection goes silent', () => {
  let proxy: FaultProxy | undefined;
  let informer: KindInformer | undefined;
  let api: KubeApi | undefined;

  afterEach(async () => {
    await informer?.stop();
    api?.close();
    await proxy?.close();
  });

  it('is noticed within the idle deadline, re-established, and catches up', async () => {
    const ns = await createTestNamespace('silent');
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a') });
    proxy = await startFaultProxy(new URL(clusterConfig('plugin').url));
    api = new KubeApi({
      cluster: {
        ...clusterConfig('plugin'),
        url: proxy.url,
        skipTLSVerify: false,
      },
    });
    const idleMs = 3_000;
    informer = new KindInformer(
      virtualServices,
      api,
      mockServices.logger.mock(),
      () => {},
      undefined,
      { watchIdleTimeoutMs: idleMs },
    );
    informer.start();
    await eventually('first list', () => informer!.isSynced, 10_000);
    // Let the watch open, then check it works through the proxy.
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 20) });
    await eventually(
      'the watch to see a change',
      () => canaryWeight(informer!, ns, 'a') === 20,
      10_000,
    );

    // The path dies: the TCP connections stay open, no byte gets through,
    // nothing errors. New connections still work.
    proxy.blackholeExisting();
    const cut = Date.now();
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 40) });

    // The informer notices within its idle deadline (plus a reconnect),
    // resumes from its resourceVersion and sees the change.
    await eventually(
      'the change after the watch went silent',
      () => canaryWeight(informer!, ns, 'a') === 40,
      idleMs + 4_000,
    );
    expect(Date.now() - cut).toBeLessThan(idleMs + 4_000);
    // And the new watch follows further changes.
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 60) });
    await eventually(
      'a change on the new watch',
      () => canaryWeight(informer!, ns, 'a') === 60,
      5_000,
    );
  });
});

describe('a cluster that stops answering', () => {
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    await proxy?.close();
  });

  it('is flagged stale in the view after the threshold, and recovers', async () => {
    proxy = await startFaultProxy(new URL(clusterConfig('plugin').url));
    const staleAfterMs = 3_000;
    const plugin = await startWebPlugin({
      prefix: 'stale',
      clusters: [{ ...clusterConfig('plugin'), url: proxy.url }],
      istioRollouts: {
        staleAfter: '3s',
        heartbeatInterval: '500ms',
        watchIdleTimeout: '3s',
      },
    });
    const getCluster = async () => {
      const res = await request(plugin.server)
        .get('/api/istio-rollouts/entities/default/component/web/view')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      const cluster = res.body.clusters.find((c: any) => c.cluster === 'local');
      return { ...cluster, generatedAt: res.body.generatedAt };
    };
    const weights = (c: any) =>
      c.virtualServices[0]?.routes
        .find((r: any) => r.name === 'primary')
        ?.destinations.map((d: any) => d.weight);

    // Fresh: synced moments ago, not stale.
    const fresh = await getCluster();
    expect(fresh.error).toBeUndefined();
    expect(weights(fresh)).toEqual([90, 10]);
    expect(typeof fresh.syncedAt).toBe('string');
    expect(
      Date.parse(fresh.generatedAt) - Date.parse(fresh.syncedAt),
    ).toBeLessThan(staleAfterMs);
    expect(fresh.stale).toBeUndefined();

    // The cluster stops answering: every connection, old and new, is silent.
    proxy.blackholeAll();
    const cut = Date.now();
    // Meanwhile the route changes on the cluster.
    await kubectl(
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=test',
        '-f',
        '-',
      ],
      {
        input: JSON.stringify({
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'web', namespace: plugin.ns },
          spec: {
            hosts: ['web'],
            http: [
              {
                name: 'admin',
                match: [{ uri: { prefix: '/admin' } }],
                route: [{ destination: { host: 'web', subset: 'v1' } }],
              },
              {
                name: 'primary',
                route: [
                  { destination: { host: 'web', subset: 'v1' }, weight: 50 },
                  { destination: { host: 'web', subset: 'v2' }, weight: 50 },
                ],
              },
            ],
          },
        }),
      },
    );

    const stale = await eventually(
      'the cluster to be flagged stale',
      async () => {
        const c = await getCluster();
        return c.stale ? c : undefined;
      },
      staleAfterMs + 5_000,
    );
    // Not before the threshold: the last contact was at most a heartbeat
    // before the cut.
    expect(Date.now() - cut).toBeGreaterThanOrEqual(staleAfterMs - 1_000);
    expect(stale.stale.message).toMatch(/local/);
    expect(Date.parse(stale.stale.since)).toBeGreaterThanOrEqual(
      Date.parse(stale.syncedAt),
    );
    // The last copy is still served, marked; syncedAt stops moving.
    expect(weights(stale)).toEqual([90, 10]);
    await new Promise(r => setTimeout(r, 1_500));
    const later = await getCluster();
    expect(later.syncedAt).toBe(stale.syncedAt);
    expect(later.stale).toBeDefined();

    // The path comes back: the plugin reconnects, catches up, is fresh.
    proxy.resume();
    const recovered = await eventually(
      'the cluster to be fresh again, with the change',
      async () => {
        const c = await getCluster();
        return !c.stale && weights(c)?.[1] === 50 ? c : undefined;
      },
      20_000,
    );
    expect(Date.parse(recovered.syncedAt)).toBeGreaterThan(
      Date.parse(stale.syncedAt),
    );
    expect(
      Date.parse(recovered.generatedAt) - Date.parse(recovered.syncedAt),
    ).toBeLessThan(staleAfterMs);
  });
});
