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
  dest,
  expectSafePlan,
  primary,
  refused,
  reviewsVs,
  v1,
  v2,
  where,
} from './__testUtils__/fixtures';
import { deriveCanaryPlan } from './canaryPlan';
import { planRouteChange } from './planRouteChange';
import { snapshotRoute } from './snapshot';
import { PlanRouteChangeOptions, RouteChangePlan } from './types';

// Istio reads route weights as proportions: 5/5 sends 50/50, 3/1 sends
// 75/25. Every operation that reads the current weights must read them
// the same way, write weights that add up to 100, and refuse a route
// whose weights add up to 0 (it has no split to read).

function plan(
  vs: unknown,
  operation: unknown,
  knownSubsets?: Record<string, string[]>,
) {
  return planRouteChange({
    virtualService: vs,
    route: 'primary',
    operation,
    knownSubsets,
  } as PlanRouteChangeOptions);
}

/** The weights of the primary route after the plan, by position. */
function written(vs: unknown, operation: unknown): unknown[] {
  const { plan: p } = expectSafePlan(vs as any, plan(vs, operation));
  return ((p.resultingRoute as any).route as any[]).map(r => r.weight);
}

const sumsToZero = new RegExp(
  `^${where}: the weights of its 2 destinations sum to 0`,
);

