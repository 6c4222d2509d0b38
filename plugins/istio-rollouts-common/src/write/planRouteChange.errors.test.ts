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
  primary,
  refused,
  reviewsVs,
  v2,
  where,
} from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { PlanRouteChangeOptions } from './types';

// Every refusal of planRouteChange: the status and a message that says
// what is wrong, never an exception.

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

describe('planRouteChange refusals', () => {
  it.each([
    [null, /unknown operation null; expected one of set-weights, start-canary/],
    ['flip', /unknown operation "flip"/],
    [{ type: 'promote' }, /unknown operation "promote"/],
    [{}, /unknown operation null/],
  ])('operation %j → 400', (operation, message) => {
    expect(plan(canaryVs(), operation)).toEqual(refused(400, message));
  });

  it.each([
    [null, 422, 'the VirtualService has no metadata.name'],
    [
      { metadata: { name: 'x' } },
      422,
      /default\/x has no metadata.resourceVersion; read it from the API server/,
    ],
    [
      { metadata: { name: 'x', resourceVersion: '1' } },
      404,
      'VirtualService default/x has 0 http routes; there is no route 0',
    ],
  ])('object %j', (vs, status, message) => {
    expect(plan(vs, { type: 'flip' }, 0)).toEqual(refused(status, message));
  });

  it.each([
    [-1, 400, 'route index -1 is not a whole number ≥ 0'],
    [0.5, 400, 'route index 0.5 is not a whole number ≥ 0'],
    [
      2,
      404,
      'VirtualService shop/reviews has 2 http routes; there is no route 2',
    ],
    ['', 400, 'route must be an http route index or name'],
    [{}, 400, 'route must be an http route index or name'],
    [
      'canary',
      404,
      "VirtualService shop/reviews has no http route named 'canary'",
    ],
  ])('route %j', (route, status, message) => {
    expect(plan(canaryVs(), { type: 'flip' }, route)).toEqual(
      refused(status, message),
    );
  });

  it('refuses a name two routes share', () => {
    const vs = reviewsVs([primary(dest('v1')), primary(dest('v2'))]);
    expect(plan(vs, { type: 'flip' })).toEqual(
      refused(
        409,
        "VirtualService shop/reviews has 2 http routes named 'primary' (at 0, 1); name one by index",
      ),
    );
  });

  it.each([
    [
      'x',
      422,
      'VirtualService shop/reviews, route 0 is not an object; fix the VirtualService first',
    ],
    [
      { name: 'primary', delegate: { name: 'reviews-v2' } },
      409,
      `${where} delegates to VirtualService reviews-v2; change that VirtualService instead`,
    ],
    [
      { name: 'primary', redirect: { uri: '/' } },
      409,
      `${where} answers with a redirect, so there is no traffic to move`,
    ],
    [
      { name: 'primary', directResponse: { status: 503 } },
      409,
      `${where} answers directly, so there is no traffic to move`,
    ],
    [
      { name: 'primary', route: [] },
      409,
      `${where} has no destinations, so there is no traffic to move`,
    ],
    [
      {
        name: 'primary',
        route: [dest('v1', 50), { destination: { subset: 'v2' }, weight: 50 }],
      },
      422,
      `${where}: route[1] has no destination host; fix the VirtualService first`,
    ],
  ])('route object %j', (route, status, message) => {
    expect(plan(reviewsVs([route as never]), { type: 'flip' }, 0)).toEqual(
      refused(status, message),
    );
  });

  it('never throws, whatever arrives', () => {
    const junk: unknown[] = [
      undefined,
      null,
      'x',
      [],
      { metadata: { name: 'a', resourceVersion: '1' }, spec: { http: 'x' } },
      {
        metadata: { name: 'a', resourceVersion: '1' },
        spec: { http: [null, { route: [null] }, { route: 'x' }] },
      },
      reviewsVs([
        debugRoute,
        {
          name: 'primary',
          route: [{ destination: { host: 'r' }, weight: { x: 1 } }, dest('v2')],
        },
      ]),
    ];
    const ops: unknown[] = [
      null,
      { type: 'set-weights', weights: [null, 1, 'x'] },
      { type: 'start-canary', canary: null, steps: 'x' },
      { type: 'promote-next', steps: [null] },
      { type: 'promote-full', stable: [] },
      { type: 'flip' },
      { type: 'rollback', stable: { host: 1 } },
      {
        type: 'target-users',
        match: { kind: 'header', name: 1, value: null },
        to: null,
      },
      {
        type: 'target-users',
        match: { kind: 'cookie', name: 'a', value: '(', operator: 'regex' },
        to: v2,
      },
      { type: 'remove-targeting', routeName: null },
      { type: 'set-mirror', to: 'x', percentage: {} },
      { type: 'remove-mirror' },
    ];
    for (const vs of junk) {
      for (const operation of ops) {
        for (const route of [0, 1, 2, 'primary', null]) {
          const result = plan(vs, operation, route, { x: 'y' as never });
          expect(typeof result.ok).toBe('boolean');
          // The safety net for bugs must never be what answered.
          expect(result.ok ? '' : result.message).not.toMatch(/could not plan/);
        }
      }
    }
    expect(planRouteChange(null as never)).toEqual(
      refused(400, /unknown operation/),
    );
  });
});
