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

import { formatShare, toShares, weightsSumToZero } from './shares';

describe('toShares', () => {
  it.each([
    [
      [90, 10],
      [90, 10],
    ],
    [
      [5, 5],
      [50, 50],
    ],
    [
      [3, 1],
      [75, 25],
    ],
    [
      [1, 0],
      [100, 0],
    ],
    [
      [0, 7],
      [0, 100],
    ],
    [
      [200, 200],
      [50, 50],
    ],
    [[5], [100]],
    [[0], [100]],
  ])('reads %j as %j', (weights, shares) => {
    expect(toShares(weights)).toEqual(shares);
  });

  it('has no shares when several weights add up to 0', () => {
    expect(toShares([0, 0])).toBeUndefined();
    expect(toShares([0, 0, 0])).toBeUndefined();
  });

  it('keeps shares that are not whole percentages exact', () => {
    const [a, b] = toShares([1, 2])!;
    expect(a + b).toBeCloseTo(100);
    expect(formatShare(a)).toBe('33.33');
    expect(formatShare(b)).toBe('66.67');
    expect(formatShare(50)).toBe('50');
  });
});

describe('weightsSumToZero', () => {
  it('is a 422 that says so', () => {
    expect(weightsSumToZero('the route', 2)).toEqual({
      ok: false,
      status: 422,
      message: expect.stringMatching(
        /^the route: the weights of its 2 destinations sum to 0/,
      ),
    });
  });
});
