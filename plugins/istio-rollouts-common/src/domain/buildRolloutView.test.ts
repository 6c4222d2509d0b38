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

import { VirtualServiceView } from '../types';
import { ClusterObjects } from '../kube/types';
import {
  bag,
  deployment,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';

function only(objects: ClusterObjects): VirtualServiceView {
  const views = buildVirtualServiceViews(objects);
  expect(views).toHaveLength(1);
  return views[0];
}

describe('buildVirtualServiceViews: strategies', () => {
  it('canary: a weighted split with versions, workloads and images', () => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 90],
                ['v2', 10],
              ]),
            },
          ]),
        ],
      }),
    );
    expect(view).toMatchObject({
      namespace: 'shop',
      name: 'reviews',
      apiVersion: 'networking.istio.io/v1',
      resourceVersion: '42',
      hosts: ['reviews'],
      gateways: [],
      nonHttpRoutes: [],
      warnings: [],
    });
    expect(view.routes[0]).toMatchObject({
      strategy: 'canary',
      explanation: 'Canary: 10% of traffic goes to v2, 90% stays on v1',
      destinations: [
        { versionKey: 'reviews/v1', host: 'reviews', subset: 'v1', weight: 90 },
        { versionKey: 'reviews/v2', host: 'reviews', subset: 'v2', weight: 10 },
      ],
      warnings: [],
    });
    expect(view.versions[1]).toEqual({
      key: 'reviews/v2',
      label: 'v2',
      host: 'reviews',
      fqdn: 'reviews.shop.svc.cluster.local',
      subset: 'v2',
      labels: { version: 'v2' },
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'reviews-v2',
          images: ['reviews-v2:1'],
          replicas: { desired: 2, ready: 2, updated: 2, available: 2 },
          updateStrategy: 'RollingUpdate',
        },
      ],
      ready: 2,
      desired: 2,
    });
  });

  it('canary: three versions, and a zero-weight version named as idle', () => {
    const three = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 33],
                ['v2', 33],
                ['v3', 34],
              ]),
            },
          ]),
        ],
      }),
    );
    expect(three.routes[0].explanation).toBe(
      'Canary: traffic split across v1 (33%), v2 (33%), v3 (34%)',
    );
    const idle = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 80],
                ['v2', 20],
                ['v3', 0],
              ]),
            },
          ]),
        ],
      }),
    );
    expect(idle.routes[0].explanation).toBe(
      'Canary: 20% of traffic goes to v2, 80% stays on v1; v3 at 0%',
    );
    // Past 50% the canary (listed second) has the larger share.
    const past = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 25],
                ['v2', 75],
              ]),
            },
          ]),
        ],
      }),
    );
    expect(past.routes[0].explanation).toBe(
      'Canary: 75% of traffic goes to v2, 25% stays on v1',
    );
  });

  it('blue-green: one version at 100, the others deployed at 0', () => {
    const objects = bag(
      {
        services: [
          service('shop-blue', { app: 'shop', color: 'blue' }),
          service('shop-green', { app: 'shop', color: 'green' }),
        ],
        deployments: [
          deployment('shop-blue', { app: 'shop', color: 'blue' }),
          deployment('shop-green', { app: 'shop', color: 'green' }),
        ],
      },
      {
        virtualServices: [
          virtualService('shop', [
            {
              route: [
                { destination: { host: 'shop-blue' }, weight: 100 },
                { destination: { host: 'shop-green' }, weight: 0 },
              ],
            },
          ]),
        ],
      },
    );
    const view = only(objects);
    expect(view.routes[0]).toMatchObject({
      strategy: 'blue-green',
      explanation:
        'Blue-green: all traffic on shop-blue; shop-green is on standby',
    });
    expect(view.versions.map(v => [v.key, v.labels, v.ready])).toEqual([
      ['shop-blue', { app: 'shop', color: 'blue' }, 2],
      ['shop-green', { app: 'shop', color: 'green' }, 2],
    ]);
  });

  it('targeted: a header match to another version, everyone else on the default', () => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              route: split([['v2', undefined]]),
            },
            { route: split([['v1', undefined]]) },
          ]),
        ],
      }),
    );
    expect(view.routes.map(r => [r.strategy, r.explanation])).toEqual([
      ['targeted', 'Targeted: requests with header end-user = jason go to v2'],
      [
        'rolling',
        'Everyone else: single version v1, rolled out by RollingUpdate',
      ],
    ]);
    expect(view.routes[0].match).toEqual([
      [{ kind: 'header', name: 'end-user', operator: 'exact', value: 'jason' }],
    ]);
  });

  it('targeted: cookies and query parameters; path routing is not targeting', () => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              match: [
                {
                  headers: {
                    cookie: { regex: '^(.*?;)?(beta=yes)(;.*)?$' },
                  },
                },
                { queryParams: { canary: { exact: 'true' } } },
              ],
              route: split([['v3', 100]]),
            },
            {
              match: [{ uri: { prefix: '/api' } }],
              route: split([['v2', 100]]),
            },
            { route: split([['v1', 100]]) },
          ]),
        ],
      }),
    );
    expect(view.routes[0].explanation).toBe(
      'Targeted: requests with cookie beta = yes or query parameter canary = true go to v3',
    );
    expect(view.routes[1].strategy).toBe('rolling');
  });

  it('a matched route to the default version is not targeted; its fault is reported', () => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              fault: { abort: { httpStatus: 500 } },
              route: split([['v1', undefined]]),
            },
            { route: split([['v1', undefined]]) },
          ]),
        ],
      }),
    );
    expect(view.routes.map(r => r.strategy)).toEqual(['rolling', 'rolling']);
    expect(view.routes[0].warnings).toEqual([
      {
        code: 'fault-injection',
        severity: 'info',
        message:
          'VirtualService shop/reviews, route 0 injects faults (abort (HTTP 500)) into requests with header end-user = jason.',
      },
    ]);
  });

  it.each([
    [
      {
        mirror: { host: 'reviews', subset: 'v2' },
        mirrorPercentage: { value: 20 },
      },
      20,
    ],
    [{ mirror: { host: 'reviews', subset: 'v2' }, mirror_percent: 5 }, 5],
    [{ mirror: { host: 'reviews', subset: 'v2' } }, 100],
    [
      {
        mirrors: [
          {
            destination: { host: 'reviews', subset: 'v2' },
            percentage: { value: 0.5 },
          },
        ],
      },
      0.5,
    ],
  ])('mirror: %j copies %s%', (mirror, percentage) => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            { route: split([['v1', undefined]]), ...mirror },
          ]),
        ],
      }),
    );
    expect(view.routes[0]).toMatchObject({
      strategy: 'mirror',
      explanation: `Mirror: all traffic served by v1; ${percentage}% copied to v2`,
      mirror: {
        versionKey: 'reviews/v2',
        host: 'reviews',
        subset: 'v2',
        percentage,
      },
      warnings: [],
    });
  });
});
