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
  canaryVs,
  debugRoute,
  dest,
  expectSafePlan,
  loneVs,
  primary,
  refused,
  reviewsVs,
  v2,
} from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { RouteOperation } from './types';

// Mirroring end to end, through planRouteChange.

function plan(
  vs: unknown,
  operation: RouteOperation,
  knownSubsets?: Record<string, string[]>,
) {
  return planRouteChange({
    virtualService: vs,
    route: 'primary',
    operation,
    knownSubsets,
  });
}

describe('set-mirror and remove-mirror', () => {
  it('adds a mirror and its percentage', () => {
    const vs = canaryVs(100, 0);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'set-mirror',
        to: { ...v2, port: 9080 },
        percentage: 12.5,
      }),
    );
    expect(p.patch.filter(op => op.op !== 'test')).toEqual([
      {
        op: 'add',
        path: '/spec/http/1/mirror',
        value: { host: 'reviews', subset: 'v2', port: { number: 9080 } },
      },
      {
        op: 'add',
        path: '/spec/http/1/mirrorPercentage',
        value: { value: 12.5 },
      },
    ]);
    expect(p.after.mirror).toEqual({ ...v2, port: 9080, percentage: 12.5 });
  });

  it('replaces a mirror and drops the deprecated mirror_percent', () => {
    const vs = reviewsVs([
      {
        ...primary(dest('v1')),
        mirror: { host: 'reviews', subset: 'v3' },
        mirror_percent: 20,
      },
    ]);
    const { plan: p } = expectSafePlan(
      vs,
      planRouteChange({
        virtualService: vs,
        route: 0,
        operation: { type: 'set-mirror', to: v2, percentage: 100 },
      }),
    );
    expect(p.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'replace', path: '/spec/http/0/mirror', value: v2 },
      {
        op: 'add',
        path: '/spec/http/0/mirrorPercentage',
        value: { value: 100 },
      },
      { op: 'remove', path: '/spec/http/0/mirror_percent' },
    ]);
    expect(p.before.mirror).toEqual({
      host: 'reviews',
      subset: 'v3',
      percentage: 20,
    });
  });

  it('changes nothing when the mirror is already as asked', () => {
    const vs = reviewsVs([
      { ...primary(dest('v1')), mirror: v2, mirrorPercentage: { value: 5 } },
    ]);
    const { plan: p } = expectSafePlan(
      vs,
      planRouteChange({
        virtualService: vs,
        route: 'primary',
        operation: { type: 'set-mirror', to: v2, percentage: 5 },
      }),
    );
    expect(p.changed).toBe(false);
  });

  it.each([0, -1, 100.5, '10', Number.NaN, undefined])(
    'refuses percentage %p',
    percentage => {
      expect(
        plan(loneVs(), {
          type: 'set-mirror',
          to: v2,
          percentage,
        } as RouteOperation),
      ).toEqual(
        refused(400, /mirror percentage .* must be above 0 and at most 100/),
      );
    },
  );

  it('refuses an unknown subset and a route that uses the mirrors list', () => {
    expect(
      plan(
        loneVs(),
        { type: 'set-mirror', to: v2, percentage: 5 },
        { reviews: ['v1'] },
      ),
    ).toEqual(
      refused(
        422,
        /subset v2 of reviews\/v2 is not defined in any DestinationRule \(defined: v1\)/,
      ),
    );
    expect(
      plan(
        loneVs(),
        {
          type: 'set-mirror',
          to: { host: 'other', subset: 'v1' },
          percentage: 5,
        },
        { reviews: ['v1'] },
      ),
    ).toEqual(
      refused(422, /no DestinationRule defines subsets for host other/),
    );
    const vs = reviewsVs([
      { ...primary(dest('v1')), mirrors: [{ destination: v2 }] },
    ]);
    expect(plan(vs, { type: 'set-mirror', to: v2, percentage: 5 })).toEqual(
      refused(409, /mirrors through the 'mirrors' list/),
    );
    expect(plan(vs, { type: 'remove-mirror' })).toEqual(
      refused(409, /mirrors through the 'mirrors' list/),
    );
  });

  it('remove-mirror removes every mirror field', () => {
    const vs = reviewsVs([
      debugRoute,
      {
        ...primary(dest('v1')),
        mirror: v2,
        mirrorPercentage: { value: 5 },
        mirrorPercent: 5,
      },
    ]);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'remove-mirror' }));
    expect(p.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'remove', path: '/spec/http/1/mirror' },
      { op: 'remove', path: '/spec/http/1/mirrorPercentage' },
      { op: 'remove', path: '/spec/http/1/mirrorPercent' },
    ]);
    expect(p.resultingRoute).toEqual(primary(dest('v1')));
  });

  it('remove-mirror without a mirror changes nothing', () => {
    const vs = loneVs();
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'remove-mirror' }));
    expect(p.changed).toBe(false);
  });
});
