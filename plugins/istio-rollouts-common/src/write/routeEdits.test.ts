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

// Targeting end to end, through planRouteChange (mirroring: routeEdits.mirror.test.ts).

const jason = { kind: 'header' as const, name: 'end-user', value: 'jason' };

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

describe('target-users', () => {
  it('inserts a header route before the route, inheriting its policies', () => {
    const vs = canaryVs(90, 10);
    (vs.spec.http[1] as Record<string, unknown>).mirror = {
      host: 'reviews',
      subset: 'v2',
    };
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'target-users', match: jason, to: v2 }),
    );
    const added = {
      name: 'istio-rollouts-target-header-end-user-jason',
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: v2 }],
      timeout: '10s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
      headers: { request: { set: { 'x-served-by': 'mesh' } } },
    };
    expect(p.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'add', path: '/spec/http/1', value: added },
    ]);
    expect(p.addedRoute).toEqual({ index: 1, name: added.name, route: added });
    expect(p.after.index).toBe(2);
    expect(p.after.destinations).toEqual(p.before.destinations);
  });

  it('matches a cookie with a regex on the cookie header', () => {
    const vs = loneVs();
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'target-users',
        match: { kind: 'cookie', name: 'user', value: 'dev.1' },
        to: v2,
      }),
    );
    expect(p.addedRoute?.name).toMatch(
      /^istio-rollouts-target-cookie-user-dev-1-[a-z0-9]+$/,
    );
    expect((p.addedRoute?.route as any).match).toEqual([
      { headers: { cookie: { regex: '^(.*?;\\s*)?(user=dev\\.1)(;.*)?$' } } },
    ]);
  });

  it('ANDs the condition into each entry of the route’s own match', () => {
    const route = {
      ...primary(dest('v1', 90), dest('v2', 10)),
      match: [
        { uri: { prefix: '/api' } },
        { uri: { prefix: '/v2' }, headers: { x: { exact: 'y' } } },
      ],
    };
    const vs = reviewsVs([debugRoute, route]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, {
        type: 'target-users',
        match: {
          kind: 'header',
          name: 'X-Group',
          value: 'beta',
          operator: 'prefix',
        },
        to: v2,
      }),
    );
    expect((p.addedRoute?.route as any).match).toEqual([
      { uri: { prefix: '/api' }, headers: { 'x-group': { prefix: 'beta' } } },
      {
        uri: { prefix: '/v2' },
        headers: { x: { exact: 'y' }, 'x-group': { prefix: 'beta' } },
      },
    ]);
    expect(p.addedRoute?.name).toBe(
      'istio-rollouts-target-header-x-group-prefix-beta',
    );
  });

  it.each([
    [
      'the route already sends everyone there',
      loneVs(),
      {
        type: 'target-users',
        match: jason,
        to: { host: 'reviews', subset: 'v1' },
      },
      409,
      /already sends everyone to reviews\/v1/,
    ],
    [
      'the same users are already targeted',
      reviewsVs([
        {
          name: 'istio-rollouts-target-header-end-user-jason',
          route: [dest('v3')],
        },
        primary(dest('v1')),
      ]),
      { type: 'target-users', match: jason, to: v2 },
      409,
      /already has targeted route 'istio-rollouts-target-header-end-user-jason'/,
    ],
    [
      'the route matches the same header',
      reviewsVs([
        {
          ...primary(dest('v1')),
          match: [{ headers: { 'End-User': { exact: 'x' } } }],
        },
      ]),
      { type: 'target-users', match: jason, to: v2 },
      409,
      /already matches on header 'end-user'/,
    ],
    [
      'the route has a broken match entry',
      reviewsVs([{ ...primary(dest('v1')), match: ['x'] }]),
      { type: 'target-users', match: jason, to: v2 },
      422,
      /match entry that is not an object/,
    ],
    [
      'the match is bad',
      loneVs(),
      { type: 'target-users', match: { ...jason, name: 'end user' }, to: v2 },
      400,
      '"end user" is not a valid HTTP header name',
    ],
    [
      'the target is bad',
      loneVs(),
      { type: 'target-users', match: jason, to: { host: '' } },
      400,
      'to: host "" is not a host name',
    ],
  ])('refuses when %s', (_what, vs, operation, status, message) => {
    expect(plan(vs, operation as RouteOperation)).toEqual(
      refused(status, message),
    );
  });

  it('refuses a subset no DestinationRule defines', () => {
    expect(
      plan(
        loneVs(),
        {
          type: 'target-users',
          match: jason,
          to: { host: 'reviews', subset: 'v4' },
        },
        {
          'reviews.shop.svc.cluster.local': ['v1', 'v2'],
        },
      ),
    ).toEqual(
      refused(
        422,
        "VirtualService shop/reviews, route 'primary': subset v4 of reviews/v4 is not defined in any DestinationRule (defined: v1, v2)",
      ),
    );
  });
});

describe('remove-targeting', () => {
  const target = {
    name: 'istio-rollouts-target-header-end-user-jason',
    route: [dest('v2')],
  };

  it('removes our route after testing its name', () => {
    const vs = reviewsVs([
      debugRoute,
      target,
      primary(dest('v1', 90), dest('v2', 10)),
    ]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'remove-targeting', routeName: target.name }),
    );
    expect(p.patch.slice(-2)).toEqual([
      { op: 'test', path: '/spec/http/1/name', value: target.name },
      { op: 'remove', path: '/spec/http/1' },
    ]);
    expect(p.removedRoutes).toEqual([{ index: 1, name: target.name }]);
    expect(p.before.index).toBe(2);
    expect(p.after.index).toBe(1);
  });

  it('removes one after the route without moving it', () => {
    const vs = reviewsVs([primary(dest('v1')), target]);
    const { plan: p } = expectSafePlan(
      vs,
      plan(vs, { type: 'remove-targeting', routeName: target.name }),
    );
    expect(p.after.index).toBe(0);
  });

  it.each([
    [
      reviewsVs([debugRoute, primary(dest('v1'))]),
      'debug',
      400,
      /only targeted routes this plugin added .* "debug" is not one/,
    ],
    [
      reviewsVs([debugRoute, primary(dest('v1'))]),
      target.name,
      404,
      `VirtualService shop/reviews has no http route named '${target.name}'`,
    ],
    [
      reviewsVs([target, target, primary(dest('v1'))]),
      target.name,
      409,
      /has 2 http routes named/,
    ],
    [reviewsVs([debugRoute, primary(dest('v1'))]), 7, 400, /7 is not one/],
  ])('refuses %#', (vs, routeName, status, message) => {
    expect(
      plan(vs, { type: 'remove-targeting', routeName } as RouteOperation),
    ).toEqual(refused(status, message));
  });

  it('refuses to remove the route being changed', () => {
    const vs = reviewsVs([target]);
    expect(
      planRouteChange({
        virtualService: vs,
        route: 0,
        operation: { type: 'remove-targeting', routeName: target.name },
      }),
    ).toEqual(refused(400, /is the route being changed/));
  });
});
