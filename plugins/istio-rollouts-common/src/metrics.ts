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

// Wire types of what the mesh's metrics say about a VirtualService's
// versions: the traffic each one really received, and the canary analysis
// that judges a canary against its stable version. The backend fills them
// from a Prometheus (`istioRollouts.metrics`); the tab shows them next to
// the configured split.

/**
 * What one version of a VirtualService received over the window.
 *
 * @public
 */
export interface ObservedVersionTraffic {
  versionKey: string;
  /** Requests per second over the window. */
  requestsPerSecond: number;
  /**
   * Percent (0–100) of the requests the VirtualService's measured versions
   * received together; null when none received any.
   */
  share: number | null;
  /** Percent of requests not answered with a 5xx; null without requests. */
  successRate: number | null;
  /** 99th percentile latency in milliseconds; null without requests. */
  p99Ms: number | null;
}

/**
 * The traffic a VirtualService's versions really received, per the metrics.
 *
 * @public
 */
export interface ObservedTrafficView {
  source: 'prometheus';
  /** The PromQL range the rates are taken over, e.g. `1m`. */
  window: string;
  /** ISO time the metrics were read. */
  at: string;
  versions: ObservedVersionTraffic[];
  /**
   * Versions whose requests the metrics cannot tell apart from another
   * version's (e.g. a subset that selects on a label Istio's metrics do not
   * carry), and why. They are absent from `versions`.
   */
  unmeasured?: Array<{ versionKey: string; reason: string }>;
  /** Set when the metrics could not be read; `versions` is then empty. */
  error?: string;
}

/**
 * Verdict of a canary analysis.
 *
 * @public
 */
export type AnalysisVerdict = 'pass' | 'marginal' | 'fail' | 'no-data';

/**
 * One metric check: a PromQL query against a threshold.
 *
 * @public
 */
export interface MetricCheckResult {
  /** e.g. `request-success-rate`, `request-duration`. */
  name: string;
  /** The PromQL sent, templates filled in. */
  query: string;
  /** The value the query returned; null when it returned nothing. */
  value: number | null;
  threshold: { min?: number; max?: number };
  outcome: 'pass' | 'fail' | 'no-data';
  /** One sentence a person would read. */
  message: string;
}

/**
 * A statistical comparison of canary against stable on one metric
 * (Mann-Whitney U over the metric's samples in the window).
 *
 * @public
 */
export interface VersionComparison {
  /** e.g. `error-rate`, `latency-p99`. */
  metric: string;
  /** Whether a higher value is worse (latency, errors). */
  higherIsWorse: boolean;
  canary: { samples: number; median: number | null };
  stable: { samples: number; median: number | null };
  /** Two-sided p-value of the Mann-Whitney U test; null without enough samples. */
  pValue: number | null;
  /** Allowed relative difference before a significant one counts, e.g. 0.1. */
  tolerance: number;
  /** `high`/`low`: the canary is significantly above/below stable, beyond the tolerance. */
  outcome: 'pass' | 'high' | 'low' | 'no-data';
  message: string;
}

/**
 * The canary analysis of one route of a VirtualService.
 *
 * @public
 */
export interface CanaryAnalysisView {
  /** Index of the route in `spec.http` that has the canary. */
  route: number;
  canaryVersionKey: string;
  stableVersionKey: string;
  verdict: AnalysisVerdict;
  /** Why, one sentence each, worst first. */
  reasons: string[];
  checks: MetricCheckResult[];
  comparisons: VersionComparison[];
  /** The PromQL range the analysis looked at, e.g. `1m`. */
  window: string;
  /** ISO time of the evaluation. */
  evaluatedAt: string;
  /** Whether the plugin rolls the route back when the verdict is `fail`. */
  autoRollback: boolean;
}
