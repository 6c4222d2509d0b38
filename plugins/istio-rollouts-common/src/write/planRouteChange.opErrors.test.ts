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
  loneVs,
  primary,
  refused,
  reviewsVs,
  v1,
  v2,
  where,
} from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { PlanRouteChangeOptions } from './types';

// Refusals of the weight operations: the status and a message that says
// what is wrong (the object and route refusals: planRouteChange.errors.test.ts).

function plan(
  vs: unknown,
  operation: unknown,
  route: unknown = 'primary',
  knownSubsets?: Record<string, string[]>,
) {
  return planRouteChange({
    virtualService: vs,
    route,
    operation,
    knownSubsets,
  } as PlanRouteChangeOptions);
}

describe('planRouteChange refusals of operations', () => {
  describe('set-weights', () => {
    it.each([
      [
        undefined,
        400,
        `${where}: weights must be a non-empty list of { host, subset, port, weight }`,
      ],
      [
        [
          { ...v1, weight: 90 },
          { ...v2, weight: 20 },
        ],
        400,
        `${where}: weights add up to 110, not 100`,
      ],
      [
        [
          { ...v1, weight: -1 },
          { ...v2, weight: 101 },
        ],
        400,
        `${where}: weight -1 for reviews/v1 is below 0`,
      ],
      [
        [
          { ...v1, weight: 0 },
          { ...v2, weight: 101 },
        ],
        400,
        `${where}: weight 101 for reviews/v2 is above 100`,
      ],
      [
        [
          { ...v1, weight: 50 },
          { ...v1, weight: 50 },
        ],
        400,
        `${where}: reviews/v1 is listed more than once`,
      ],
      [
        [
          { ...v1, weight: 50 },
          { host: 'reviews', subset: 'v3', weight: 50 },
        ],
        422,
        `${where}: reviews/v3 is not a destination of this route; its destinations are reviews/v1, reviews/v2`,
      ],
      [
        [{ ...v1, weight: 100 }],
        422,
        `${where}: weights must list every destination of the route exactly once; missing reviews/v2`,
      ],
    ])('%j', (weights, status, message) => {
      expect(plan(canaryVs(), { type: 'set-weights', weights })).toEqual(
        refused(status, message),
      );
    });

    it('refuses more traffic to an undefined subset, but not less', () => {
      const knownSubsets = { reviews: ['v1'] };
      const op = (w1: number, w2: number) => ({
        type: 'set-weights',
        weights: [
          { ...v1, weight: w1 },
          { ...v2, weight: w2 },
        ],
      });
      expect(
        plan(canaryVs(90, 10), op(80, 20), 'primary', knownSubsets),
      ).toEqual(
        refused(
          422,
          `${where}: subset v2 of reviews/v2 is not defined in any DestinationRule (defined: v1)`,
        ),
      );
      expect(
        plan(canaryVs(90, 10), op(100, 0), 'primary', knownSubsets),
      ).toMatchObject({ ok: true });
    });
  });

  describe('canary operations', () => {
    it.each([
      [
        canaryVs(),
        { type: 'start-canary', canary: v2 },
        409,
        `${where} already splits traffic between reviews/v1 and reviews/v2; use promote-next or set-weights`,
      ],
      [
        loneVs(),
        {
          type: 'start-canary',
          canary: { host: 'reviews.shop', subset: 'v1' },
        },
        409,
        `reviews/v1 already serves ${where}; a canary must be another version`,
      ],
      [
        loneVs(),
        { type: 'start-canary', canary: v2, steps: [10, 5, 100] },
        400,
        'steps must increase, but 5 follows 10',
      ],
      [
        loneVs(),
        { type: 'start-canary', canary: v2, steps: [10, 50] },
        400,
        'the last step must be 100',
      ],
      [
        loneVs(),
        { type: 'start-canary', canary: { host: 'reviews', subset: 'V2' } },
        400,
        /canary: subset "V2" is not a valid subset name/,
      ],
      [
        loneVs(),
        { type: 'start-canary', canary: { host: 'reviews', port: 0 } },
        400,
        'canary: port 0 is not a port number',
      ],
      [
        loneVs(),
        { type: 'promote-next' },
        409,
        `${where} has a single destination, so there is no canary; start one first`,
      ],
      [
        reviewsVs([primary(dest('v1', 80), dest('v2', 10), dest('v3', 10))]),
        { type: 'promote-full' },
        409,
        /has 3 destinations; a canary needs exactly a stable and a canary destination/,
      ],
      [
        canaryVs(0, 100),
        { type: 'promote-next', stable: v1 },
        409,
        `canary reviews/v2 already gets all traffic of ${where}; there is no next step`,
      ],
      [
        canaryVs(40, 60),
        { type: 'promote-next' },
        409,
        /cannot tell which version .* is stable.*say which one is stable/,
      ],
      [
        canaryVs(0, 100),
        { type: 'promote-full' },
        409,
        /cannot tell which version/,
      ],
      [
        canaryVs(90, 10),
        { type: 'promote-next', steps: [] },
        400,
        'steps must be a non-empty list of percentages',
      ],
      [
        canaryVs(90, 10),
        { type: 'promote-next', stable: 'v1' },
        400,
        'stable must be an object with a host',
      ],
      [
        canaryVs('ten', 10),
        { type: 'promote-next' },
        409,
        /weight "ten" of reviews\/v1 is not a number; set the weights with set-weights first/,
      ],
      [
        canaryVs(90, 10),
        { type: 'flip' },
        409,
        `flip needs exactly two destinations, one at 100% and the other at 0%; ${where} has reviews/v1 90%, reviews/v2 10% (use promote-full, rollback or set-weights)`,
      ],
      [loneVs(), { type: 'flip' }, 409, /flip needs exactly two destinations/],
      [
        reviewsVs([primary(dest('v1', 100), dest('v2', 0), dest('v3', 0))]),
        { type: 'flip' },
        409,
        /flip needs exactly two destinations/,
      ],
    ])('%#: %j', (vs, operation, status, message) => {
      expect(plan(vs, operation)).toEqual(refused(status, message));
    });

    it('refuses to start or promote a canary on an undefined subset', () => {
      const knownSubsets = { 'reviews.shop.svc.cluster.local': ['v1', 'v3'] };
      expect(
        plan(
          loneVs(),
          { type: 'start-canary', canary: v2 },
          'primary',
          knownSubsets,
        ),
      ).toEqual(refused(422, /subset v2 of reviews\/v2 is not defined/));
      expect(
        plan(canaryVs(), { type: 'promote-next' }, 'primary', knownSubsets),
      ).toEqual(refused(422, /subset v2 of reviews\/v2 is not defined/));
    });
  });
});
