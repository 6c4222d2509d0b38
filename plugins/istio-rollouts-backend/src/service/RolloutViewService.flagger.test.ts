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

import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import type { FlaggerCanaryStateView } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import { randomBytes } from 'crypto';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { EntityAccess } from './EntityAccess';
import { FlaggerGateReader } from './flaggerGateReader';
import { RolloutViewService } from './RolloutViewService';
import { SignalTopics } from './signalTopics';

// The view of a Flagger-driven VirtualService on the real local
// kube-apiserver: the Canary's own state, completed by the gate reader.

jest.setTimeout(60_000);

const GATE_URL =
  'http://backstage:7007/api/istio-rollouts/flagger/local/confirm-promotion?token=abc';

async function seed(ns: string) {
  const objects = [
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: {
        name: 'podinfo',
        namespace: ns,
        labels: { 'backstage.io/kubernetes-id': 'podinfo' },
      },
      spec: {
        targetRef: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'podinfo',
        },
        service: { port: 9898 },
        analysis: {
          interval: '15s',
          threshold: 5,
          stepWeight: 10,
          maxWeight: 50,
          webhooks: [
            { name: 'promote', type: 'confirm-promotion', url: GATE_URL },
          ],
        },
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'podinfo', namespace: ns },
      spec: {
        hosts: ['podinfo'],
        http: [
          {
            route: [
              { destination: { host: 'podinfo-primary' }, weight: 100 },
              { destination: { host: 'podinfo-canary' }, weight: 0 },
            ],
          },
        ],
      },
    },
  ];
  for (const object of objects) {
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(object) });
  }
}

const entity = (ns: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'podinfo',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'podinfo',
      'backstage.io/kubernetes-namespace': ns,
    },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

describe('RolloutViewService with a Flagger gate reader', () => {
  let caches: ClusterCaches | undefined;

  afterEach(async () => {
    await caches?.stop();
  });

  function service(flaggerGates?: FlaggerGateReader) {
    caches = new ClusterCaches({
      clusters: [{ ...clusterConfig('plugin'), skipTLSVerify: false }],
      logger: mockServices.logger.mock(),
    });
    caches.start();
    // Read-only marks come from the catalog's answer; not under test here.
    const access = {
      binding: async () => ({
        mode: 'cluster-label' as const,
        label: 'backstage.io/kubernetes-id',
        id: 'podinfo',
      }),
    } as unknown as EntityAccess;
    return new RolloutViewService({
      caches,
      access,
      topics: new SignalTopics(randomBytes(32)),
      flaggerGates,
    });
  }

  async function viewOf(views: RolloutViewService, ns: string) {
    // The watch may take a moment to bring the objects just applied.
    for (let i = 0; i < 100; i++) {
      const view = await views.getEntityView(entity(ns));
      const vs = view.clusters[0]?.virtualServices[0];
      if (vs?.managedBy) return vs;
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error('the Canary never showed up in the view');
  }

  it('passes the cached Canary and its pure state to the reader, and shows its answer', async () => {
    const ns = await createTestNamespace('flagger-view');
    await seed(ns);
    const calls: Array<{ cluster: string; canary: any; state: any }> = [];
    const reader: FlaggerGateReader = {
      async describe(cluster, canary, state) {
        calls.push({ cluster, canary, state: structuredClone(state) });
        return {
          ...state,
          revision: '5d8f9c7b6',
          gates: state.gates.map(g => ({
            ...g,
            open: true,
            openedBy: 'user:default/alice',
            openedAt: '2026-03-04T09:20:00Z',
          })),
        };
      },
    };
    const vs = await viewOf(service(reader), ns);
    const expected: FlaggerCanaryStateView = {
      resourceVersion: calls[0]?.canary?.metadata?.resourceVersion,
      threshold: 5,
      revision: '5d8f9c7b6',
      gates: [
        {
          gate: 'confirm-promotion',
          name: 'promote',
          servedByPlugin: true,
          open: true,
          openedBy: 'user:default/alice',
          openedAt: '2026-03-04T09:20:00Z',
        },
      ],
    };
    expect(vs.managedBy?.flagger).toEqual(expected);
    const last = calls[calls.length - 1];
    expect(last.cluster).toBe(clusterConfig('plugin').name);
    expect(last.canary.metadata).toMatchObject({
      name: 'podinfo',
      namespace: ns,
    });
    expect(last.state.gates).toEqual([
      {
        gate: 'confirm-promotion',
        name: 'promote',
        servedByPlugin: true,
        open: false,
      },
    ]);
  });

  it('without the gates’ records, shows them closed and says why', async () => {
    const ns = await createTestNamespace('flagger-view-down');
    await seed(ns);
    const vs = await viewOf(
      service({
        describe: async () => {
          throw new Error('database is unavailable');
        },
      }),
      ns,
    );
    expect(vs.managedBy?.flagger?.gates).toEqual([
      {
        gate: 'confirm-promotion',
        name: 'promote',
        servedByPlugin: true,
        open: false,
      },
    ]);
    expect(vs.warnings).toContainEqual({
      code: 'flagger-gates-unknown',
      severity: 'warning',
      message: `The state of the gates of Flagger Canary ${ns}/podinfo could not be read (database is unavailable); they show as closed.`,
    });
  });
});
