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

import { raisesNonStableShare } from './raisesShare';
import { RouteChangePlan, RouteSnapshot } from './types';

const split = (
  weights: Array<[string, string, number]>,
  mirror?: RouteSnapshot['mirror'],
): RouteSnapshot => ({
  index: 0,
  destinations: weights.map(([host, subset, weight]) => ({
    host,
    subset,
    weight,
  })),
  mirror,
});

const plan = (
  before: RouteSnapshot,
  after: RouteSnapshot,
  extra: Partial<RouteChangePlan> = {},
): RouteChangePlan => ({
  ok: true,
  patch: [],
  changed: true,
  before,
  after,
  resultingRoute: {},
  ...extra,
});

const V1 = { host: 'web', subset: 'v1' };

describe('raisesNonStableShare', () => {
  it('sees a canary gaining traffic, and not the stable gaining it back', () => {
    const at90 = split([
      ['web', 'v1', 90],
      ['web', 'v2', 10],
    ]);
    const at75 = split([
      ['web', 'v1', 75],
      ['web', 'v2', 25],
    ]);
    expect(raisesNonStableShare(plan(at90, at75), V1, 'shop')).toBe(true);
    expect(raisesNonStableShare(plan(at75, at90), V1, 'shop')).toBe(false);
  });

  it('reads weights as proportions: 5/5 to 50/50 raises nothing', () => {
    const fives = split([
      ['web', 'v1', 5],
      ['web', 'v2', 5],
    ]);
    const fifty = split([
      ['web', 'v1', 50],
      ['web', 'v2', 50],
    ]);
    expect(raisesNonStableShare(plan(fives, fifty), V1, 'shop')).toBe(false);
  });

  it('sees a same-named Service of another namespace as another version', () => {
    const alone = split([['web', 'v1', 100]]);
    const canary = split([
      ['web', 'v1', 90],
      ['web.other.svc.cluster.local', 'v1', 10],
    ]);
    expect(raisesNonStableShare(plan(alone, canary), V1, 'shop')).toBe(true);
    // The same Service written qualified is the stable itself.
    const qualified = split([['web.shop.svc.cluster.local', 'v1', 100]]);
    expect(raisesNonStableShare(plan(alone, qualified), V1, 'shop')).toBe(
      false,
    );
  });

  it('sees a new or larger mirror, and a targeted route, as releasing', () => {
    const base = split([['web', 'v1', 100]]);
    const mirrored = (percentage: number) =>
      split([['web', 'v1', 100]], { host: 'web', subset: 'v2', percentage });
    expect(raisesNonStableShare(plan(base, mirrored(10)), V1, 'shop')).toBe(
      true,
    );
    expect(
      raisesNonStableShare(plan(mirrored(10), mirrored(20)), V1, 'shop'),
    ).toBe(true);
    expect(
      raisesNonStableShare(plan(mirrored(20), mirrored(10)), V1, 'shop'),
    ).toBe(false);
    expect(
      raisesNonStableShare(
        plan(base, base, {
          addedRoute: { index: 0, name: 'istio-rollouts-target-x', route: {} },
        }),
        V1,
        'shop',
      ),
    ).toBe(true);
  });
});
