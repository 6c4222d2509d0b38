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
import {
  bag,
  deployment,
  reviewsApp,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';

const view = (...args: Parameters<typeof bag>): VirtualServiceView =>
  buildVirtualServiceViews(bag(...args))[0];
const routeCodes = (v: VirtualServiceView, i = 0) =>
  v.routes[i].warnings.map(w => `${w.code}:${w.severity}`);

describe('route warnings', () => {
  it('weights that do not add up to 100', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: split([
              ['v1', 60],
              ['v2', 30],
            ]),
          },
        ]),
      ],
    });
    expect(v.routes[0].warnings).toEqual([
      {
        code: 'weights-not-100',
        severity: 'warning',
        message:
          'VirtualService shop/reviews, route 0: weights add up to 90, not 100; Istio shares traffic in proportion to them.',
      },
    ]);
    const lone = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [{ route: split([['v1', 40]]) }]),
      ],
    });
    expect(lone.routes[0].destinations[0].weight).toBe(100);
    expect(routeCodes(lone)).toEqual(['weights-not-100:warning']);
  });

  it('negative, over 100, fractional and non-numeric weights', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: -10 },
              { destination: { host: 'reviews', subset: 'v2' }, weight: 110 },
            ],
          },
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: 99.5 },
              {
                destination: { host: 'reviews', subset: 'v2' },
                weight: 'half' as never,
              },
            ],
          },
        ]),
      ],
    });
    expect(routeCodes(v, 0)).toEqual([
      'weight-out-of-range:error',
      'weight-out-of-range:error',
    ]);
    expect(routeCodes(v, 1)).toEqual([
      'weight-invalid:error',
      'weight-invalid:error',
      'weights-not-100:warning',
      // The first route has no match, so the second is never reached.
      'route-unreachable:warning',
    ]);
    expect(v.routes[1].warnings[1].message).toContain(
      "weight 'half' of v2 is not a number",
    );
  });

  it('duplicate destinations add up', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: split([
              ['v1', 50],
              ['v2', 25],
              ['v1', 25],
            ]),
          },
        ]),
      ],
    });
    expect(routeCodes(v)).toEqual(['duplicate-destination:warning']);
    expect(v.routes[0].explanation).toBe(
      'Canary: 25% of traffic goes to v2, 75% stays on v1',
    );
  });

  it('a subset defined in no DestinationRule, also as a mirror target', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: split([
              ['v1', 90],
              ['v9', 10],
            ]),
            mirror: { host: 'reviews', subset: 'v8' },
          },
        ]),
      ],
    });
    expect(routeCodes(v)).toEqual([
      'subset-undefined:error',
      'subset-undefined:error',
    ]);
    expect(v.routes[0].warnings[1].message).toBe(
      "VirtualService shop/reviews, route 0: subset 'v8' of reviews is defined in no DestinationRule, so Istio cannot route to mirror target v8 (503).",
    );
    expect(v.versions.find(x => x.key === 'reviews/v9')?.workloads).toEqual([]);
  });

  it('a version scaled to 0 that gets no traffic is at rest, not a warning', () => {
    // Flagger's canary between releases: scaled to 0, weight 0.
    const objects = reviewsApp();
    objects.deployments = objects.deployments.map(d =>
      d.metadata?.name === 'reviews-v2'
        ? deployment(
            'reviews-v2',
            { app: 'reviews', version: 'v2' },
            {
              replicas: 0,
              ready: 0,
            },
          )
        : d,
    );
    const at = (v2: number) =>
      view(objects, {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 100 - v2],
                ['v2', v2],
              ]),
            },
          ]),
        ],
      });
    expect(routeCodes(at(0))).toEqual([]);
    // Sent traffic, the same version is an error.
    expect(routeCodes(at(10))).toEqual(['version-no-ready-pods:error']);
  });

  it('versions with no ready pods: an error with traffic, a warning without', () => {
    const v = view(reviewsApp({ v1: 0, v2: 0 }), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: split([
              ['v1', 100],
              ['v2', 0],
            ]),
          },
        ]),
      ],
    });
    expect(v.routes[0].warnings.map(w => w.message)).toEqual([
      'VirtualService shop/reviews, route 0: version v1 has 0 of 2 pods ready but receives 100% of traffic.',
      'VirtualService shop/reviews, route 0: version v2 has 0 of 2 pods ready.',
    ]);
    expect(routeCodes(v)).toEqual([
      'version-no-ready-pods:error',
      'version-no-ready-pods:warning',
    ]);
  });

  it('a version no workload runs', () => {
    const v = view(
      {
        destinationRules: reviewsApp().destinationRules,
        services: reviewsApp().services,
      },
      {
        virtualServices: [
          virtualService('reviews', [
            {
              route: split([
                ['v1', 100],
                ['v2', 0],
              ]),
            },
          ]),
        ],
      },
    );
    expect(routeCodes(v)).toEqual([
      'version-no-workload:error',
      'version-no-workload:warning',
    ]);
  });

  it('delegate routes, unreachable routes and odd mirrors', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            match: [{ uri: { prefix: '/old' } }],
            delegate: { name: 'legacy' },
          },
          {
            route: split([['v1', undefined]]),
            mirror: { host: 'reviews', subset: 'v2' },
            mirrorPercentage: { value: 150 },
            mirrors: [{ destination: { host: 'reviews', subset: 'v3' } }],
          },
          { route: split([['v2', undefined]]) },
        ]),
      ],
    });
    expect(v.routes[0]).toMatchObject({
      strategy: 'unknown',
      delegate: { name: 'legacy', namespace: 'shop' },
      destinations: [],
      explanation:
        'Delegated: VirtualService shop/legacy decides where these requests go',
    });
    expect(routeCodes(v, 0)).toEqual(['delegate-route:warning']);
    expect(routeCodes(v, 1)).toEqual([
      'mirror-percentage-out-of-range:error',
      'multiple-mirrors:info',
    ]);
    expect(routeCodes(v, 2)).toEqual(['route-unreachable:warning']);
  });
});
