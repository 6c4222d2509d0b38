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

// The statistics of the canary analysis, written out so the numbers can be
// checked against a reference implementation (see statistics.test.ts).

/**
 * The result of a Mann-Whitney U test.
 *
 * @public
 */
export interface MannWhitneyResult {
  /** U of the first sample: how often one of its values beats one of the second's (ties count half). */
  u: number;
  /** Standard score of `u`, continuity-corrected; positive when the first sample ranks higher. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  pValue: number;
}

/**
 * Smallest sample mannWhitneyU accepts; below it the normal approximation
 * says nothing useful.
 *
 * @public
 */
export const MIN_COMPARISON_SAMPLES = 3;

// erfc by two routes that are each accurate where they are used: a series
// with positive terms only (no cancellation) below 3, a continued fraction
// (evaluated with the modified Lentz method) above. Both reach about 1e-15.
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/**
 * P(Z > z) for a standard normal Z.
 *
 * @internal
 */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * The median of the finite values, or null when there are none.
 *
 * @internal
 */
export function median(values: number[]): number | null {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Two-sided Mann-Whitney U test of whether `a` and `b` come from the same
 * distribution: average ranks for ties, tie-corrected variance, continuity
 * correction, normal approximation (the answer scipy's
 * `mannwhitneyu(a, b, method='asymptotic')` gives). Values that are not
 * finite numbers are left out. Undefined when either sample has fewer than
 * MIN_COMPARISON_SAMPLES values. When every value is equal nothing tells the samples
 * apart: z is 0 and the p-value 1.
 *
 * @public
 */
export function mannWhitneyU(
  a: number[],
  b: number[],
): MannWhitneyResult | undefined {
  const first = a.filter(Number.isFinite);
  const second = b.filter(Number.isFinite);
  const n1 = first.length;
  const n2 = second.length;
  if (n1 < MIN_COMPARISON_SAMPLES || n2 < MIN_COMPARISON_SAMPLES)
    return undefined;

  const all = [
    ...first.map(value => ({ value, fromFirst: true })),
    ...second.map(value => ({ value, fromFirst: false })),
  ].sort((x, y) => x.value - y.value);
  const n = all.length;
  let rankSumFirst = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1].value === all[i].value) j++;
    const count = j - i + 1;
    // Ranks i+1..j+1 are shared equally by the tied values.
    const rank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) {
      if (all[k].fromFirst) rankSumFirst += rank;
    }
    tieTerm += count ** 3 - count;
    i = j + 1;
  }
  const u = rankSumFirst - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) {
    return { u, z: 0, pValue: 1 };
  }
  const distance = Math.max(0, Math.abs(u - mean) - 0.5);
  const z = (Math.sign(u - mean) * distance) / Math.sqrt(variance);
  const pValue = Math.min(1, 2 * normalSurvival(Math.abs(z)));
  return { u, z, pValue };
}
