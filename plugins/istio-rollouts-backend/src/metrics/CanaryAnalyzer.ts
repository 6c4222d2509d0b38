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
  AnalysisCheckSpec,
  AnalysisSettings,
  MetricCheckResult,
  ObservedSelectors,
  PromSample,
  VersionComparison,
  VersionView,
  VirtualServiceView,
  compareVersions,
  evaluateCheck,
  parseServiceFqdn,
  renderQueryTemplate,
  workloadRegex,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { MetricsConfig } from './metricsConfig';
import { PrometheusQueries } from './PrometheusClient';
import { TtlCache } from './TtlCache';

// A version as Istio's metrics name it: the Service it was asked for and
// the workloads that answered.
type Selector = { service: string; workloads: string[]; namespace: string };

// The per-step series of the statistical comparison. Each sample is the
// rate over its own step, so samples do not overlap (Mann-Whitney assumes
// independent samples); 5xx absent at a step reads 0, no requests NaN.
const SERIES_SELECTOR =
  'reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}", destination_service="{{ service }}"';
// `minDifference` is a noise floor in the metric's unit, below which a
// difference never counts, whatever the tolerance: it matters where the
// stable median is 0 (no errors), where any relative tolerance is 0.
const COMPARED_METRICS: Array<{
  metric: string;
  higherIsWorse: boolean;
  minDifference: number;
  template: string;
}> = [
  {
    // Percent of requests answered with a 5xx; floor 0.1 percentage point.
    metric: 'error-rate',
    higherIsWorse: true,
    minDifference: 0.1,
    template:
      `100 * (sum(rate(istio_requests_total{${SERIES_SELECTOR}, response_code=~"5.*"}[{{ step }}])) or vector(0))` +
      ` / sum(rate(istio_requests_total{${SERIES_SELECTOR}}[{{ step }}]))`,
  },
  {
    // Milliseconds; floor 1 ms.
    metric: 'latency-p99',
    higherIsWorse: true,
    minDifference: 1,
    template: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${SERIES_SELECTOR}}[{{ step }}])))`,
  },
];

/**
 * The measurements of a canary analysis: the entity's checks on the
 * canary (instant queries) and the canary compared with its stable version
 * step by step over the window (range queries, Mann-Whitney in the common
 * package). Failures of Prometheus become `no-data` results that say why.
 */
export class CanaryAnalyzer {
  constructor(
    private readonly options: {
      prometheus: PrometheusQueries;
      config: MetricsConfig;
      cache: TtlCache;
    },
  ) {}

  /** The checks and comparisons of `canary` against `stable`. */
  async measure(args: {
    vs: VirtualServiceView;
    selectors: ObservedSelectors;
    canary: VersionView;
    stable: VersionView;
    settings: AnalysisSettings;
    at: Date;
  }): Promise<{
    checks: MetricCheckResult[];
    comparisons: VersionComparison[];
  }> {
    const { vs, selectors, canary, stable, settings, at } = args;
    const [checks, comparisons] = await Promise.all([
      this.checks(vs, canary, settings.checks, at),
      this.comparisons(vs, selectors, { canary, stable }, settings, at),
    ]);
    return { checks, comparisons };
  }

  // The entity's checks, rendered for the canary's workloads (Flagger's
  // `target`), each one instant query.
  private async checks(
    vs: VirtualServiceView,
    canary: VersionView,
    specs: AnalysisCheckSpec[],
    at: Date,
  ): Promise<MetricCheckResult[]> {
    const vars = {
      namespace: namespaceOf(canary, canary.fqdn, vs.namespace),
      target: workloadRegex(canary.workloads.map(w => w.name)),
      interval: this.options.config.window,
      service: canary.fqdn,
      version: canary.labels.version ?? '',
    };
    return Promise.all(specs.map(spec => this.check(spec, vars, at)));
  }

  private async check(
    spec: AnalysisCheckSpec,
    vars: Record<string, string>,
    at: Date,
  ): Promise<MetricCheckResult> {
    let query: string;
    try {
      query = renderQueryTemplate(spec.query, vars);
    } catch (error) {
      return {
        ...evaluateCheck(spec, spec.query, null),
        message: `Check ${spec.name} cannot be run: ${
          (error as Error).message
        }.`,
      };
    }
    let samples: PromSample[];
    try {
      samples = await this.options.cache.get(`query\n${query}`, () =>
        this.options.prometheus.query(query, at),
      );
    } catch (error) {
      return {
        ...evaluateCheck(spec, query, null),
        message: `Check ${spec.name} could not be evaluated: ${
          (error as Error).message
        }.`,
      };
    }
    if (samples.length > 1) {
      return {
        ...evaluateCheck(spec, query, null),
        message: `The query of check ${spec.name} returned ${samples.length} series where one value is needed; aggregate it, e.g. with sum().`,
      };
    }
    const value = samples[0]?.value;
    return evaluateCheck(
      spec,
      query,
      value === undefined || Number.isNaN(value) ? null : value,
    );
  }

  // Canary against stable, per step of the window: error rate and p99
  // latency (both worse when higher).
  private async comparisons(
    vs: VirtualServiceView,
    selectors: ObservedSelectors,
    versions: { canary: VersionView; stable: VersionView },
    settings: AnalysisSettings,
    end: Date,
  ): Promise<VersionComparison[]> {
    const selectorOf = (version: VersionView): Selector | undefined => {
      const measured = selectors.measured.find(
        m => m.versionKey === version.key,
      );
      return (
        measured && {
          service: measured.service,
          workloads: measured.workloads,
          namespace: namespaceOf(version, measured.service, vs.namespace),
        }
      );
    };
    const canary = selectorOf(versions.canary);
    const stable = selectorOf(versions.stable);
    const received = (key: string) =>
      (vs.observed?.versions.find(v => v.versionKey === key)
        ?.requestsPerSecond ?? 0) > 0;
    return Promise.all(
      COMPARED_METRICS.map(
        async ({ metric, higherIsWorse, minDifference, template }) => {
          const compare = (a: number[], b: number[]) =>
            compareVersions({
              metric,
              higherIsWorse,
              canary: a,
              stable: b,
              tolerance: settings.tolerance,
              minDifference,
            });
          if (!canary || !stable) {
            const which = !canary ? versions.canary : versions.stable;
            return {
              ...compare([], []),
              message: `Version ${which.label} cannot be measured apart from the others, so ${metric} is not compared.`,
            };
          }
          let samples: [number[], number[]];
          try {
            samples = await Promise.all([
              this.steps(template, canary, end),
              this.steps(template, stable, end),
            ]);
          } catch (error) {
            return {
              ...compare([], []),
              message: `${metric} could not be compared: ${
                (error as Error).message
              }.`,
            };
          }
          const comparison = compare(...samples);
          if (
            samples[0].length === 0 &&
            samples[1].length === 0 &&
            received(versions.canary.key) &&
            received(versions.stable.key)
          ) {
            // Traffic, yet no step has a rate: each step holds fewer than two
            // scrapes.
            return {
              ...comparison,
              message: `No ${metric} samples per step although both versions receive requests; istioRollouts.metrics.analysis.step (${this.options.config.analysis.step}) must be at least twice Prometheus' scrape interval.`,
            };
          }
          return comparison;
        },
      ),
    );
  }

  private async steps(
    template: string,
    selector: Selector,
    end: Date,
  ): Promise<number[]> {
    const { windowSeconds, analysis } = this.options.config;
    const query = renderQueryTemplate(template, {
      namespace: selector.namespace,
      target: workloadRegex(selector.workloads),
      service: selector.service,
      step: analysis.step,
    });
    const series = await this.options.cache.get(`range\n${query}`, () =>
      this.options.prometheus.queryRange(query, {
        // The first sample's step starts where the window does.
        start: new Date(
          end.getTime() - (windowSeconds - analysis.stepSeconds) * 1000,
        ),
        end,
        stepSeconds: analysis.stepSeconds,
      }),
    );
    // No requests in a step (NaN) is no sample; neither is a p99 beyond
    // the last bucket (+Inf), which has no magnitude to compare.
    return series.flatMap(s => s.values).filter(v => Number.isFinite(v));
  }
}

// The namespace of a version's workloads (destination_workload_namespace):
// its workloads' own, else its Service's, whose pods they must be.
export function namespaceOf(
  version: VersionView | undefined,
  service: string,
  fallback: string,
): string {
  return (
    version?.workloads[0]?.namespace ??
    parseServiceFqdn(service)?.namespace ??
    fallback
  );
}
