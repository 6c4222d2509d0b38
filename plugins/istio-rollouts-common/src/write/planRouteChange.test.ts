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
  reviewsVs,
  v1,
  v2,
} from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { RouteOperation } from './types';

// The weight operations end to end: the exact patch, the snapshots, and
// (through expectSafePlan) that the patch applies to the original object,
// changes nothing else, and fails against a stale one.

function plan(
  vs: unknown,
  operation: RouteOperation,
  route: number | string = 'primary',
) {
  return planRouteChange({ virtualService: vs, route, operation });
}

const pins = (w1: unknown, w2?: unknown) => [
  { op: 'test', path: '/metadata/resourceVersion', value: '1000' },
  { op: 'test', path: '/spec/http/1/name', value: 'primary' },
  { op: 'test', path: '/spec/http/1/route/0/destination', value: v1 },
  ...(w1 === undefined
    ? []
    : [{ op: 'test', path: '/spec/http/1/route/0/weight', value: w1 }]),
  ...(w2 === undefined
    ? []
    : [
        { op: 'test', path: '/spec/http/1/route/1/destination', value: v2 },
        { op: 'test', path: '/spec/http/1/route/1/weight', value: w2 },
      ]),
];

describe('set-weights', () => {
  it('replaces only the weights that change', () => {
    const vs = canaryVs(90, 10);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'set-weights',
        weights: [
          { ...v2, weight: 25 },
          { ...v1, weight: 75 },
        ],
      }),
    );
    expect(p.patch).toEqual([
      ...pins(90, 10),
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 75 },
      { op: 'replace', path: '/spec/http/1/route/1/weight', value: 25 },
    ]);
    expect(p.before).toEqual({
      index: 1,
      name: 'primary',
      destinations: [
        { ...v1, weight: 90 },
        { ...v2, weight: 10 },
      ],
    });
    expect(p.after.destinations.map(d => d.weight)).toEqual([75, 25]);
    expect(p.resultingRoute).toEqual(primary(dest('v1', 75), dest('v2', 25)));
  });

  it('adds a weight that is missing and normalises a quoted one', () => {
    const vs = canaryVs('90', null);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'set-weights',
        weights: [
          { ...v1, weight: 50 },
          { ...v2, weight: 50 },
        ],
      }),
    );
    expect(p.patch.slice(-2)).toEqual([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 50 },
      { op: 'add', path: '/spec/http/1/route/1/weight', value: 50 },
    ]);
    expect(p.before.destinations.map(d => d.weight)).toEqual([90, 0]);
  });

  it('answers a split that is already in place with tests only', () => {
    const vs = canaryVs(90, 10);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'set-weights',
        weights: [
          { host: 'reviews.shop.svc.cluster.local', subset: 'v1', weight: 90 },
          { ...v2, weight: 10 },
        ],
      }),
    );
    expect(p.changed).toBe(false);
    expect(p.patch).toEqual(pins(90, 10));
  });

  it('leaves the missing weight of a lone destination alone', () => {
    const vs = loneVs();
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'set-weights', weights: [{ ...v1, weight: 100 }] }),
    );
    expect(p.changed).toBe(false);
    expect(p.after.destinations).toEqual([{ ...v1, weight: 100 }]);
  });

  it('finds the route by index, and pins a nameless route by its destinations', () => {
    const unnamed = primary(dest('v1', 90), dest('v2', 10));
    delete unnamed.name;
    const vs = reviewsVs([debugRoute, unnamed]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(
        vs,
        {
          type: 'set-weights',
          weights: [
            { ...v1, weight: 0 },
            { ...v2, weight: 100 },
          ],
        },
        1,
      ),
    );
    expect(p.patch.map(op => op.path)).not.toContain('/spec/http/1/name');
    expect(p.after).toEqual({
      index: 1,
      destinations: [
        { ...v1, weight: 0 },
        { ...v2, weight: 100 },
      ],
    });
  });
});

describe('start-canary', () => {
  it('adds the canary at the first step and the stable weight', () => {
    const vs = loneVs();
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'start-canary', canary: v2 }),
    );
    expect(p.patch).toEqual([
      ...pins(undefined),
      { op: 'add', path: '/spec/http/1/route/0/weight', value: 90 },
      { op: 'add', path: '/spec/http/1/route/1', value: dest('v2', 10) },
    ]);
    expect(p.resultingRoute).toEqual(primary(dest('v1', 90), dest('v2', 10)));
  });

  it('replaces a written weight, uses custom steps, and keeps the port', () => {
    const vs = reviewsVs([debugRoute, primary(dest('v1', 100))]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'start-canary',
        canary: { host: 'reviews-canary', port: 9080 },
        steps: [5, 50, 100],
      }),
    );
    expect(p.patch.slice(-2)).toEqual([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 95 },
      {
        op: 'add',
        path: '/spec/http/1/route/1',
        value: {
          destination: { host: 'reviews-canary', port: { number: 9080 } },
          weight: 5,
        },
      },
    ]);
    expect(p.after.destinations[1]).toEqual({
      host: 'reviews-canary',
      port: 9080,
      weight: 5,
    });
  });
});

describe('promote-next', () => {
  it.each([
    [90, 10, 75, 25],
    [75, 25, 50, 50],
    [95, 5, 90, 10],
    [88, 12, 75, 25],
  ])('%i/%i goes to %i/%i', (s, c, s2, c2) => {
    const vs = canaryVs(s, c);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'promote-next' }));
    expect(p.after.destinations.map(d => d.weight)).toEqual([s2, c2]);
  });

  it('goes from 50/50 to 0/100 with the default steps', () => {
    const vs = canaryVs(50, 50);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'promote-next' }));
    expect(p.resultingRoute).toEqual(primary(dest('v1', 0), dest('v2', 100)));
  });

  it('follows custom steps, and an explicit stable past 50%', () => {
    const vs = canaryVs(40, 60);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'promote-next', steps: [20, 60, 80, 100], stable: v1 }),
    );
    expect(p.after.destinations.map(d => d.weight)).toEqual([20, 80]);
  });

  it('takes the stable from an explicit ref even when listed second', () => {
    const vs = reviewsVs([debugRoute, primary(dest('v2', 10), dest('v1', 90))]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'promote-next', stable: v1 }),
    );
    expect(p.after.destinations.map(d => d.weight)).toEqual([25, 75]);
  });
});

describe('promote-full and flip', () => {
  it('promote-full sends everything to the canary', () => {
    const vs = canaryVs(75, 25);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'promote-full' }));
    expect(p.resultingRoute).toEqual(primary(dest('v1', 0), dest('v2', 100)));
  });

  it('promote-full with the stable named is idempotent once done', () => {
    const vs = canaryVs(0, 100);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'promote-full', stable: v1 }),
    );
    expect(p.changed).toBe(false);
  });

  it.each([
    [100, 0, 0, 100],
    [0, 100, 100, 0],
  ])('flip %i/%i to %i/%i', (a, b, a2, b2) => {
    const vs = canaryVs(a, b);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'flip' }));
    expect(p.after.destinations.map(d => d.weight)).toEqual([a2, b2]);
  });

  it('flip writes a missing 0 weight', () => {
    const vs = canaryVs(100, null);
    const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'flip' }));
    expect(p.patch.slice(-2)).toEqual([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 0 },
      { op: 'add', path: '/spec/http/1/route/1/weight', value: 100 },
    ]);
  });
});
