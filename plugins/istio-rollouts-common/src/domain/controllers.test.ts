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

import { ArgoRollout, FlaggerCanary } from '../kube/types';
import { bag, service, virtualService } from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';

const hostSplit = (name: string, extraRoutes: object[] = []) =>
  virtualService(
    name,
    [
      ...extraRoutes,
      {
        name: 'primary',
        route: [
          { destination: { host: 'web-stable' }, weight: 80 },
          { destination: { host: 'web-canary' }, weight: 20 },
        ],
      },
      { name: 'admin', route: [{ destination: { host: 'web-stable' } }] },
    ],
    { hosts: ['web'] },
  );

function rollout(
  spec: ArgoRollout['spec'],
  status?: ArgoRollout['status'],
): ArgoRollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { metadata: { labels: { app: 'web' } } }, ...spec },
    status,
  };
}

describe('Argo Rollouts', () => {
  it('finds the Rollout behind Services that Argo pinned with a pod-template hash', () => {
    const [view] = buildVirtualServiceViews(
      bag({
        virtualServices: [hostSplit('web')],
        services: [
          service('web-stable', {
            app: 'web',
            'rollouts-pod-template-hash': 'aaa',
          }),
          service('web-canary', {
            app: 'web',
            'rollouts-pod-template-hash': 'bbb',
          }),
        ],
        rollouts: [
          rollout(
            {
              strategy: {
                canary: {
                  canaryService: 'web-canary',
                  stableService: 'web-stable',
                },
              },
            },
            { replicas: 4, readyReplicas: 4 } as ArgoRollout['status'],
          ),
        ],
      }),
    );
    const workloads = view.versions.map(v => [
      v.label,
      v.workloads.map(w => `${w.kind} ${w.name}`),
    ]);
    expect(workloads).toEqual([
      ['web-stable', ['Rollout web']],
      ['web-canary', ['Rollout web']],
    ]);
  });

  it('manages the named routes, with strategy, phase and step', () => {
    const [view] = buildVirtualServiceViews(
      bag({
        virtualServices: [
          hostSplit('web-vsvc', [
            {
              name: 'header-route',
              route: [{ destination: { host: 'web-canary' } }],
            },
          ]),
        ],
        services: [
          service('web-stable', { app: 'web' }),
          service('web-canary', { app: 'web' }),
        ],
        rollouts: [
          rollout(
            {
              strategy: {
                canary: {
                  canaryService: 'web-canary',
                  stableService: 'web-stable',
                  steps: [
                    { setWeight: 20 },
                    { pause: {} },
                    { setWeight: 50 },
                    { pause: {} },
                    { setWeight: 80 },
                  ],
                  trafficRouting: {
                    managedRoutes: [{ name: 'header-route' }],
                    istio: {
                      virtualService: { name: 'web-vsvc', routes: ['primary'] },
                    },
                  },
                },
              },
            },
            { phase: 'Paused', currentStepIndex: 2, readyReplicas: 3 },
          ),
        ],
      }),
    );
    const { argo, ...managedBy } = view.managedBy ?? {};
    expect(managedBy).toEqual({
      controller: 'argo-rollouts',
      namespace: 'shop',
      name: 'web',
      strategy: 'canary',
      phase: 'Paused',
      step: 'step 2 of 5',
    });
    expect(argo).toMatchObject({
      strategy: 'canary',
      phase: 'Paused',
      completedSteps: 2,
      totalSteps: 5,
    });
    expect(argo?.steps.map(s => `${s.text}: ${s.state}`)).toEqual([
      'set weight 20%: done',
      'pause until promoted: done',
      'set weight 50%: current',
      'pause until promoted: pending',
      'set weight 80%: pending',
    ]);
    expect(view.routes.map(r => r.strategy)).toEqual([
      'managed',
      'managed',
      'rolling',
    ]);
    expect(view.routes[1].explanation).toBe(
      'Managed by Argo Rollouts (canary, step 2 of 5): 20% of traffic goes to web-canary, 80% stays on web-stable',
    );
    expect(view.routes[2].explanation).toBe(
      "Single version web-stable, rolled out by Argo Rollout 'web'",
    );
    expect(view.versions[0].workloads).toMatchObject([
      { kind: 'Rollout', name: 'web', replicas: { ready: 3 } },
    ]);
    expect(view.warnings.map(w => w.code)).toEqual(['managed-by-controller']);
  });

  it('reads virtualServices (plural) and name.namespace references; single-route mode owns all routes', () => {
    const objects = bag({
      virtualServices: [
        hostSplit('web-vsvc'),
        {
          ...hostSplit('web-vsvc'),
          metadata: { name: 'web-vsvc', namespace: 'edge' },
        },
      ],
      rollouts: [
        rollout({
          strategy: {
            canary: {
              trafficRouting: {
                istio: { virtualServices: [{ name: 'web-vsvc.edge' }] },
              },
            },
          },
        }),
      ],
    });
    const [inShop, inEdge] = buildVirtualServiceViews(objects);
    expect(inShop.managedBy).toBeUndefined();
    expect(inEdge.managedBy).toMatchObject({
      controller: 'argo-rollouts',
      name: 'web',
      strategy: 'canary',
    });
    expect(inEdge.managedBy?.step).toBeUndefined();
    expect(inEdge.routes.map(r => r.strategy)).toEqual(['managed', 'managed']);
  });

  it('a blue-green Rollout owns routes to its active or preview Service', () => {
    const [view] = buildVirtualServiceViews(
      bag({
        virtualServices: [hostSplit('web')],
        rollouts: [
          rollout(
            {
              strategy: {
                blueGreen: {
                  activeService: 'web-stable',
                  previewService: 'web-preview',
                },
              },
            },
            { phase: 'Healthy' },
          ),
        ],
      }),
    );
    const { argo, ...managedBy } = view.managedBy ?? {};
    expect(managedBy).toEqual({
      controller: 'argo-rollouts',
      namespace: 'shop',
      name: 'web',
      strategy: 'blueGreen',
      phase: 'Healthy',
    });
    expect(argo).toMatchObject({
      strategy: 'blueGreen',
      phase: 'Healthy',
      totalSteps: 0,
      steps: [],
    });
    expect(view.routes[0].explanation).toBe(
      'Managed by Argo Rollouts (blueGreen): 20% of traffic goes to web-canary, 80% stays on web-stable',
    );
  });
});

