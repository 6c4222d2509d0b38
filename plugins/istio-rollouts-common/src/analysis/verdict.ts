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
  AnalysisVerdict,
  MetricCheckResult,
  VersionComparison,
} from '../metrics';
import { formatValue } from './format';
import { AnalysisCheckSpec } from './templates';

/**
 * Judges one check's value against its thresholds: `no-data` when the
 * query returned nothing (null or NaN), `fail` below `min` or above `max`,
 * `pass` otherwise (the bounds themselves pass).
 *
 * @public
 */
export function evaluateCheck(
  spec: AnalysisCheckSpec,
  query: string,
  value: number | null,
): MetricCheckResult {
  const threshold: MetricCheckResult['threshold'] = {};
  if (spec.min !== undefined) threshold.min = spec.min;
  if (spec.max !== undefined) threshold.max = spec.max;
  const result = { name: spec.name, query, threshold };
  if (value === null || Number.isNaN(value)) {
    return {
      ...result,
      value: null,
      outcome: 'no-data',
      message: `${spec.name}: the query returned no value.`,
    };
  }
  const shown = formatValue(value);
  const { min, max } = threshold;
  if (min !== undefined && value < min) {
    return {
      ...result,
      value,
      outcome: 'fail',
      message: `${spec.name} is ${shown}, below the minimum of ${formatValue(
        min,
      )}.`,
    };
  }
  if (max !== undefined && value > max) {
    return {
      ...result,
      value,
      outcome: 'fail',
      message: `${spec.name} is ${shown}, above the maximum of ${formatValue(
        max,
      )}.`,
    };
  }
  let within: string;
  if (min !== undefined && max !== undefined) {
    within = `between ${formatValue(min)} and ${formatValue(max)}`;
  } else if (min !== undefined) {
    within = `at or above the minimum of ${formatValue(min)}`;
  } else if (max !== undefined) {
    within = `at or below the maximum of ${formatValue(max)}`;
  } else {
    within = 'with no threshold to break';
  }
  return {
    ...result,
    value,
    outcome: 'pass',
    message: `${spec.name} is ${shown}, ${within}.`,
  };
}

/**
 * What analysisVerdict weighs.
 *
 * @public
 */
export interface AnalysisVerdictInput {
  checks: MetricCheckResult[];
  comparisons: VersionComparison[];
  /** Requests the canary received over the window. */
  canaryRequests: number;
  minRequests: number;
}

// A comparison is worse when the canary moved the way that hurts.
function isWorse(c: VersionComparison): boolean {
  return (
    (c.outcome === 'high' && c.higherIsWorse) ||
    (c.outcome === 'low' && !c.higherIsWorse)
  );
}

/**
 * The verdict of a canary analysis, and why, one sentence each, worst
 * first. `no-data` while the canary has received fewer than `minRequests`
 * requests, or when no check and no comparison produced a value; `fail`
 * when a check fails or the canary is worse than stable on every metric
 * compared; `marginal` when it is worse on some but not all of them, or a
 * check could not be judged; `pass` otherwise.
 *
 * @public
 */
export function analysisVerdict(input: AnalysisVerdictInput): {
  verdict: AnalysisVerdict;
  reasons: string[];
} {
  const { checks, comparisons, canaryRequests, minRequests } = input;
  if (!(canaryRequests >= minRequests)) {
    const received = Number.isFinite(canaryRequests)
      ? Math.round(canaryRequests)
      : 0;
    return {
      verdict: 'no-data',
      reasons: [
        `The canary received ${received} request${
          received === 1 ? '' : 's'
        } in the window; the analysis needs at least ${minRequests}.`,
      ],
    };
  }
  const failed = checks.filter(c => c.outcome === 'fail');
  const unjudged = checks.filter(c => c.outcome === 'no-data');
  const passed = checks.filter(c => c.outcome === 'pass');
  const compared = comparisons.filter(c => c.outcome !== 'no-data');
  const worse = compared.filter(isWorse);
  const better = compared.filter(c => c.outcome !== 'pass' && !isWorse(c));
  const same = compared.filter(c => c.outcome === 'pass');
  const uncompared = comparisons.filter(c => c.outcome === 'no-data');

  const worseEverywhere = worse.length > 0 && worse.length === compared.length;
  const summary: string[] = [];
  let verdict: AnalysisVerdict;
  if (failed.length > 0 || worseEverywhere) {
    verdict = 'fail';
  } else if (passed.length === 0 && compared.length === 0) {
    verdict = 'no-data';
    summary.push('No check and no comparison produced a value.');
  } else if (worse.length > 0 || unjudged.length > 0) {
    verdict = 'marginal';
  } else {
    verdict = 'pass';
  }
  if (worseEverywhere) {
    summary.push(
      `The canary is worse than stable on every compared metric (${worse
        .map(c => c.metric)
        .join(', ')}).`,
    );
  } else if (worse.length > 0) {
    summary.push(
      `The canary is worse than stable on ${worse.length} of ${compared.length} compared metrics.`,
    );
  }
  return {
    verdict,
    reasons: [
      ...failed.map(c => c.message),
      ...summary,
      ...worse.map(c => c.message),
      ...unjudged.map(c => c.message),
      ...uncompared.map(c => c.message),
      ...better.map(c => c.message),
      ...passed.map(c => c.message),
      ...same.map(c => c.message),
    ],
  };
}
