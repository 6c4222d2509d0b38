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

import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration, durationToMilliseconds } from '@backstage/types';
import {
  AnalysisCheckSpec,
  parsePromQLDuration,
  readConfiguredChecks,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/** `istioRollouts.metrics`, read and checked once at startup. */
export interface MetricsConfig {
  /** Base URL of Prometheus' HTTP API, as configured. */
  prometheusUrl: string;
  /** The PromQL range observed traffic and analysis look at, e.g. `1m`. */
  window: string;
  windowSeconds: number;
  /** Deadline of one call to Prometheus. */
  requestTimeoutMs: number;
  /** How long an answer of Prometheus is reused. */
  cacheForMs: number;
  /**
   * The clusters whose traffic this Prometheus sees; undefined: all of
   * them. Istio's metrics carry no cluster label, so a Prometheus is
   * taken to see one cluster's mesh (see docs/canary-analysis.md).
   */
  clusters?: string[];
  /**
   * The installation's checks (Flagger's two, changed or joined by the
   * ones in `checks`): entities choose among them and set thresholds, but
   * bring no query, since queries run with the plugin's access.
   */
  checks: AnalysisCheckSpec[];
  analysis: {
    /** How often one replica checks for failing canaries to roll back. */
    interval: HumanDuration;
    /** The sample step of the statistical comparisons, e.g. `10s`. */
    step: string;
    stepSeconds: number;
  };
}

const DEFAULT_WINDOW = '1m';
const DEFAULT_STEP = '10s';
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_FOR_MS = 5_000;
const DEFAULT_INTERVAL: HumanDuration = { seconds: 30 };
// Mann-Whitney needs three samples of each version; fewer steps per window
// could never give a comparison.
const MIN_STEPS_PER_WINDOW = 3;

// Zero is allowed: every view asks Prometheus afresh.
function cacheForMs(metrics: Config, root: string): number {
  if (!metrics.has('cacheFor')) return DEFAULT_CACHE_FOR_MS;
  const ms = durationToMilliseconds(
    readDurationFromConfig(metrics, { key: 'cacheFor' }),
  );
  if (!(ms >= 0)) throw new Error(`${root}.cacheFor must not be negative`);
  return ms;
}

/**
 * Reads `istioRollouts.metrics`; undefined when absent (no observed
 * traffic, no analysis, no scheduled task). Throws at startup, naming the
 * key, for a URL that is not http(s), a duration Prometheus would refuse,
 * a malformed check or an unknown cluster.
 */
export function readMetricsConfig(
  config: Config,
  /** The configured clusters, which `clusters` must name. */
  known: { clusters?: string[] } = {},
): MetricsConfig | undefined {
  const root = 'istioRollouts.metrics';
  const metrics = config.getOptionalConfig(root);
  if (!metrics) return undefined;

  const prometheusUrl = metrics.getString('prometheusUrl').trim();
  let url: URL;
  try {
    url = new URL(prometheusUrl);
  } catch {
    throw new Error(
      `${root}.prometheusUrl must be an http:// or https:// URL of Prometheus, e.g. http://prometheus.monitoring:9090`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `${root}.prometheusUrl must be an http:// or https:// URL of Prometheus, not ${url.protocol}`,
    );
  }
  if (url.search || url.hash) {
    throw new Error(
      `${root}.prometheusUrl must not have a query or fragment; give the base URL (the API is under <url>/api/v1)`,
    );
  }

  const promDuration = (key: string, fallback: string) => {
    const value = metrics.getOptionalString(key)?.trim() ?? fallback;
    const seconds = parsePromQLDuration(value);
    if (seconds === undefined) {
      throw new Error(
        `${root}.${key} must be a positive PromQL duration such as 30s, 1m or 1h30m, not '${value}'`,
      );
    }
    return { value, seconds };
  };
  const window = promDuration('window', DEFAULT_WINDOW);
  const step = promDuration('analysis.step', DEFAULT_STEP);
  if (window.seconds / step.seconds < MIN_STEPS_PER_WINDOW) {
    throw new Error(
      `${root}.analysis.step (${step.value}) must be at most a third of ${root}.window (${window.value}): the analysis compares at least ${MIN_STEPS_PER_WINDOW} samples of each version`,
    );
  }

  const positiveMs = (key: string, fallback: number) => {
    if (!metrics.has(key)) return fallback;
    const ms = durationToMilliseconds(readDurationFromConfig(metrics, { key }));
    if (!(ms > 0))
      throw new Error(`${root}.${key} must be a positive duration`);
    return ms;
  };
  const interval = metrics.has('analysis.interval')
    ? readDurationFromConfig(metrics, { key: 'analysis.interval' })
    : DEFAULT_INTERVAL;
  if (!(durationToMilliseconds(interval) > 0)) {
    throw new Error(`${root}.analysis.interval must be a positive duration`);
  }

  const clusters = metrics.getOptionalStringArray('clusters');
  for (const name of clusters ?? []) {
    if (known.clusters && !known.clusters.includes(name)) {
      throw new Error(
        `${root}.clusters names '${name}', which is not a configured cluster`,
      );
    }
  }

  const configured = readConfiguredChecks(
    metrics.getOptional('checks'),
    `${root}.checks`,
  );
  if (configured.errors.length) {
    throw new Error(configured.errors.join(' '));
  }

  return {
    prometheusUrl,
    window: window.value,
    windowSeconds: window.seconds,
    requestTimeoutMs: positiveMs('requestTimeout', DEFAULT_REQUEST_TIMEOUT_MS),
    cacheForMs: cacheForMs(metrics, root),
    clusters,
    checks: configured.checks,
    analysis: { interval, step: step.value, stepSeconds: step.seconds },
  };
}