describe('weights that do not add up to 100 are read as proportions', () => {
  describe('promote-next', () => {
    it('on 5/5 (50% each) goes to the step after 50, not back to 10', () => {
      expect(written(canaryVs(5, 5), { type: 'promote-next' })).toEqual([
        0, 100,
      ]);
    });

    it('on 3/1 (canary at 25%) goes to 50', () => {
      expect(written(canaryVs(3, 1), { type: 'promote-next' })).toEqual([
        50, 50,
      ]);
    });

    it('on 1/0 (canary at 0%) goes to the first step', () => {
      expect(written(canaryVs(1, 0), { type: 'promote-next' })).toEqual([
        90, 10,
      ]);
    });

    it('refuses when the canary already has everything (0/5)', () => {
      expect(
        plan(canaryVs(0, 5), { type: 'promote-next', stable: v1 }),
      ).toEqual(refused(409, /already gets all traffic/));
    });

    it.each([
      [5, 5],
      [3, 1],
      [1, 2],
      [2, 1],
      [1, 3],
      [10, 30],
      [60, 60],
      [7, 13],
      [1, 99],
      [200, 1],
    ])('never lowers the canary’s share (%i/%i)', (w1, w2) => {
      const share = (w2 * 100) / (w1 + w2);
      const weights = written(canaryVs(w1, w2), {
        type: 'promote-next',
        stable: v1,
      }) as number[];
      expect(weights[0] + weights[1]).toBe(100);
      expect(weights[1]).toBeGreaterThan(share);
    });

    it('keeps the weights as written in the `before` snapshot', () => {
      const p = plan(canaryVs(5, 5), {
        type: 'promote-next',
      }) as RouteChangePlan;
      expect(p.before.destinations).toEqual([
        { ...v1, weight: 5 },
        { ...v2, weight: 5 },
      ]);
      expect(p.after.destinations).toEqual([
        { ...v1, weight: 0 },
        { ...v2, weight: 100 },
      ]);
    });
  });

  describe('promote-full', () => {
    it('writes 0/100 on 3/1', () => {
      expect(written(canaryVs(3, 1), { type: 'promote-full' })).toEqual([
        0, 100,
      ]);
    });

    it('tells the shares, not the raw weights, when stable is ambiguous', () => {
      expect(plan(canaryVs(1, 3), { type: 'promote-full' })).toEqual(
        refused(409, /has more traffic \(75% vs 25%\); say which one/),
      );
    });

    it('rounds a share that is not a whole percentage in messages', () => {
      expect(plan(canaryVs(1, 2), { type: 'promote-full' })).toEqual(
        refused(409, /\(66\.67% vs 33\.33%\)/),
      );
    });
  });

  describe('rollback', () => {
    it('sends everything to the first-listed on 3/1', () => {
      expect(written(canaryVs(3, 1), { type: 'rollback' })).toEqual([100, 0]);
    });

    it('with an explicit stable, works on 0/0 (it is how to fix it)', () => {
      expect(written(canaryVs(0, 0), { type: 'rollback', stable: v2 })).toEqual(
        [0, 100],
      );
    });
  });

  describe('flip', () => {
    it('treats 1/0 as 100/0 and writes 0/100', () => {
      expect(written(canaryVs(1, 0), { type: 'flip' })).toEqual([0, 100]);
    });

    it('treats 0/3 as 0/100 and writes 100/0', () => {
      expect(written(canaryVs(0, 3), { type: 'flip' })).toEqual([100, 0]);
    });

    it('refuses 3/1, telling the shares', () => {
      expect(plan(canaryVs(3, 1), { type: 'flip' })).toEqual(
        refused(409, /has reviews\/v1 75% \(weight 3\), reviews\/v2 25%/),
      );
    });
  });

  describe('finish', () => {
    it('treats 0/7 as 0/100: removes v1 and writes 100 on v2', () => {
      const vs = canaryVs(0, 7);
      const { plan: p } = expectSafePlan(vs, plan(vs, { type: 'finish' }));
      expect(p.resultingRoute).toMatchObject({
        route: [{ destination: v2, weight: 100 }],
      });
      expect(p.before.destinations).toEqual([
        { ...v1, weight: 0 },
        { ...v2, weight: 7 },
      ]);
    });

    it('refuses 3/1, telling the shares', () => {
      expect(plan(canaryVs(3, 1), { type: 'finish' })).toEqual(
        refused(409, /promote fully first\); now v1 75%, v2 25%/),
      );
    });
  });

  describe('set-weights', () => {
    it('works on 0/0 (it is how to fix it)', () => {
      expect(
        written(canaryVs(0, 0), {
          type: 'set-weights',
          weights: [
            { ...v1, weight: 100 },
            { ...v2, weight: 0 },
          ],
        }),
      ).toEqual([100, 0]);
    });

    it('does not count 5/5 → 50/50 as moving traffic to an unknown subset', () => {
      const result = plan(
        canaryVs(5, 5),
        {
          type: 'set-weights',
          weights: [
            { ...v1, weight: 50 },
            { ...v2, weight: 50 },
          ],
        },
        { reviews: ['v1'] },
      );
      expect(result.ok).toBe(true);
    });

    it('still refuses 5/5 → 40/60 to an unknown subset', () => {
      const result = plan(
        canaryVs(5, 5),
        {
          type: 'set-weights',
          weights: [
            { ...v1, weight: 40 },
            { ...v2, weight: 60 },
          ],
        },
        { reviews: ['v1'] },
      );
      expect(result).toEqual(refused(422, /v2/));
    });
  });

  describe('a route whose weights add up to 0', () => {
    it.each([
      [{ type: 'promote-next' }],
      [{ type: 'promote-next', stable: v1 }],
      [{ type: 'promote-full' }],
      [{ type: 'promote-full', stable: v1 }],
      [{ type: 'rollback' }],
      [{ type: 'flip' }],
      [{ type: 'finish' }],
    ])('refuses %j with 422', operation => {
      expect(plan(canaryVs(0, 0), operation)).toEqual(refused(422, sumsToZero));
    });

    it('counts a missing weight next to a 0 as 0', () => {
      const vs = reviewsVs([primary(dest('v1', 0), dest('v2'))]);
      expect(plan(vs, { type: 'promote-full' })).toEqual(
        refused(422, /sum to 0/),
      );
    });
  });

  it('refuses a negative weight rather than reading it as a share', () => {
    expect(
      plan(canaryVs(-5, 15), { type: 'promote-next', stable: v1 }),
    ).toEqual(refused(409, /weight -5 of reviews\/v1 is negative/));
  });
});

describe('deriveCanaryPlan reads weights as proportions', () => {
  const d = (subset: string, weight: number) => ({
    host: 'reviews',
    subset,
    weight,
  });

  it('on 5/5: the canary is at 50% and goes to 100', () => {
    expect(
      deriveCanaryPlan({ destinations: [d('v1', 5), d('v2', 5)] }),
    ).toEqual({
      ok: true,
      plan: {
        steps: [10, 25, 50, 100],
        stable: d('v1', 5),
        canary: d('v2', 5),
        current: 50,
        next: 100,
      },
    });
  });

  it('refuses 0/0 with 422', () => {
    expect(
      deriveCanaryPlan({
        destinations: [d('v1', 0), d('v2', 0)],
        where,
      }),
    ).toEqual(refused(422, sumsToZero));
  });
});

describe('snapshotRoute keeps the weights as written', () => {
  it('records 5/5 as 5/5, not as the 50/50 Istio sends', () => {
    expect(
      snapshotRoute(primary(dest('v1', 5), dest('v2', 5)), 1).destinations,
    ).toEqual([
      { ...v1, weight: 5 },
      { ...v2, weight: 5 },
    ]);
  });
});
