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

import { RolloutAnnotations } from '../annotations';
import { ClusterObjects } from '../kube/types';
import {
  bag,
  deployment,
  destinationRule,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';
import { selectEntityVirtualServices } from './selectEntityVirtualServices';

const annotations = (a: Partial<RolloutAnnotations>): RolloutAnnotations => ({
  virtualServices: [],
  canarySteps: [10, 25, 50, 100],
  problems: [],
  ...a,
});
const names = (objects: ClusterObjects, field: keyof ClusterObjects) =>
  (
    objects[field] as Array<{
      metadata?: { namespace?: string; name?: string };
    }>
  ).map(o => `${o.metadata?.namespace}/${o.metadata?.name}`);

const cluster = bag(
  reviewsApp(),
  {
    services: [
      service('ratings', { app: 'ratings' }, 'shop', {
        'backstage.io/kubernetes-id': 'ratings',
      }),
      service('reviews', { app: 'reviews' }, 'staging'),
    ],
    deployments: [
      deployment('ratings-v1', { app: 'ratings', version: 'v1' }),
      deployment(
        'reviews-v1',
        { app: 'reviews', version: 'v1' },
        {
          namespace: 'staging',
          labels: { 'backstage.io/kubernetes-id': 'reviews' },
        },
      ),
    ],
    destinationRules: [destinationRule('ratings', ['v1'])],
  },
  {
    virtualServices: [
      virtualService('reviews', [
        {
          route: split([
            ['v1', 90],
            ['v2', 10],
          ]),
        },
      ]),
      virtualService('reviews', [{ route: split([['v1', 100]]) }], {
        namespace: 'staging',
      }),
      virtualService('ratings', [{ route: split([['v1', 100]], 'ratings') }]),
      // A gateway VS with hosts "*" that routes to reviews: found by its route.
      virtualService(
        'edge',
        [
          {
            route: [
              { destination: { host: 'reviews.shop.svc.cluster.local' } },
            ],
          },
        ],
        {
          namespace: 'istio-system',
          hosts: ['*'],
        },
      ),
    ],
  },
);

describe('selectEntityVirtualServices', () => {
  it('takes VirtualServices by namespace and name, each from its own namespace only', () => {
    const selected = selectEntityVirtualServices(
      annotations({
        virtualServices: [
          { namespace: 'default', name: 'reviews' },
          { namespace: 'shop', name: 'missing' },
          { namespace: 'staging', name: 'reviews' },
        ],
      }),
      cluster,
    );
    // `default` has no `reviews`: shop's is not claimed by the name alone.
    expect(names(selected, 'virtualServices')).toEqual(['staging/reviews']);
    expect(selected.notFound).toEqual([
      { namespace: 'default', name: 'reviews' },
      { namespace: 'shop', name: 'missing' },
    ]);
  });

  it('limits names to the entity namespace, and brings only what the view needs', () => {
    const selected = selectEntityVirtualServices(
      annotations({
        virtualServices: [{ namespace: 'shop', name: 'reviews' }],
        namespace: 'shop',
      }),
      cluster,
    );
    expect(names(selected, 'virtualServices')).toEqual(['shop/reviews']);
    expect(names(selected, 'destinationRules')).toEqual(['shop/reviews']);
    expect(names(selected, 'services')).toEqual(['shop/reviews']);
    expect(names(selected, 'deployments')).toEqual([
      'shop/reviews-v1',
      'shop/reviews-v2',
    ]);
    const [full] = buildVirtualServiceViews(cluster);
    const [small] = buildVirtualServiceViews(selected);
    expect(small).toEqual(full);
  });

  it('discovers by kubernetes-id: labelled Services, and Services of labelled workloads', () => {
    const ratings = selectEntityVirtualServices(
      annotations({ kubernetesId: 'ratings' }),
      cluster,
    );
    expect(names(ratings, 'virtualServices')).toEqual(['shop/ratings']);
    const reviews = selectEntityVirtualServices(
      annotations({ kubernetesId: 'reviews' }),
      cluster,
    );
    expect(names(reviews, 'virtualServices')).toEqual(['staging/reviews']);
  });

  it('discovers by label selector, by host or by route, within the namespace', () => {
    const selected = selectEntityVirtualServices(
      annotations({ labelSelector: 'app in (reviews)', namespace: 'shop' }),
      bag(cluster, {
        // Its metadata label is the selector's; its pods are the Service's.
        deployments: [
          deployment(
            'reviews-v9',
            { app: 'reviews', version: 'v9' },
            { labels: { app: 'reviews' } },
          ),
        ],
      }),
    );
    expect(names(selected, 'virtualServices')).toEqual([
      'shop/reviews',
      'istio-system/edge',
    ]);
    expect(selected.problems).toEqual([]);
  });

  it('reports an unreadable selector and finds nothing', () => {
    const selected = selectEntityVirtualServices(
      annotations({ labelSelector: 'app in reviews' }),
      cluster,
    );
    expect(selected.virtualServices).toEqual([]);
    expect(selected.problems).toEqual([
      "backstage.io/kubernetes-label-selector: 'app in reviews' is not a label selector requirement; nothing is discovered from it",
    ]);
  });

  it('brings delegates, and the Rollouts and Canaries that drive the VirtualServices', () => {
    const objects = bag(cluster, {
      virtualServices: [
        virtualService(
          'root',
          [{ delegate: { name: 'reviews', namespace: 'shop' } }],
          { hosts: ['shop.example.com'] },
        ),
      ],
      rollouts: [
        {
          kind: 'Rollout',
          metadata: { name: 'reviews', namespace: 'shop' },
          spec: {
            strategy: {
              canary: {
                trafficRouting: {
                  istio: { virtualService: { name: 'reviews' } },
                },
              },
            },
          },
        },
        {
          kind: 'Rollout',
          metadata: { name: 'unrelated', namespace: 'shop' },
          spec: {},
        },
      ],
      canaries: [
        {
          kind: 'Canary',
          metadata: { name: 'ratings', namespace: 'shop' },
          spec: { service: { name: 'ratings' } },
        },
      ],
    });
    const selected = selectEntityVirtualServices(
      annotations({
        virtualServices: [
          { namespace: 'shop', name: 'root' },
          { namespace: 'shop', name: 'ratings' },
        ],
        namespace: 'shop',
      }),
      objects,
    );
    expect(names(selected, 'virtualServices')).toEqual([
      'shop/reviews',
      'shop/ratings',
      'shop/root',
    ]);
    expect(names(selected, 'rollouts')).toEqual(['shop/reviews']);
    expect(names(selected, 'canaries')).toEqual(['shop/ratings']);
  });

  it('never throws on odd input', () => {
    expect(() =>
      selectEntityVirtualServices(
        annotations({ kubernetesId: 'x' }),
        null as unknown as ClusterObjects,
      ),
    ).not.toThrow();
  });
});
