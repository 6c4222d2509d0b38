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

import { VersionComparison } from '../metrics';
import { formatValue } from './format';
import { mannWhitneyU, median, MIN_COMPARISON_SAMPLES } from './statistics';

/**
 * What compareVersions compares: one metric's samples of each version over
 * the window (e.g. the error rate of each scrape interval).
 *
 * @public
 */
export interface CompareVersionsInput {
  /** e.g. `error-rate`, `latency-p99`. */
  metric: string;
  higherIsWorse: boolean;
  canary: number[];
  stable: number[];
  /** Relative difference of the medians that is tolerated, e.g. 0.1 for 10%. */
  tolerance: number;
  /** Significance level; defaults to 0.05. */
  alpha?: number;
  /**
   * Absolute difference of the medians, in the metric's unit, that is
   * always tolerated; defaults to 0. The allowed difference is the larger
   * of this and `tolerance` times the stable median, so a stable median
   * of 0 allows exactly this much.
   */
  minDifference?: number;
}

const DEFAULT_ALPHA = 0.05;

// Float noise must not tip a difference of exactly the tolerance over it.
const EPSILON = 1e-9;

function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toPrecision(2))}`;
}

/**
 * Judges a canary against its stable version on one metric, Kayenta-style
 * (a Mann-Whitney test plus an effect size): `high` when the canary's values are
 * significantly higher (two-sided p below `alpha`) and its median exceeds
 * the stable median by more than the allowed difference (see
 * CompareVersionsInput.minDifference), `low` the same downwards, `pass`
 * otherwise, and `no-data` when either version has fewer than 3 finite
 * values. Whether `high` or `low` is bad is for the caller (`higherIsWorse`).
 *
 * @public
 */
export function compareVersions(
  input: CompareVersionsInput,
): VersionComparison {
  const { metric, higherIsWorse, tolerance } = input;
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const canaryValues = input.canary.filter(Number.isFinite);
  const stableValues = input.stable.filter(Number.isFinite);
  const canaryMedian = median(canaryValues);
  const stableMedian = median(stableValues);
  const base = {
    metric,
    higherIsWorse,
    canary: { samples: canaryValues.length, median: canaryMedian },
    stable: { samples: stableValues.length, median: stableMedian },
    tolerance,
  };
  const test = mannWhitneyU(canaryValues, stableValues);
  if (!test || canaryMedian === null || stableMedian === null) {
    return {
      ...base,
      pValue: null,
      outcome: 'no-data',
      message: `${metric}: too few samples to compare (canary ${canaryValues.length}, stable ${stableValues.length}; at least ${MIN_COMPARISON_SAMPLES} each).`,
    };
  }
  const difference = canaryMedian - stableMedian;
  const allowed = Math.max(
    tolerance * Math.abs(stableMedian),
    input.minDifference ?? 0,
  );
  const significant = test.pValue < alpha;
  const beyond = Math.abs(difference) > allowed * (1 + EPSILON) + EPSILON;
  const direction = difference > 0 ? 'higher' : 'lower';
  const medians = `canary median ${formatValue(
    canaryMedian,
  )}, stable ${formatValue(stableMedian)}`;
  const p = formatP(test.pValue);
  let outcome: VersionComparison['outcome'] = 'pass';
  let message: string;
  if (significant && beyond) {
    outcome = difference > 0 ? 'high' : 'low';
    const better = (outcome === 'high') !== higherIsWorse;
    message = `${metric}: the canary is significantly ${direction} than stable (${medians}, ${p}), beyond the allowed difference of ${formatValue(
      allowed,
    )}${better ? ', which is better' : ''}.`;
  } else if (significant) {
    message = `${metric}: the canary differs significantly from stable (${medians}, ${p}), but its median is within the allowed difference of ${formatValue(
      allowed,
    )}.`;
  } else {
    message = `${metric}: no significant difference between canary and stable (${medians}, ${p}).`;
  }
  return { ...base, pValue: test.pValue, outcome, message };
}