function canary(
  analysis: NonNullable<FlaggerCanary['spec']>['analysis'],
  status?: FlaggerCanary['status'],
): FlaggerCanary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { kind: 'Deployment', name: 'podinfo' },
      service: { name: 'podinfo', port: 80 },
      analysis,
    },
    status,
  };
}

// The VirtualService Flagger generates for a Canary named after its service.
const flaggerVs = virtualService(
  'podinfo',
  [
    {
      route: [
        { destination: { host: 'podinfo-primary' }, weight: 80 },
        { destination: { host: 'podinfo-canary' }, weight: 20 },
      ],
    },
  ],
  { namespace: 'test' },
);

describe('Flagger', () => {
  it.each([
    [
      { stepWeight: 10, maxWeight: 50 },
      { phase: 'Progressing', canaryWeight: 20 },
      'canary',
      'canary weight 20%',
    ],
    [
      { stepWeights: [1, 20, 80] },
      { phase: 'Progressing', canaryWeight: 20 },
      'canary',
      'canary weight 20%',
    ],
    [
      { iterations: 10, match: [{ headers: { x: { exact: 'y' } } }] },
      { phase: 'Progressing', iterations: 3 },
      'A/B testing',
      'iteration 3 of 10',
    ],
    [
      { iterations: 10 },
      { phase: 'Succeeded', iterations: 10 },
      'blue-green',
      'iteration 10 of 10',
    ],
    [
      { iterations: 10, mirror: true },
      { phase: 'Progressing', iterations: 2 },
      'mirroring',
      'iteration 2 of 10',
    ],
  ])('%j is %s', (analysis, status, strategy, step) => {
    const [view] = buildVirtualServiceViews(
      bag({
        virtualServices: [flaggerVs],
        canaries: [canary(analysis, status)],
      }),
    );
    const { flagger, ...managedBy } = view.managedBy ?? {};
    expect(managedBy).toEqual({
      controller: 'flagger',
      namespace: 'test',
      name: 'podinfo',
      strategy,
      phase: status.phase,
      step,
    });
    expect(flagger).toMatchObject({ phase: status.phase, gates: [] });
    expect(view.routes[0].strategy).toBe('managed');
    expect(view.routes[0].explanation).toBe(
      `Managed by Flagger (${strategy}, ${step}): 20% of traffic goes to podinfo-canary, 80% stays on podinfo-primary`,
    );
  });

  it('ignores Canaries of other services or namespaces', () => {
    const other = canary({ stepWeight: 5 });
    other.spec!.service!.name = 'frontend';
    const elsewhere = {
      ...canary({ stepWeight: 5 }),
      metadata: { name: 'podinfo', namespace: 'prod' },
    };
    const [view] = buildVirtualServiceViews(
      bag({ virtualServices: [flaggerVs], canaries: [other, elsewhere] }),
    );
    expect(view.managedBy).toBeUndefined();
    expect(view.routes[0].strategy).toBe('canary');
  });
});
