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

import { dest, primary, reviewsVs } from './__testUtils__/fixtures';
import { readRoute, readWriteTarget, RouteModel } from './routeModel';
import { planWeights } from './weightOperations';

// The arithmetic alone, by destination position; the patches are tested
// through planRouteChange.

function route(...entries: Array<Record<string, unknown>>): RouteModel {
  const read = readWriteTarget(reviewsVs([primary(...entries)]));
  if (!read.ok) throw new Error(read.message);
  const r = readRoute(read.target, 0);
  if (!r.ok) throw new Error(r.message);
  return r.route;
}

const weights = (op: Record<string, unknown>, r: RouteModel) => {
  const result = planWeights(op, r, 'shop');
  return result.ok ? result.weights : result.message;
};

describe('planWeights', () => {
  const canary = route(dest('v1', 90), dest('v2', 10));

  it.each([
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'reviews', subset: 'v2', weight: 40 },
          { host: 'reviews', subset: 'v1', weight: 60 },
        ],
      },
      [60, 40],
    ],
    [{ type: 'promote-next' }, [75, 25]],
    [{ type: 'promote-next', steps: [50, 100] }, [50, 50]],
    [{ type: 'promote-full' }, [0, 100]],
    [{ type: 'rollback' }, [100, 0]],
    [{ type: 'rollback', stable: { host: 'reviews', subset: 'v2' } }, [0, 100]],
  ])('%j on 90/10 → %j', (op, expected) => {
    expect(weights(op, canary)).toEqual(expected);
  });

  it('start-canary keeps the stable and appends the canary', () => {
    expect(
      planWeights(
        {
          type: 'start-canary',
          canary: { host: 'reviews', subset: 'v2' },
          steps: [20, 100],
        },
        route(dest('v1')),
        'shop',
      ),
    ).toEqual({
      ok: true,
      weights: [80],
      added: { ref: { host: 'reviews', subset: 'v2' }, weight: 20 },
      stable: 0,
    });
  });

  it('flip swaps 100 and 0', () => {
    expect(
      weights({ type: 'flip' }, route(dest('v1', 0), dest('v2', 100))),
    ).toEqual([100, 0]);
  });

  it('promotes a canary at 0 to the first step, and marks the stable', () => {
    expect(
      planWeights(
        { type: 'promote-next' },
        route(dest('v1', 100), dest('v2', 0)),
        'shop',
      ),
    ).toEqual({
      ok: true,
      weights: [90, 10],
      stable: 0,
    });
  });

  it('promotes past 50% when told which one is stable', () => {
    expect(
      weights(
        { type: 'promote-next', stable: { host: 'reviews', subset: 'v1' } },
        route(dest('v1', 50), dest('v2', 50)),
      ),
    ).toEqual([0, 100]);
    expect(
      weights({ type: 'promote-next' }, route(dest('v1', 50), dest('v2', 50))),
    ).toEqual([0, 100]);
  });
});
