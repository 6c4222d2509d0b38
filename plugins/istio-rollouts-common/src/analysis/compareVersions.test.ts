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

import { compareVersions, CompareVersionsInput } from './compareVersions';

const STABLE_LATENCY = [100, 102, 98, 105, 101, 99, 103, 97, 104, 100];
const SLOW_CANARY = [150, 160, 155, 170, 165, 158, 162, 149, 151, 168];

const latency = (
  canary: number[],
  stable: number[],
  extra: Partial<CompareVersionsInput> = {},
) =>
  compareVersions({
    metric: 'latency-p99',
    higherIsWorse: true,
    canary,
    stable,
    tolerance: 0.1,
    ...extra,
  });

describe('compareVersions', () => {
  it('is high when the canary is significantly higher beyond the tolerance', () => {
    const result = latency(SLOW_CANARY, STABLE_LATENCY);
    expect(result).toEqual({
      metric: 'latency-p99',
      higherIsWorse: true,
      canary: { samples: 10, median: 159 },
      stable: { samples: 10, median: 100.5 },
      pValue: expect.any(Number),
      tolerance: 0.1,
      outcome: 'high',
      message:
        'latency-p99: the canary is significantly higher than stable (canary median 159, stable 100.5, p < 0.001), beyond the allowed difference of 10.05.',
    });
    expect(result.pValue).toBeLessThan(0.001);
  });

  it('is low when significantly lower, and says so when lower is better', () => {
    const result = latency(STABLE_LATENCY, SLOW_CANARY);
    expect(result.outcome).toBe('low');
    expect(result.message).toBe(
      'latency-p99: the canary is significantly lower than stable (canary median 100.5, stable 159, p < 0.001), beyond the allowed difference of 15.9, which is better.',
    );
    const successRate = compareVersions({
      metric: 'success-rate',
      higherIsWorse: false,
      canary: [90, 91, 89, 92, 90],
      stable: [99, 100, 99.5, 100, 99.8],
      tolerance: 0.05,
    });
    expect(successRate.outcome).toBe('low');
    expect(successRate.message).not.toContain('better');
  });

  it('passes a significant difference within the tolerance', () => {
    const result = latency(
      STABLE_LATENCY.map(v => v + 5),
      STABLE_LATENCY,
    );
    expect(result.pValue).toBeLessThan(0.05);
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(
      /^latency-p99: the canary differs significantly from stable \(canary median 105\.5, stable 100\.5, p = 0\.\d+\), but its median is within the allowed difference of 10\.05\.$/,
    );
  });

  it('passes a large difference that is not significant', () => {
    // Medians 300 and 100, but two of the canary's values are the lowest.
    const result = latency([90, 300, 95, 310, 320], [100, 101, 99, 98, 102]);
    expect(result).toMatchObject({
      canary: { samples: 5, median: 300 },
      stable: { samples: 5, median: 100 },
      outcome: 'pass',
    });
    expect(result.pValue).toBeGreaterThan(0.05);
    expect(result.message).toMatch(
      /^latency-p99: no significant difference between canary and stable \(canary median 300, stable 100, p = 0\.\d+\)\.$/,
    );
  });

  it('counts a difference of exactly the tolerance as within it', () => {
    const stable = [100, 100, 100, 100, 100];
    expect(latency([110, 110, 110, 110, 110], stable).outcome).toBe('pass');
    expect(latency([110.5, 110.5, 110.5, 110.5, 110.5], stable).outcome).toBe(
      'high',
    );
    // 0.33 - 0.3 is 0.030000000000000027 in floating point, 0.1 * 0.3 is
    // 0.030000000000000002: still exactly the tolerance.
    expect(
      latency([0.33, 0.33, 0.33, 0.33], [0.3, 0.3, 0.3, 0.3]).outcome,
    ).toBe('pass');
  });

  it('judges a stable median of 0 by the absolute floor', () => {
    const stable = [0, 0, 0, 0, 0, 0];
    const canary = [1, 2, 1.5, 3, 2, 1];
    const errors = (minDifference?: number) =>
      compareVersions({
        metric: 'error-rate',
        higherIsWorse: true,
        canary,
        stable,
        tolerance: 0.1,
        minDifference,
      });
    // Without a floor any significant rise above 0 counts.
    expect(errors().outcome).toBe('high');
    expect(errors(1.75).outcome).toBe('pass');
    expect(errors(1.74).outcome).toBe('high');
    expect(errors(1.75).message).toContain(
      'within the allowed difference of 1.75',
    );
    // Both at 0: nothing to tell apart.
    expect(
      compareVersions({
        metric: 'error-rate',
        higherIsWorse: true,
        canary: [0, 0, 0],
        stable,
        tolerance: 0.1,
      }),
    ).toMatchObject({ outcome: 'pass', pValue: 1 });
  });

  it('uses the significance level it is given', () => {
    const canary = [4, 5, 6];
    const stable = [1, 2, 3];
    // p = 0.0809 (SciPy 1.17.1, asymptotic, continuity-corrected).
    expect(latency(canary, stable).outcome).toBe('pass');
    expect(latency(canary, stable, { alpha: 0.1 }).outcome).toBe('high');
  });

  it('is no-data with fewer than three finite samples on either side', () => {
    const result = latency([150, NaN, 160, Infinity], STABLE_LATENCY);
    expect(result).toEqual({
      metric: 'latency-p99',
      higherIsWorse: true,
      canary: { samples: 2, median: 155 },
      stable: { samples: 10, median: 100.5 },
      pValue: null,
      tolerance: 0.1,
      outcome: 'no-data',
      message:
        'latency-p99: too few samples to compare (canary 2, stable 10; at least 3 each).',
    });
    expect(latency(SLOW_CANARY, []).outcome).toBe('no-data');
    expect(latency([], []).canary.median).toBeNull();
  });
});
