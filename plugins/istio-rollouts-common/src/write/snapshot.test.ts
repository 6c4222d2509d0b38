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

import { dest, primary } from './__testUtils__/fixtures';
import { describeSplit, readRef, sameSplit, snapshotRoute } from './snapshot';

describe('snapshotRoute', () => {
  it('records effective weights and the route name', () => {
    expect(snapshotRoute(primary(dest('v1', 90), dest('v2')), 4)).toEqual({
      index: 4,
      name: 'primary',
      destinations: [
        { host: 'reviews', subset: 'v1', weight: 90 },
        { host: 'reviews', subset: 'v2', weight: 0 },
      ],
    });
    expect(snapshotRoute({ route: [dest('v1', 5)] }, 0)).toEqual({
      index: 0,
      destinations: [{ host: 'reviews', subset: 'v1', weight: 100 }],
    });
  });

  it.each([
    [
      { mirror: { host: 'm', subset: 's' }, mirrorPercentage: { value: 12.5 } },
      { host: 'm', subset: 's', percentage: 12.5 },
    ],
    [
      { mirror: { host: 'm' }, mirror_percent: 5 },
      { host: 'm', percentage: 5 },
    ],
    [
      { mirror: { host: 'm', port: { number: 80 } }, mirrorPercent: 7 },
      { host: 'm', port: 80, percentage: 7 },
    ],
    [{ mirror: { host: 'm' } }, { host: 'm', percentage: 100 }],
    [
      { mirrors: [{ destination: { host: 'n' }, percentage: { value: 3 } }] },
      { host: 'n', percentage: 3 },
    ],
    [
      { mirrors: [{ destination: { host: 'n' } }] },
      { host: 'n', percentage: 100 },
    ],
  ])('records the mirror of %j', (fields, mirror) => {
    expect(snapshotRoute({ route: [dest('v1')], ...fields }, 0).mirror).toEqual(
      mirror,
    );
  });

  it('skips what it cannot read', () => {
    expect(snapshotRoute(null, 0)).toEqual({ index: 0, destinations: [] });
    expect(
      snapshotRoute(
        {
          route: [
            null,
            { destination: { subset: 'x' } },
            dest('v1', 'x'),
            dest('v2', 3),
          ],
          mirror: 'x',
        },
        1,
      ),
    ).toEqual({
      index: 1,
      destinations: [
        { host: 'reviews', subset: 'v1', weight: 0 },
        { host: 'reviews', subset: 'v2', weight: 3 },
      ],
    });
    expect(readRef({ host: '' })).toBeUndefined();
  });
});

describe('sameSplit and describeSplit', () => {
  const canary = snapshotRoute(primary(dest('v1', 90), dest('v2', 10)), 1);

  it('compares destinations, weights and mirror, not position or name', () => {
    expect(sameSplit(canary, { ...canary, index: 3, name: 'other' })).toBe(
      true,
    );
    expect(
      sameSplit(
        canary,
        snapshotRoute(primary(dest('v1', 80), dest('v2', 20)), 1),
      ),
    ).toBe(false);
    expect(
      sameSplit(canary, {
        ...canary,
        mirror: { host: 'reviews', subset: 'v3', percentage: 5 },
      }),
    ).toBe(false);
  });

  it('says a split by subset, or by host without one', () => {
    expect(describeSplit(canary)).toBe('v1 90% / v2 10%');
    expect(
      describeSplit({
        index: 0,
        destinations: [{ host: 'reviews', weight: 100 }],
      }),
    ).toBe('reviews 100%');
  });
});
