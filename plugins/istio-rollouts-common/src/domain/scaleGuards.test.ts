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

import {
  bag,
  deployment,
  destinationRule,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import {
  describePodTrafficRoute,
  findRoutesToPods,
  findScaleControllers,
} from './scaleGuards';

const v1Pods = {
  namespace: 'shop',
  labels: { app: 'reviews', version: 'v1' },
};

function described(objects: Parameters<typeof findRoutesToPods>[0]) {
  return findRoutesToPods(objects, v1Pods).map(describePodTrafficRoute);
}

describe('findRoutesToPods', () => {
  it('finds weighted destinations above 0, a lone destination whatever its weight, and mirrors', () => {
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          { name: 'lone', route: split([['v1', 0]]) },
          {
            name: 'split',
            route: split([
              ['v1', 90],
              ['v2', 10],
            ]),
          },
          {
            route: split([
              ['v2', 100],
              ['v1', 0],
            ]),
          },
          {
            name: 'shadow',
            route: split([['v2', undefined]]),
            mirror: { host: 'reviews', subset: 'v1' },
            mirrorPercentage: { value: 5 },
          },
          {
            name: 'mirror-off',
            route: split([['v2', undefined]]),
            mirror: { host: 'reviews', subset: 'v1' },
            mirrorPercentage: { value: 0 },
          },
        ]),
      ],
    });
    expect(described(objects)).toEqual([
      "shop/reviews route 'lone' (weight 100)",
      "shop/reviews route 'split' (weight 90)",
      "shop/reviews route 'shadow' (mirror 5%)",
    ]);
  });

  it('counts a missing weight among several destinations as 0', () => {
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: split([
              ['v1', undefined],
              ['v2', 100],
            ]),
          },
        ]),
      ],
    });
    expect(described(objects)).toEqual([]);
  });

  it('counts every destination when none of several has a weight: the split is unknown', () => {
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            name: 'unweighted',
            route: split([
              ['v1', undefined],
              ['v2', 0],
            ]),
          },
        ]),
      ],
    });
    expect(described(objects)).toEqual([
      "shop/reviews route 'unweighted' (split unknown: no destination has a weight)",
    ]);
  });

  it('resolves hosts relative to the VirtualService namespace, in all three spellings', () => {
    const routeTo = (host: string, subset?: string) => [
      { destination: { host, subset } },
    ];
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('short', [{ route: routeTo('reviews', 'v1') }], {
          namespace: 'edge',
        }),
        virtualService('dotted', [{ route: routeTo('reviews.shop', 'v1') }], {
          namespace: 'edge',
        }),
        virtualService(
          'fqdn',
          [{ route: routeTo('reviews.shop.svc.cluster.local', 'v1') }],
          { namespace: 'edge' },
        ),
        virtualService(
          'external',
          [{ route: routeTo('reviews.example.com') }],
          {
            namespace: 'edge',
          },
        ),
      ],
      // Makes `edge` a namespace, so `reviews` there is edge's own Service.
      services: [service('other', { app: 'other' }, 'edge')],
    });
    expect(described(objects)).toEqual([
      'edge/dotted route #0 (weight 100)',
      'edge/fqdn route #0 (weight 100)',
    ]);
  });

  it('needs a Service that selects the pods, in the pods namespace', () => {
    const objects = bag(
      {
        services: [service('reviews', { app: 'ratings' })],
        destinationRules: [destinationRule('reviews', ['v1'])],
      },
      {
        virtualServices: [
          virtualService('reviews', [{ route: split([['v1', undefined]]) }]),
        ],
      },
    );
    expect(described(objects)).toEqual([]);
    expect(
      findRoutesToPods(objects, { ...v1Pods, namespace: 'elsewhere' }),
    ).toEqual([]);
  });

  it('takes a route without subset to reach every pod of the Service, an undefined subset none', () => {
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          { name: 'whole', route: [{ destination: { host: 'reviews' } }] },
          { name: 'ghost', route: split([['v9', undefined]]) },
          { name: 'other-version', route: split([['v2', undefined]]) },
        ]),
      ],
    });
    expect(described(objects)).toEqual([
      "shop/reviews route 'whole' (weight 100)",
    ]);
  });

  it('reads subsets from a DestinationRule of the Service namespace, and one without labels is every pod', () => {
    const objects = bag(
      {
        services: [service('reviews', { app: 'reviews' })],
        deployments: [deployment('reviews-v1', v1Pods.labels)],
        destinationRules: [
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'DestinationRule',
            metadata: { name: 'reviews', namespace: 'shop' },
            spec: {
              host: 'reviews',
              subsets: [
                { name: 'all' },
                { name: 'v1', labels: { version: 'v1' } },
              ],
            },
          },
        ],
      },
      {
        virtualServices: [
          virtualService(
            'gateway',
            [
              {
                route: [
                  { destination: { host: 'reviews.shop', subset: 'all' } },
                ],
              },
            ],
            { namespace: 'edge' },
          ),
        ],
      },
    );
    expect(described(objects)).toEqual(['edge/gateway route #0 (weight 100)']);
  });

  it('covers tcp and tls routes', () => {
    const objects = bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [], {
          extra: {
            tcp: [
              { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
            ],
          },
        }),
      ],
    });
    expect(described(objects)).toEqual([
      'shop/reviews tcp route #0 (weight 100)',
    ]);
  });
});

describe('findScaleControllers', () => {
  const web = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
  };

  it('finds an HPA, a controlling owner, a Flagger Canary and an Argo Rollout of its namespace', () => {
    const found = findScaleControllers(
      {
        ...web,
        metadata: {
          ...web.metadata,
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'notes' },
            {
              apiVersion: 'platform.example.com/v1',
              kind: 'WebApp',
              name: 'web',
              controller: true,
            },
          ],
        },
      },
      {
        horizontalPodAutoscalers: [
          {
            metadata: { name: 'cpu', namespace: 'shop' },
            spec: {
              scaleTargetRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'web',
              },
            },
          },
          {
            metadata: { name: 'other', namespace: 'shop' },
            spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' } },
          },
          {
            metadata: { name: 'elsewhere', namespace: 'edge' },
            spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } },
          },
          {
            metadata: { name: 'a-rollout', namespace: 'shop' },
            spec: {
              scaleTargetRef: {
                apiVersion: 'argoproj.io/v1alpha1',
                kind: 'Deployment',
                name: 'web',
              },
            },
          },
        ],
        canaries: [
          {
            metadata: { name: 'web', namespace: 'shop' },
            spec: {
              targetRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'web',
              },
            },
          },
        ],
        rollouts: [
          {
            metadata: { name: 'web', namespace: 'shop' },
            spec: {
              workloadRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'web',
              },
            },
          },
          { metadata: { name: 'plain', namespace: 'shop' }, spec: {} },
        ],
      },
    );
    expect(found.map(c => c.description)).toEqual([
      'HorizontalPodAutoscaler shop/cpu sets its replicas',
      'Flagger Canary shop/web targets it (spec.targetRef) and scales it',
      'Argo Rollouts Rollout shop/web references it (spec.workloadRef) and scales it',
      'its controller WebApp web (platform.example.com/v1) manages it',
    ]);
  });

  it('finds nothing for a Deployment nobody else scales', () => {
    expect(
      findScaleControllers(web, {
        horizontalPodAutoscalers: [],
        canaries: [
          {
            metadata: { name: 'api', namespace: 'shop' },
            spec: { targetRef: { kind: 'Deployment', name: 'api' } },
          },
        ],
      }),
    ).toEqual([]);
  });
});
