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

import { validateWeights } from './validateWeights';

const route = [
  { host: 'reviews', subset: 'v1' },
  { host: 'reviews', subset: 'v2', port: 9080 },
];
const check = (weights: unknown, destinations = route) =>
  validateWeights({
    weights,
    destinations,
    namespace: 'shop',
    where: 'VirtualService shop/reviews, route 1',
  });

describe('validateWeights', () => {
  it('returns the weights in the order of the route', () => {
    expect(
      check([
        { host: 'reviews.shop.svc.cluster.local', subset: 'v2', weight: 30 },
        { host: 'reviews', subset: 'v1', weight: 70 },
      ]),
    ).toEqual({ ok: true, weights: [70, 30] });
    expect(
      check([
        { host: 'reviews', subset: 'v1', weight: 100 },
        { host: 'reviews', subset: 'v2', port: 9080, weight: 0 },
      ]),
    ).toEqual({ ok: true, weights: [100, 0] });
  });

  it('names the route in messages, and defaults when not told', () => {
    expect(validateWeights({ weights: [], destinations: route })).toMatchObject(
      { message: expect.stringMatching(/^the route: /) },
    );
  });

  it.each([
    [
      null,
      400,
      'weights must be a non-empty list of { host, subset, port, weight }',
    ],
    [[null], 400, 'weights[0] must be an object with a host'],
    [
      [{ subset: 'v1', weight: 100 }],
      400,
      'weights[0]: host null is not a host name',
    ],
    [
      [{ host: 'reviews', subset: 'v1' }],
      400,
      'weight null for reviews/v1 is not a number',
    ],
    [
      [{ host: 'reviews', subset: 'v1', weight: '100' }],
      400,
      'weight "100" for reviews/v1 is not a number',
    ],
    [
      [{ host: 'reviews', subset: 'v1', weight: Infinity }],
      400,
      'weight null for reviews/v1 is not a number',
    ],
    [
      [{ host: 'reviews', subset: 'v1', weight: 99.5 }],
      400,
      'weight 99.5 for reviews/v1 is not a whole number; Istio weights are integers',
    ],
    [
      [{ host: 'reviews', subset: 'v1', weight: -5 }],
      400,
      'weight -5 for reviews/v1 is below 0',
    ],
    [
      [{ host: 'reviews', subset: 'v2', weight: 101 }],
      400,
      'weight 101 for reviews/v2 is above 100',
    ],
    [
      [
        { host: 'reviews', subset: 'v1', weight: 90 },
        { host: 'reviews', subset: 'v2', weight: 20 },
      ],
      400,
      'weights add up to 110, not 100',
    ],
    [
      [
        { host: 'reviews', subset: 'v1', weight: 50 },
        { host: 'reviews.shop', subset: 'v1', weight: 50 },
      ],
      400,
      'reviews/v1 is listed more than once',
    ],
    [
      [
        { host: 'reviews', subset: 'v1', weight: 50 },
        { host: 'reviews', subset: 'v2', weight: 25 },
        { host: 'reviews', subset: 'v2', port: 9080, weight: 25 },
      ],
      400,
      'reviews/v2 (port 9080) is listed more than once',
    ],
    [
      [{ host: 'reviews', subset: 'v3', weight: 100 }],
      422,
      'reviews/v3 is not a destination of this route; its destinations are reviews/v1, reviews/v2 (port 9080)',
    ],
    [
      [{ host: 'reviews', subset: 'v2', port: 9090, weight: 100 }],
      422,
      'reviews/v2 (port 9090) is not a destination of this route; its destinations are reviews/v1, reviews/v2 (port 9080)',
    ],
    [
      [{ host: 'reviews', subset: 'v1', weight: 100 }],
      422,
      'weights must list every destination of the route exactly once; missing reviews/v2 (port 9080)',
    ],
  ])('%j → %i', (weights, status, message) => {
    expect(check(weights)).toEqual({
      ok: false,
      status,
      message: `VirtualService shop/reviews, route 1: ${message}`,
    });
  });

  it('refuses a reference that names two destinations of the route', () => {
    expect(
      check(
        [{ host: 'reviews', weight: 100 }],
        [
          { host: 'reviews', port: 80 } as never,
          { host: 'reviews', port: 81 } as never,
        ],
      ),
    ).toEqual({
      ok: false,
      status: 422,
      message:
        'VirtualService shop/reviews, route 1: reviews names 2 destinations of this route; give the port',
    });
  });
});
