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
const vsCodes = (v: VirtualServiceView) =>
  v.warnings.map(w => `${w.code}:${w.severity}`);

describe('VirtualService warnings', () => {
  it('tcp and tls routes are shown read-only', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [], {
          extra: {
            tcp: [{ route: split([['v1', 100]]) }],
            tls: [
              {
                match: [{ sniHosts: ['x'] }],
                route: split([
                  ['v1', 80],
                  ['v2', 20],
                ]),
              },
            ],
          },
        }),
      ],
    });
    expect(vsCodes(v)).toEqual(['non-http-routes-read-only:info']);
    expect(v.nonHttpRoutes).toEqual([
      {
        protocol: 'tcp',
        index: 0,
        destinations: [
          {
            versionKey: 'reviews/v1',
            host: 'reviews',
            subset: 'v1',
            weight: 100,
          },
        ],
      },
      {
        protocol: 'tls',
        index: 0,
        destinations: [
          {
            versionKey: 'reviews/v1',
            host: 'reviews',
            subset: 'v1',
            weight: 80,
          },
          {
            versionKey: 'reviews/v2',
            host: 'reviews',
            subset: 'v2',
            weight: 20,
          },
        ],
      },
    ]);
  });

  it('no routes, malformed fields, no hosts, delegates', () => {
    const empty = view({ virtualServices: [virtualService('a', [])] });
    expect(vsCodes(empty)).toEqual(['no-routes:warning']);
    const malformed = view({
      virtualServices: [
        virtualService('a', 'oops' as never, { extra: { tcp: {} } }),
      ],
    });
    expect(vsCodes(malformed)).toEqual([
      'malformed-field:warning',
      'malformed-field:warning',
      'no-routes:warning',
    ]);
    expect(malformed.warnings[0].message).toBe(
      'VirtualService shop/a: spec.http is not a list; that part is ignored.',
    );
    const views = buildVirtualServiceViews(
      bag({
        virtualServices: [
          virtualService('root', [
            { delegate: { name: 'child', namespace: 'shop' } },
          ]),
          virtualService(
            'child',
            [{ route: [{ destination: { host: 'x' } }] }],
            { hosts: [] },
          ),
          virtualService(
            'orphan',
            [{ route: [{ destination: { host: 'x' } }] }],
            { hosts: [] },
          ),
        ],
      }),
    );
    expect(views.map(vsCodes)).toEqual([
      [],
      ['delegate-virtual-service:info'],
      ['no-hosts:info'],
    ]);
  });

  it('a destination without host is skipped and reported', () => {
    const v = view(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [
          {
            route: [
              { destination: { subset: 'v1' } },
              ...split([['v2', undefined]])!,
            ],
          },
        ]),
      ],
    });
    expect(v.routes[0].destinations.map(d => d.versionKey)).toEqual([
      'reviews/v2',
    ]);
    expect(v.warnings[0].message).toContain(
      'spec.http[0].route[0].destination has no host',
    );
  });

  it('no ready pods counts ready replicas across workloads of a version', () => {
    const v = view(
      reviewsApp({ v1: 0 }),
      {
        deployments: [
          deployment(
            'reviews-v1-b',
            { app: 'reviews', version: 'v1' },
            { ready: 1 },
          ),
        ],
      },
      {
        virtualServices: [
          virtualService('reviews', [{ route: split([['v1', undefined]]) }]),
        ],
      },
    );
    expect(v.versions[0]).toMatchObject({ ready: 1, desired: 4 });
    expect(v.routes[0].warnings).toEqual([]);
  });
});
