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

import { debugRoute, dest, primary, reviewsVs } from './__testUtils__/fixtures';
import {
  describeRoute,
  findDestination,
  findRoute,
  readRoute,
  readWriteTarget,
  RouteModel,
  unreadableWeights,
  WriteTarget,
} from './routeModel';

function target(http: unknown[]): WriteTarget {
  const read = readWriteTarget(reviewsVs(http as never));
  if (!read.ok) throw new Error(read.message);
  return read.target;
}

function route(http: unknown[], index = 0): RouteModel {
  const read = readRoute(target(http), index);
  if (!read.ok) throw new Error(read.message);
  return read.route;
}

describe('readWriteTarget', () => {
  it('reads name, namespace (default when absent) and resourceVersion', () => {
    expect(
      readWriteTarget({
        metadata: { name: 'a', resourceVersion: '5' },
        spec: { http: 'x' },
      }),
    ).toEqual({
      ok: true,
      target: {
        name: 'a',
        namespace: 'default',
        resourceVersion: '5',
        http: [],
      },
    });
  });
});

describe('findRoute', () => {
  const t = target([debugRoute, primary(dest('v1'))]);
  it('finds by index and by name', () => {
    expect(findRoute(t, 1)).toEqual({ ok: true, index: 1 });
    expect(findRoute(t, 'debug')).toEqual({ ok: true, index: 0 });
  });
  it('says a single route is one route', () => {
    expect(findRoute(target([debugRoute]), 3)).toMatchObject({
      status: 404,
      message:
        'VirtualService shop/reviews has 1 http route; there is no route 3',
    });
  });
});

describe('readRoute', () => {
  it('keeps positions, raw weights and effective weights', () => {
    const r = route([
      primary(dest('v1', '60'), dest('v2', 'lots'), dest('v3'), {
        destination: { host: 'x', port: { number: 80 } },
        weight: 40,
      }),
    ]);
    expect(r.where).toBe("VirtualService shop/reviews, route 'primary'");
    expect(
      r.destinations.map(d => [
        d.position,
        d.host,
        d.subset,
        d.port,
        d.hasWeight,
        d.rawWeight,
        d.effective,
      ]),
    ).toEqual([
      [0, 'reviews', 'v1', undefined, true, '60', 60],
      [1, 'reviews', 'v2', undefined, true, 'lots', undefined],
      [2, 'reviews', 'v3', undefined, false, undefined, 0],
      [3, 'x', undefined, 80, true, 40, 40],
    ]);
  });

  it('gives a lone destination 100 whatever is written', () => {
    expect(route([primary(dest('v1', 30))]).destinations[0].effective).toBe(
      100,
    );
    expect(route([primary(dest('v1', null))]).destinations[0]).toMatchObject({
      hasWeight: false,
      effective: 100,
    });
  });
});

describe('unreadableWeights', () => {
  it('names a weight that is not a number, or a split without weights', () => {
    expect(
      unreadableWeights(
        route([primary(dest('v1', 90), dest('v2', 10))]),
        'shop',
      ),
    ).toBeUndefined();
    expect(
      unreadableWeights(route([primary(dest('v1'))]), 'shop'),
    ).toBeUndefined();
    expect(
      unreadableWeights(
        route([primary(dest('v1', true), dest('v2', 10))]),
        'shop',
      ),
    ).toBe(
      "VirtualService shop/reviews, route 'primary': weight true of reviews/v1 is not a number; set the weights with set-weights first",
    );
    expect(
      unreadableWeights(route([primary(dest('v1'), dest('v2'))]), 'shop'),
    ).toMatch(/has 2 destinations but no weights/);
  });
});

describe('findDestination and describeRoute', () => {
  const r = route([primary(dest('v1', 90), dest('v2', 10))]);
  it('finds the position a reference names', () => {
    expect(
      findDestination(r, { host: 'reviews.shop', subset: 'v2' }, 'shop'),
    ).toEqual({ ok: true, position: 1 });
    expect(findDestination(r, { host: 'reviews' }, 'shop')).toEqual({
      ok: false,
      status: 422,
      message:
        "reviews is not a destination of VirtualService shop/reviews, route 'primary'; its destinations are reviews/v1, reviews/v2",
    });
    const twice = route([primary(dest('v1', 50), dest('v1', 50))]);
    expect(
      findDestination(twice, { host: 'reviews', subset: 'v1' }, 'shop'),
    ).toMatchObject({
      status: 422,
      message: expect.stringMatching(
        /names 2 destinations .* fix the duplicate/,
      ),
    });
  });
  it('names routes by name or index', () => {
    expect(describeRoute(target([]), 3)).toBe(
      'VirtualService shop/reviews, route 3',
    );
  });
});
