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

import { canaryPausedAtStep } from '../argo/__fixtures__/rollouts';
import { bag, service, virtualService } from '../__testUtils__/builders';
import { ClusterObjects } from '../kube/types';
import { buildVirtualServiceViews } from './buildRolloutView';
import { selectEntityVirtualServices } from './selectEntityVirtualServices';

// The controllers' own state in the view, and each revision's own pods for
// the versions a Rollout pins with rollouts-pod-template-hash.

const HASH = 'rollouts-pod-template-hash';
const STABLE = '5c8b7d9f4';
const CANARY = '6d4f8c7b9';

function replicaSet(
  hash: string,
  image: string,
  counts: { desired: number; current?: number; ready: number },
  owner = { name: 'reviews', uid: '0b4c2a6e-reviews' },
  namespace = 'shop',
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${owner.name}-${hash}`,
      namespace,
      uid: `rs-${hash}`,
      creationTimestamp: '2026-03-02T10:10:00Z',
      labels: { app: 'reviews', [HASH]: hash },
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          controller: true,
          ...owner,
        },
      ],
    },
    spec: {
      replicas: counts.desired,
      template: {
        metadata: { labels: { app: 'reviews', [HASH]: hash } },
        spec: { containers: [{ name: 'reviews', image }] },
      },
    },
    status: {
      replicas: counts.current ?? counts.desired,
      readyReplicas: counts.ready,
      availableReplicas: counts.ready,
    },
  };
}

const V1 = 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2';
const V2 = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2';

// The Rollout at 20%: 5 stable pods, the canary's one pod starting.
// (Argo counts both ReplicaSets in the Rollout's status.)
function rolloutAt20() {
  const rollout = canaryPausedAtStep();
  rollout.status.replicas = 6;
  rollout.status.readyReplicas = 5;
  rollout.status.availableReplicas = 5;
  return rollout;
}

const replicaSets = () => [
  replicaSet(STABLE, V1, { desired: 5, ready: 5 }),
  replicaSet(CANARY, V2, { desired: 1, ready: 0 }),
  // An older revision, scaled down.
  replicaSet('49d7c6f5b', V1, { desired: 0, ready: 0 }),
  // Another team's Rollout of the same name elsewhere.
  replicaSet(
    STABLE,
    V1,
    { desired: 9, ready: 9 },
    { name: 'reviews', uid: 'ffff-reviews-staging' },
    'staging',
  ),
];

function hostSplit(): ClusterObjects {
  return {
    ...bag({
      virtualServices: [
        virtualService(
          'reviews',
          [
            {
              name: 'primary',
              route: [
                { destination: { host: 'reviews-stable' }, weight: 80 },
                { destination: { host: 'reviews-canary' }, weight: 20 },
              ],
            },
          ],
          { hosts: ['reviews'], metadata: { labels: { app: 'reviews' } } },
        ),
      ],
      // Argo Rollouts adds the hash to the selectors of the Services it pins.
      services: [
        service('reviews-stable', { app: 'reviews', [HASH]: STABLE }),
        service('reviews-canary', { app: 'reviews', [HASH]: CANARY }),
      ],
      rollouts: [rolloutAt20()],
    }),
    replicaSets: replicaSets(),
    analysisRuns: [],
  };
}

describe('a Rollout-driven VirtualService', () => {
  it('shows each version the pods of its own ReplicaSet', () => {
    const [view] = buildVirtualServiceViews(hostSplit());
    expect(
      view.versions.map(v => ({
        label: v.label,
        ready: v.ready,
        desired: v.desired,
        workloads: v.workloads,
      })),
    ).toEqual([
      {
        label: 'reviews-stable',
        ready: 5,
        desired: 5,
        workloads: [
          {
            kind: 'Rollout',
            namespace: 'shop',
            name: 'reviews',
            images: [V1],
            replicas: { desired: 5, ready: 5, updated: 5, available: 5 },
          },
        ],
      },
      {
        label: 'reviews-canary',
        ready: 0,
        desired: 1,
        workloads: [
          {
            kind: 'Rollout',
            namespace: 'shop',
            name: 'reviews',
            images: [V2],
            replicas: { desired: 1, ready: 0, updated: 1, available: 0 },
            progress: '0 of 1 pods ready',
          },
        ],
      },
    ]);
  });

  it('without its ReplicaSets (not watched), shows the whole Rollout as before', () => {
    const objects = hostSplit();
    delete objects.replicaSets;
    const [view] = buildVirtualServiceViews(objects);
    expect(view.versions.map(v => `${v.ready}/${v.desired}`)).toEqual([
      '5/5',
      '5/5',
    ]);
  });

  it('a subset pinned by the DestinationRule shows its ReplicaSet too', () => {
    const objects: ClusterObjects = {
      ...bag({
        virtualServices: [
          virtualService('reviews', [
            {
              name: 'primary',
              route: [
                {
                  destination: { host: 'reviews', subset: 'stable' },
                  weight: 80,
                },
                {
                  destination: { host: 'reviews', subset: 'canary' },
                  weight: 20,
                },
              ],
            },
          ]),
        ],
        destinationRules: [
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'DestinationRule',
            metadata: { name: 'reviews', namespace: 'shop' },
            spec: {
              host: 'reviews',
              subsets: [
                { name: 'stable', labels: { app: 'reviews', [HASH]: STABLE } },
                { name: 'canary', labels: { app: 'reviews', [HASH]: CANARY } },
              ],
            },
          },
        ],
        services: [service('reviews', { app: 'reviews' })],
        rollouts: [rolloutAt20()],
      }),
      replicaSets: replicaSets(),
    };
    const [view] = buildVirtualServiceViews(objects);
    expect(
      view.versions.map(v => [
        v.key,
        `${v.ready}/${v.desired}`,
        v.workloads[0]?.images,
      ]),
    ).toEqual([
      ['reviews/stable', '5/5', [V1]],
      ['reviews/canary', '0/1', [V2]],
    ]);
  });

  it('carries the Rollout’s own state in managedBy.argo', () => {
    const [view] = buildVirtualServiceViews(hostSplit());
    const argo = view.managedBy?.argo;
    expect(argo).toMatchObject({
      resourceVersion: '48213',
      strategy: 'canary',
      phase: 'Paused',
      completedSteps: 1,
      totalSteps: 6,
      trafficWeights: { canary: 20, stable: 80 },
    });
    expect(argo?.replicaSets.map(r => `${r.name} ${r.role}`)).toEqual([
      'reviews-5c8b7d9f4 stable',
      'reviews-6d4f8c7b9 canary',
      'reviews-49d7c6f5b old',
    ]);
    expect(argo?.actions.filter(a => a.available).map(a => a.action)).toEqual([
      'promote',
      'promote-full',
      'abort',
      'pause',
    ]);
  });
});

describe('selectEntityVirtualServices', () => {
  it('keeps the ReplicaSets and AnalysisRuns of the selected Rollouts only', () => {
    const objects = hostSplit();
    const run = (name: string, uid: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: {
        name,
        namespace: 'shop',
        creationTimestamp: '2026-03-02T10:25:00Z',
        labels: { 'rollout-type': 'Step' },
        ownerReferences: [{ kind: 'Rollout', name: 'reviews', uid }],
      },
      status: { phase: 'Running' },
    });
    objects.analysisRuns = [
      run('reviews-6d4f8c7b9-7-3', '0b4c2a6e-reviews'),
      run('reviews-old-uid-1', 'a-deleted-rollout'),
    ];
    const selected = selectEntityVirtualServices(
      {
        virtualServices: [{ namespace: 'shop', name: 'reviews' }],
        canarySteps: [],
        problems: [],
      },
      objects,
    );
    expect(selected.replicaSets?.map((r: any) => r.metadata.name)).toEqual([
      'reviews-5c8b7d9f4',
      'reviews-6d4f8c7b9',
      'reviews-49d7c6f5b',
    ]);
    expect(selected.analysisRuns?.map((r: any) => r.metadata.name)).toEqual([
      'reviews-6d4f8c7b9-7-3',
    ]);
    const [view] = buildVirtualServiceViews(selected);
    expect(view.versions.map(v => `${v.ready}/${v.desired}`)).toEqual([
      '5/5',
      '0/1',
    ]);
    expect(view.managedBy?.argo?.analysisRuns).toEqual([
      {
        name: 'reviews-6d4f8c7b9-7-3',
        phase: 'Running',
        origin: 'step',
        startedAt: '2026-03-02T10:25:00Z',
      },
    ]);
  });
});

describe('a Flagger-driven VirtualService', () => {
  it('carries the Canary’s own state in managedBy.flagger', () => {
    const [view] = buildVirtualServiceViews(
      bag({
        virtualServices: [
          virtualService(
            'podinfo',
            [
              {
                route: [
                  { destination: { host: 'podinfo-primary' }, weight: 70 },
                  { destination: { host: 'podinfo-canary' }, weight: 30 },
                ],
              },
            ],
            { namespace: 'test' },
          ),
        ],
        canaries: [
          {
            apiVersion: 'flagger.app/v1beta1',
            kind: 'Canary',
            metadata: {
              name: 'podinfo',
              namespace: 'test',
              resourceVersion: '73105',
            },
            spec: {
              targetRef: { kind: 'Deployment', name: 'podinfo' },
              service: { name: 'podinfo', port: 80 },
              analysis: {
                stepWeight: 10,
                maxWeight: 50,
                threshold: 5,
                webhooks: [
                  {
                    name: 'promote',
                    type: 'confirm-promotion',
                    url: 'http://backstage:7007/api/istio-rollouts/flagger/local/confirm-promotion?token=x',
                  },
                ],
              },
            },
            status: {
              phase: 'WaitingPromotion',
              canaryWeight: 30,
              failedChecks: 0,
              iterations: 0,
            },
          },
        ],
      }),
    );
    expect(view.managedBy).toMatchObject({
      controller: 'flagger',
      step: 'canary weight 30%',
    });
    expect(view.managedBy?.flagger).toEqual({
      resourceVersion: '73105',
      phase: 'WaitingPromotion',
      canaryWeight: 30,
      iterations: 0,
      failedChecks: 0,
      threshold: 5,
      waitingAt: 'confirm-promotion',
      gates: [
        {
          gate: 'confirm-promotion',
          name: 'promote',
          servedByPlugin: true,
          open: false,
        },
      ],
    });
  });
});
