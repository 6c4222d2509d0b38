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
  debugRoute,
  dest,
  expectSafePlan,
  loneVs,
  primary,
  reviewsVs,
  v1,
} from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { RollbackOperation } from './types';

// Rollback: all traffic to the stable version, and this plugin's targeted
// routes and mirror around the route removed; everything else kept.

const ours = (name: string, subset = 'v2') => ({
  name: `istio-rollouts-target-${name}`,
  match: [{ headers: { 'end-user': { exact: name } } }],
  route: [dest(subset)],
  timeout: '10s',
});

function rollback(vs: unknown, operation: Partial<RollbackOperation> = {}) {
  return planRouteChange({
    virtualService: vs,
    route: 'primary',
    operation: { type: 'rollback', ...operation },
  });
}

describe('rollback', () => {
  it('sends all traffic to the stable version', () => {
    const vs = reviewsVs([debugRoute, primary(dest('v1', 75), dest('v2', 25))]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/1/route/1/weight', value: 0 },
    ]);
    expect(plan.removedRoutes).toBeUndefined();
  });

  it('removes our targeted routes just before the route and a mirror to the canary', () => {
    const route = {
      ...primary(dest('v1', 75), dest('v2', 25)),
      mirror: { host: 'reviews', subset: 'v2' },
      mirrorPercentage: { value: 50 },
    };
    const vs = reviewsVs([debugRoute, ours('a'), ours('b'), route]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.patch).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '1000' },
      { op: 'test', path: '/spec/http/3/name', value: 'primary' },
      { op: 'test', path: '/spec/http/3/route/0/destination', value: v1 },
      { op: 'test', path: '/spec/http/3/route/0/weight', value: 75 },
      {
        op: 'test',
        path: '/spec/http/3/route/1/destination',
        value: { host: 'reviews', subset: 'v2' },
      },
      { op: 'test', path: '/spec/http/3/route/1/weight', value: 25 },
      {
        op: 'test',
        path: '/spec/http/2/name',
        value: 'istio-rollouts-target-b',
      },
      {
        op: 'test',
        path: '/spec/http/1/name',
        value: 'istio-rollouts-target-a',
      },
      { op: 'replace', path: '/spec/http/3/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/3/route/1/weight', value: 0 },
      { op: 'remove', path: '/spec/http/3/mirror' },
      { op: 'remove', path: '/spec/http/3/mirrorPercentage' },
      { op: 'remove', path: '/spec/http/2' },
      { op: 'remove', path: '/spec/http/1' },
    ]);
    expect(plan.removedRoutes).toEqual([
      { index: 2, name: 'istio-rollouts-target-b' },
      { index: 1, name: 'istio-rollouts-target-a' },
    ]);
    expect(plan.before.index).toBe(3);
    expect(plan.before.mirror).toEqual({
      ...ours('x').route[0].destination,
      percentage: 50,
    });
    expect(plan.after.index).toBe(1);
    expect(plan.after.mirror).toBeUndefined();
    expect(plan.resultingRoute).toEqual(
      primary(dest('v1', 100), dest('v2', 0)),
    );
  });

  it('keeps targeted routes separated from the route by a foreign one', () => {
    const vs = reviewsVs([
      ours('a'),
      debugRoute,
      ours('b'),
      primary(dest('v1', 90), dest('v2', 10)),
    ]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.removedRoutes).toEqual([
      { index: 2, name: 'istio-rollouts-target-b' },
    ]);
    expect(plan.after.index).toBe(2);
  });

  it.each([
    ['an unrelated host', { host: 'traffic-recorder' }],
    [
      'the stable version',
      { host: 'reviews.shop.svc.cluster.local', subset: 'v1' },
    ],
  ])('keeps a mirror to %s', (_what, mirror) => {
    const route = {
      ...primary(dest('v1', 90), dest('v2', 10)),
      mirror,
      mirror_percent: 5,
    };
    const vs = reviewsVs([debugRoute, route]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.patch.map(op => op.path)).not.toContain('/spec/http/1/mirror');
    expect(plan.after.mirror).toEqual({ ...mirror, percentage: 5 });
  });

  it('removes the old mirror_percent with the mirror', () => {
    const route = {
      ...primary(dest('v1', 90), dest('v2', 10)),
      mirror: { host: 'reviews', subset: 'v2' },
      mirror_percent: 5,
    };
    const vs = reviewsVs([debugRoute, route]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.resultingRoute).toEqual(
      primary(dest('v1', 100), dest('v2', 0)),
    );
  });

  it('uses an explicit stable, even where weights are unreadable', () => {
    const vs = reviewsVs([
      debugRoute,
      primary(dest('v1', 'lots'), dest('v2', 60)),
    ]);
    const { plan } = expectSafePlan(vs, rollback(vs, { stable: v1 }));
    expect(plan.resultingRoute).toEqual(
      primary(dest('v1', 100), dest('v2', 0)),
    );
  });

  it('rolls back to the heaviest first-listed of three destinations', () => {
    const vs = reviewsVs([
      debugRoute,
      primary(dest('v1', 80), dest('v2', 10), dest('v3', 10)),
    ]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.after.destinations.map(d => d.weight)).toEqual([100, 0, 0]);
  });

  it('on a single-destination route only removes the targeting', () => {
    const vs = loneVs();
    (vs.spec.http as unknown[]).splice(1, 0, ours('a', 'v3'));
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'remove', path: '/spec/http/1' },
    ]);
    expect(plan.after).toEqual({
      index: 1,
      name: 'primary',
      destinations: [{ ...v1, weight: 100 }],
    });
  });

  it('changes nothing when already rolled back', () => {
    const vs = reviewsVs([debugRoute, primary(dest('v1', 100), dest('v2', 0))]);
    const { plan } = expectSafePlan(vs, rollback(vs));
    expect(plan.changed).toBe(false);
  });

  it.each([
    [
      [dest('v1', 40), dest('v2', 60)],
      409,
      /cannot tell which version .* is stable: reviews\/v1 is listed first but reviews\/v2 has more traffic \(60% vs 40%\)/,
    ],
    [
      [dest('v1', 'x'), dest('v2', 60)],
      409,
      /weight "x" of reviews\/v1 is not a number/,
    ],
    [[dest('v1'), dest('v2')], 409, /2 destinations but no weights/],
  ])('refuses %j', (route, status, message) => {
    const vs = reviewsVs([debugRoute, primary(...route)]);
    expect(rollback(vs)).toEqual({
      ok: false,
      status,
      message: expect.stringMatching(message),
    });
  });

  it('refuses a stable that is not in the route', () => {
    const vs = reviewsVs([debugRoute, primary(dest('v1', 90), dest('v2', 10))]);
    expect(rollback(vs, { stable: { host: 'reviews', subset: 'v9' } })).toEqual(
      {
        ok: false,
        status: 422,
        message:
          "stable reviews/v9 is not a destination of VirtualService shop/reviews, route 'primary'; its destinations are reviews/v1, reviews/v2",
      },
    );
  });
});
