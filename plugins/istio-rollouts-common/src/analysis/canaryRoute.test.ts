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

import { IstioHttpRoute } from '../kube/types';
import { VirtualServiceView } from '../types';
import {
  bag,
  deployment,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from '../domain/buildRolloutView';
import { findCanaryRoute } from './canaryRoute';

const view = (http: IstioHttpRoute[], ...extra: Parameters<typeof bag>) =>
  buildVirtualServiceViews(
    bag(reviewsApp(), ...extra, {
      virtualServices: [virtualService('reviews', http)],
    }),
  )[0];

const keys = (
  vs: VirtualServiceView,
  recorded?: Parameters<typeof findCanaryRoute>[1],
) => {
  const found = findCanaryRoute(vs, recorded);
  return (
    found && {
      route: found.route.index,
      stable: found.stable.key,
      canary: found.canary.key,
    }
  );
};

describe('findCanaryRoute', () => {
  it('finds a two-way weighted split: first-listed stable, the other the canary', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 10],
        ]),
      },
    ]);
    const found = findCanaryRoute(vs)!;
    expect(found.route).toBe(vs.routes[0]);
    expect(found.stable).toBe(vs.versions.find(v => v.key === 'reviews/v1'));
    expect(found.canary).toBe(vs.versions.find(v => v.key === 'reviews/v2'));
    expect(
      keys(
        view([
          {
            route: split([
              ['v2', 10],
              ['v1', 90],
            ]),
          },
        ]),
      ),
    ).toEqual({
      route: 0,
      stable: 'reviews/v2',
      canary: 'reviews/v1',
    });
  });

  it('takes the recorded stable while it still gets traffic', () => {
    const vs = view([
      {
        route: split([
          ['v2', 60],
          ['v1', 40],
        ]),
      },
    ]);
    expect(keys(vs, { host: 'reviews', subset: 'v1' })).toEqual({
      route: 0,
      stable: 'reviews/v1',
      canary: 'reviews/v2',
    });
    // Hosts compare as Istio resolves them.
    expect(
      keys(vs, { host: 'reviews.shop.svc.cluster.local', subset: 'v1' })
        ?.stable,
    ).toBe('reviews/v1');
    // A recorded stable the route no longer sends traffic to does not count.
    expect(
      keys(
        view([
          {
            route: split([
              ['v1', 0],
              ['v2', 60],
              ['v3', 40],
            ]),
          },
        ]),
        {
          host: 'reviews',
          subset: 'v1',
        },
      ),
    ).toEqual({ route: 0, stable: 'reviews/v2', canary: 'reviews/v3' });
  });

  it('skips routes that are not a two-way split and takes the first that is', () => {
    const vs = view([
      {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: split([['v2', undefined]]),
      },
      {
        match: [{ uri: { prefix: '/three' } }],
        route: split([
          ['v1', 50],
          ['v2', 25],
          ['v3', 25],
        ]),
      },
      {
        match: [{ uri: { prefix: '/all' } }],
        route: split([
          ['v1', 100],
          ['v3', 0],
        ]),
      },
      {
        route: split([
          ['v1', 80],
          ['v3', 20],
        ]),
      },
      {
        route: split([
          ['v1', 50],
          ['v2', 50],
        ]),
      },
    ]);
    expect(keys(vs)).toEqual({
      route: 3,
      stable: 'reviews/v1',
      canary: 'reviews/v3',
    });
  });

  it('finds nothing without a split', () => {
    expect(
      findCanaryRoute(
        view([
          {
            route: split([
              ['v1', 100],
              ['v2', 0],
            ]),
          },
        ]),
      ),
    ).toBeUndefined();
    expect(
      findCanaryRoute(
        view([
          {
            route: split([
              ['v1', 0],
              ['v2', 100],
            ]),
          },
        ]),
      ),
    ).toBeUndefined();
    expect(
      findCanaryRoute(view([{ route: split([['v1', undefined]]) }])),
    ).toBeUndefined();
    expect(findCanaryRoute(view([]))).toBeUndefined();
    // A mirror copies requests; it does not split them.
    expect(
      findCanaryRoute(
        view([
          {
            route: split([['v1', 100]]),
            mirror: { host: 'reviews', subset: 'v2' },
            mirrorPercentage: { value: 50 },
          },
        ]),
      ),
    ).toBeUndefined();
  });

  it('is not fooled by one version listed twice', () => {
    expect(
      findCanaryRoute(
        view([
          {
            route: split([
              ['v1', 50],
              ['v1', 50],
            ]),
          },
        ]),
      ),
    ).toBeUndefined();
  });

  it('finds host-split canaries', () => {
    const vs = view(
      [
        {
          route: [
            { destination: { host: 'reviews' }, weight: 75 },
            { destination: { host: 'reviews-canary' }, weight: 25 },
          ],
        },
      ],
      {
        services: [
          service('reviews-canary', { app: 'reviews', track: 'canary' }),
        ],
        deployments: [
          deployment('reviews-canary', { app: 'reviews', track: 'canary' }),
        ],
      },
    );
    expect(keys(vs)).toEqual({
      route: 0,
      stable: 'reviews',
      canary: 'reviews-canary',
    });
  });

  it('skips a route whose versions the view does not list', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 10],
        ]),
      },
    ]);
    expect(
      findCanaryRoute({
        ...vs,
        versions: vs.versions.filter(v => v.key !== 'reviews/v2'),
      }),
    ).toBeUndefined();
  });
});
