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

import { mannWhitneyU, median, normalSurvival } from './statistics';

// Reference numbers from SciPy 1.17.1 (Python 3, in a scratch venv):
//   from scipy.stats import mannwhitneyu, norm
//   r = mannwhitneyu(a, b, alternative='two-sided', method='asymptotic',
//                    use_continuity=True)
//   u = r.statistic; p = r.pvalue
//   z = sign(u - len(a)*len(b)/2) * norm.isf(p / 2)
// and norm.sf(z) for the normal tail.
const SCIPY_CASES: Array<{
  name: string;
  a: number[];
  b: number[];
  u: number;
  z: number;
  p: number;
}> = [
  {
    name: 'fully separated samples',
    a: [1, 2, 3, 4, 5],
    b: [6, 7, 8, 9, 10],
    u: 0,
    z: -2.5067182457620487,
    p: 0.012185780355344813,
  },
  {
    name: 'ties across the samples',
    a: [1, 2, 2, 3, 3, 3, 4],
    b: [3, 3, 4, 4, 5, 5, 6, 6],
    u: 6,
    z: -2.550383482918543,
    p: 0.01076044857859622,
  },
  {
    name: 'latencies of unequal sample sizes',
    a: [
      101.5, 98.2, 120.0, 99.9, 105.3, 101.5, 97.0, 130.2, 101.5, 110.0, 95.5,
      100.0,
    ],
    b: [88.0, 92.5, 90.1, 101.5, 87.3, 95.5, 91.0, 89.9, 93.3, 94.0],
    u: 113,
    z: 3.4725485957722757,
    p: 0.000515541668555028,
  },
  {
    name: 'the smallest samples accepted',
    a: [1, 2, 3],
    b: [4, 5, 6],
    u: 0,
    z: -1.7457431218879398,
    p: 0.08085559837005224,
  },
  {
    name: 'error rates, mostly zero',
    a: [0, 0, 0, 0.5, 0, 1.2, 0, 0, 0.4, 0],
    b: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1],
    u: 61.5,
    z: 1.189440721839147,
    p: 0.23426628444669173,
  },
  {
    name: 'two values, heavily tied',
    a: [...Array(20).fill(5), ...Array(5).fill(6)],
    b: [...Array(15).fill(5), ...Array(10).fill(6)],
    u: 250,
    z: -1.5153050297987314,
    p: 0.12969517515349188,
  },
];

describe('mannWhitneyU', () => {
  it.each(SCIPY_CASES)('matches SciPy: $name', ({ a, b, u, z, p }) => {
    const result = mannWhitneyU(a, b)!;
    expect(result.u).toBe(u);
    expect(result.z).toBeCloseTo(z, 9);
    expect(result.pValue).toBeCloseTo(p, 12);
    expect(Math.abs(result.pValue - p) / p).toBeLessThan(1e-9);
  });

  it('is symmetric: swapping the samples mirrors u and z, keeps p', () => {
    const { a, b } = SCIPY_CASES[2];
    const forward = mannWhitneyU(a, b)!;
    const backward = mannWhitneyU(b, a)!;
    expect(backward.u).toBe(a.length * b.length - forward.u);
    expect(backward.z).toBeCloseTo(-forward.z, 12);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 15);
  });

  it('gives p = 1 when the samples rank the same (SciPy: p 1.0 for [1,2,3] vs [1,2,3])', () => {
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3])).toEqual({
      u: 4.5,
      z: 0,
      pValue: 1,
    });
  });

  it('gives p = 1 when every value is equal, where the variance is 0', () => {
    // SciPy answers NaN here; nothing tells the samples apart, so 1.
    expect(mannWhitneyU([7, 7, 7, 7], [7, 7, 7])).toEqual({
      u: 6,
      z: 0,
      pValue: 1,
    });
  });

  it('needs three finite values in each sample', () => {
    expect(mannWhitneyU([], [])).toBeUndefined();
    expect(mannWhitneyU([1, 2], [3, 4, 5])).toBeUndefined();
    expect(mannWhitneyU([1, 2, 3], [4, 5])).toBeUndefined();
    expect(mannWhitneyU([1, 2, NaN], [3, 4, 5])).toBeUndefined();
    expect(mannWhitneyU([1, 2, Infinity], [3, 4, 5])).toBeUndefined();
  });

  it('leaves out values that are not finite', () => {
    expect(
      mannWhitneyU([1, NaN, 2, 3, 4, 5], [6, 7, -Infinity, 8, 9, 10]),
    ).toEqual(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]));
  });

  it('does not depend on the order of the values', () => {
    const { a, b } = SCIPY_CASES[1];
    expect(mannWhitneyU([...a].reverse(), [...b].reverse())).toEqual(
      mannWhitneyU(a, b),
    );
  });
});

describe('normalSurvival', () => {
  // norm.sf(z) from SciPy 1.17.1.
  it.each([
    [0, 0.5],
    [0.5, 0.3085375387259869],
    [-1.2, 0.8849303297782918],
    [1.96, 0.024997895148220435],
    [3.5, 0.00023262907903552502],
    [4.2426406871192848, 1.1045248499292722e-5],
    [5, 2.866515718791933e-7],
    [8.3, 5.2055697448902465e-17],
  ])('P(Z > %p) = %p', (z, expected) => {
    expect(Math.abs(normalSurvival(z) - expected) / expected).toBeLessThan(
      1e-10,
    );
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });

  it('is null without finite values and ignores the others', () => {
    expect(median([])).toBeNull();
    expect(median([NaN, Infinity])).toBeNull();
    expect(median([1, NaN, 3])).toBe(2);
  });
});
