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

import type {
  CanaryAnalysisView,
  MetricCheckResult,
  ObservedTrafficView,
  VersionComparison,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// Builders of the metrics wire types, shaped as the backend fills them,
// for the observed traffic, analysis and request tests (not shipped).

/** 2026-11-26 12:03:04 in the test's local time zone. */
export const READ_AT = new Date(2026, 10, 26, 12, 3, 4).toISOString();

/** v1 got 89.7% of 20 req/s and v2 10.3%, v2 with errors and slower. */
export function observedView(
  overrides: Partial<ObservedTrafficView> = {},
): ObservedTrafficView {
  return {
    source: 'prometheus',
    window: '1m',
    at: READ_AT,
    versions: [
      {
        versionKey: 'reviews/v1',
        requestsPerSecond: 17.94,
        share: 89.7,
        successRate: 100,
        p99Ms: 24.5,
      },
      {
        versionKey: 'reviews/v2',
        requestsPerSecond: 2.06,
        share: 10.3,
        successRate: 80,
        p99Ms: 612,
      },
    ],
    ...overrides,
  };
}

export function check(
  overrides: Partial<MetricCheckResult> = {},
): MetricCheckResult {
  return {
    name: 'request-success-rate',
    query:
      'sum(rate(istio_requests_total{reporter="destination",destination_workload=~"reviews-v2",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload=~"reviews-v2"}[1m])) * 100',
    value: 80,
    threshold: { min: 99 },
    outcome: 'fail',
    message: 'request-success-rate is 80, below the minimum of 99.',
    ...overrides,
  };
}

export function comparison(
  overrides: Partial<VersionComparison> = {},
): VersionComparison {
  return {
    metric: 'latency-p99',
    higherIsWorse: true,
    canary: { samples: 6, median: 612 },
    stable: { samples: 6, median: 24.5 },
    pValue: 0.0043,
    tolerance: 0.1,
    outcome: 'high',
    message:
      'latency-p99: the canary is significantly higher than stable (medians 612 vs 24.5, p = 0.004), beyond the allowed difference of 0.1.',
    ...overrides,
  };
}

/** A failing analysis of route #1 (`primary`): v2 against v1. */
export function analysisView(
  overrides: Partial<CanaryAnalysisView> = {},
): CanaryAnalysisView {
  return {
    route: 0,
    canaryVersionKey: 'reviews/v2',
    stableVersionKey: 'reviews/v1',
    verdict: 'fail',
    reasons: [
      'request-success-rate is 80, below the minimum of 99.',
      'request-duration is 612, above the maximum of 500.',
      'latency-p99: the canary is significantly higher than stable (medians 612 vs 24.5, p = 0.004), beyond the allowed difference of 0.1.',
    ],
    checks: [
      check(),
      check({
        name: 'request-duration',
        query:
          'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_workload=~"reviews-v2"}[1m])))',
        value: 612,
        threshold: { max: 500 },
        outcome: 'fail',
        message: 'request-duration is 612, above the maximum of 500.',
      }),
    ],
    comparisons: [comparison()],
    window: '1m',
    evaluatedAt: READ_AT,
    autoRollback: false,
    ...overrides,
  };
}
