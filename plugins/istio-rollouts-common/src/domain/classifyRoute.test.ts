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

import path from 'path';
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
import { loadYaml, toClusterObjects } from '../__testUtils__/loadYaml';
import { buildVirtualServiceViews } from './buildRolloutView';

// Single-version and undecidable routes, through the public entry point.

function only(objects: ClusterObjects): VirtualServiceView {
  const views = buildVirtualServiceViews(objects);
  expect(views).toHaveLength(1);
  return views[0];
}

const codes = (view: VirtualServiceView, route = 0) =>
  view.routes[route].warnings.map(w => `${w.code}:${w.severity}`);

describe('classifyRoute: single versions and unknowns', () => {
  it('rolling: progress of a Deployment mid-update', () => {
    const objects = bag(
      {
        services: [service('cart', { app: 'cart' })],
        deployments: [
          deployment(
            'cart',
            { app: 'cart' },
            { replicas: 4, updated: 2, ready: 3 },
          ),
        ],
      },
      {
        virtualServices: [
          virtualService('cart', [
            { route: [{ destination: { host: 'cart' } }] },
          ]),
        ],
      },
    );
    const view = only(objects);
    expect(view.routes[0]).toMatchObject({
      strategy: 'rolling',
      explanation: 'Rolling update: 2 of 4 pods on the new version',
    });
    expect(view.versions[0].workloads[0].progress).toBe('2 of 4 pods updated');
  });

  it('recreate, and one host over several Deployments', () => {
    const recreate = only(
      bag(
        {
          services: [service('cart', { app: 'cart' })],
          deployments: [
            deployment('cart', { app: 'cart' }, { strategy: 'Recreate' }),
          ],
        },
        {
          virtualServices: [
            virtualService('cart', [
              { route: [{ destination: { host: 'cart' } }] },
            ]),
          ],
        },
      ),
    );
    expect(recreate.routes[0]).toMatchObject({
      strategy: 'recreate',
      explanation: 'Single version cart, rolled out by Recreate',
    });
    const shared = only(
      bag(
        {
          services: [service('cart', { app: 'cart' })],
          deployments: [
            deployment('cart-v1', { app: 'cart', version: 'v1' }),
            deployment('cart-v2', { app: 'cart', version: 'v2' }),
          ],
        },
        {
          virtualServices: [
            virtualService('cart', [
              { route: [{ destination: { host: 'cart' } }] },
            ]),
          ],
        },
      ),
    );
    expect(shared.routes[0].explanation).toBe(
      'Single version cart served by 2 Deployments (cart-v1, cart-v2); traffic follows their pod counts',
    );
  });

  it('reads the project fixture: a host-split canary during a rolling update', () => {
    const view = only(
      toClusterObjects(
        loadYaml(
          path.resolve(__dirname, '../__fixtures__/checkout-canary.yaml'),
        ),
      ),
    );
    expect(view.routes[0]).toMatchObject({
      name: 'primary',
      strategy: 'canary',
      explanation:
        'Canary: 5% of traffic goes to checkout-canary, 95% stays on checkout-stable',
      warnings: [],
    });
    expect(
      view.versions.map(v => [
        v.key,
        v.ready,
        v.desired,
        v.workloads[0].progress,
      ]),
    ).toEqual([
      ['checkout-stable', 4, 4, '2 of 4 pods updated'],
      ['checkout-canary', 1, 1, undefined],
    ]);
    expect(view.versions[1].workloads[0].images).toEqual([
      'registry.example.com/checkout:1.5.0',
    ]);
  });

  it('unknown: weights missing, all zero, redirect, no workload, external host', () => {
    const view = only(
      bag(reviewsApp(), {
        virtualServices: [
          virtualService('reviews', [
            {
              match: [{ uri: { prefix: '/a' } }],
              route: split([
                ['v1', undefined],
                ['v2', undefined],
              ]),
            },
            {
              match: [{ uri: { prefix: '/b' } }],
              route: split([
                ['v1', 0],
                ['v2', 0],
              ]),
            },
            { match: [{ uri: { prefix: '/c' } }], redirect: { uri: '/' } },
            {
              match: [{ uri: { prefix: '/d' } }],
              route: [{ destination: { host: 'gone' } }],
            },
            { route: [{ destination: { host: 'api.example.com' } }] },
          ]),
        ],
      }),
    );
    expect(view.routes.map(r => r.strategy)).toEqual(Array(5).fill('unknown'));
    expect(view.routes.map(r => r.explanation)).toEqual([
      'Unknown: several destinations without weights, so the split cannot be told',
      'Unknown: every destination has weight 0, so no version gets traffic',
      'Unknown: this route answers with a redirect, so no version serves it',
      'Unknown: single version gone, but no Deployment or Rollout running it was found',
      'Unknown: single destination api.example.com is outside the cluster, so there is no rollout to show',
    ]);
    expect(codes(view, 0)).toContain('weights-missing:error');
    expect(view.routes[0].destinations.map(d => d.weight)).toEqual([0, 0]);
    expect(codes(view, 1)).toContain('weights-not-100:warning');
    expect(codes(view, 3)).toEqual(['version-no-workload:error']);
    expect(codes(view, 4)).toEqual([]);
  });
});
