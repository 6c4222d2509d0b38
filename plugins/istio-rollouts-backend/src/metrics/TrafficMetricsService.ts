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

import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  ANALYSIS_ANNOTATION,
  AnalysisSettings,
  CanaryAnalysisView,
  DestinationRef,
  ObservedSelectors,
  ObservedTrafficView,
  PromSample,
  RouteView,
  VirtualServiceView,
  analysisVerdict,
  findCanaryRoute,
  observedSelectors,
  observedTrafficFrom,
  observedTrafficQueries,
  parseAnalysisSettings,
  settingsForRoute,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { CanaryAnalyzer, namespaceOf } from './CanaryAnalyzer';
import { MetricsConfig } from './metricsConfig';
import { PrometheusQueries } from './PrometheusClient';
import { TtlCache } from './TtlCache';

/** Where the views being described come from. */
export interface ViewMetricsContext {
  entity: Entity;
  cluster: string;
  /**
   * The stable version recorded when the plugin began a canary on the
   * route (as rollback finds it), so analysis and rollback agree on which
   * version is the stable.
   */
  recordedStable?: (
    vs: VirtualServiceView,
    route: RouteView,
  ) => Promise<DestinationRef | undefined>;
}

type ObservedSamples = {
  requests: PromSample[];
  successes: PromSample[];
  latencyP99: PromSample[];
};

/**
 * Fills `observed` (the traffic each version really received) and
 * `analysis` (the canary of a split route judged against its stable) of a
 * cluster's VirtualServiceViews from Prometheus. Pure functions of the
 * common package decide; this class only asks Prometheus and keeps its
 * answers for `cacheFor`. Failures are data: Prometheus down is
 * `observed.error` and an analysis of `no-data`, never an error of the view.
 */
export class TrafficMetricsService {
  private readonly now: () => Date;
  private readonly cache: TtlCache;
  private readonly analyzer: CanaryAnalyzer;

  constructor(
    private readonly options: {
      prometheus: PrometheusQueries;
      config: MetricsConfig;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {
    this.now = options.now ?? (() => new Date());
    this.cache = new TtlCache({
      ttlMs: options.config.cacheForMs,
      now: this.now,
    });
    this.analyzer = new CanaryAnalyzer({
      prometheus: options.prometheus,
      config: options.config,
      cache: this.cache,
    });
  }

  /** Whether the configured Prometheus sees this cluster's mesh. */
  covers(cluster: string): boolean {
    const { clusters } = this.options.config;
    return !clusters || clusters.includes(cluster);
  }

  /**
   * Fills `observed` and `analysis` of the views, and adds the entity's
   * analysis settings problems to their warnings. Never throws.
   */
  async describe(
    views: VirtualServiceView[],
    context: ViewMetricsContext,
  ): Promise<void> {
    if (!this.covers(context.cluster) || views.length === 0) return;
    const { settings, errors } = parseAnalysisSettings(
      context.entity.metadata.annotations?.[ANALYSIS_ANNOTATION],
      { checks: this.options.config.checks },
    );
    let selectors: Map<VirtualServiceView, ObservedSelectors>;
    let samples: Awaited<ReturnType<typeof this.observedSamples>>;
    try {
      selectors = new Map(views.map(vs => [vs, observedSelectors(vs)]));
      samples = await this.observedSamples(views, selectors);
    } catch (error) {
      // A bug here must cost the views their metrics, not the view.
      this.options.logger.error(
        `metrics of cluster ${context.cluster}'s views: ${error}`,
      );
      return;
    }
    await Promise.all(
      views.map(async vs => {
        for (const error of errors) {
          vs.warnings.push({
            code: 'analysis-settings',
            severity: 'warning',
            // Each sentence names the annotation already.
            message: error,
          });
        }
        try {
          const selected = selectors.get(vs)!;
          vs.observed = await this.observedOf(vs, selected, samples);
          if (settings.enabled) {
            vs.analysis = await this.analysisOf(
              vs,
              selected,
              settings,
              context,
            );
          }
        } catch (error) {
          // A bug here must cost one VirtualService its metrics, not the view.
          this.options.logger.error(
            `metrics of VirtualService ${vs.namespace}/${vs.name} on ${context.cluster}: ${error}`,
          );
        }
      }),
    );
  }

  // One set of three queries per namespace of the measured workloads, over
  // every VirtualService of the view: the answers are split per version by
  // their (destination_service, destination_workload) labels.
  private async observedSamples(
    views: VirtualServiceView[],
    selectors: Map<VirtualServiceView, ObservedSelectors>,
  ): Promise<Map<string, Promise<ObservedSamples & { at: string }>>> {
    const services = new Map<string, Set<string>>();
    for (const vs of views) {
      for (const measured of selectors.get(vs)!.measured) {
        const namespace = namespaceOf(
          vs.versions.find(v => v.key === measured.versionKey),
          measured.service,
          vs.namespace,
        );
        if (!services.has(namespace)) services.set(namespace, new Set());
        services.get(namespace)!.add(measured.service);
      }
    }
    const { window } = this.options.config;
    const answers = new Map<
      string,
      Promise<ObservedSamples & { at: string }>
    >();
    for (const [namespace, names] of services) {
      const sorted = [...names].sort();
      const queries = observedTrafficQueries(namespace, sorted, window);
      const answer = this.cache.get(
        `observed\n${queries.requests}\n${queries.successes}\n${queries.latencyP99}`,
        async () => {
          const at = this.now();
          const [requests, successes, latencyP99] = await Promise.all([
            this.options.prometheus.query(queries.requests, at),
            this.options.prometheus.query(queries.successes, at),
            this.options.prometheus.query(queries.latencyP99, at),
          ]);
          return { requests, successes, latencyP99, at: at.toISOString() };
        },
      );
      // Awaited per view below; a rejection here must not go unhandled.
      answer.catch(() => undefined);
      answers.set(namespace, answer);
    }
    return answers;
  }

  private async observedOf(
    vs: VirtualServiceView,
    selectors: ObservedSelectors,
    answers: Map<string, Promise<ObservedSamples & { at: string }>>,
  ): Promise<ObservedTrafficView> {
    const { window } = this.options.config;
    const namespaces = new Set(
      selectors.measured.map(m =>
        namespaceOf(
          vs.versions.find(v => v.key === m.versionKey),
          m.service,
          vs.namespace,
        ),
      ),
    );
    const merged: ObservedSamples = {
      requests: [],
      successes: [],
      latencyP99: [],
    };
    let at = this.now().toISOString();
    try {
      for (const namespace of namespaces) {
        const answer = await answers.get(namespace)!;
        merged.requests.push(...answer.requests);
        merged.successes.push(...answer.successes);
        merged.latencyP99.push(...answer.latencyP99);
        at = answer.at;
      }
    } catch (error) {
      return {
        source: 'prometheus',
        window,
        at,
        versions: [],
        ...(selectors.unmeasured.length && {
          unmeasured: selectors.unmeasured,
        }),
        error: `The metrics could not be read: ${(error as Error).message}`,
      };
    }
    return observedTrafficFrom(vs, selectors, merged, at, window);
  }

  private async analysisOf(
    vs: VirtualServiceView,
    selectors: ObservedSelectors,
    settings: AnalysisSettings,
    context: ViewMetricsContext,
  ): Promise<CanaryAnalysisView | undefined> {
    let found = findCanaryRoute(vs);
    if (!found) return undefined;
    if (context.recordedStable) {
      try {
        const recorded = await context.recordedStable(vs, found.route);
        if (recorded) found = findCanaryRoute(vs, recorded) ?? found;
      } catch (error) {
        // Without the record, the first-listed destination is the stable,
        // as for rollback; the analysis is still worth showing.
        this.options.logger.warn(
          `stable version of ${vs.namespace}/${vs.name} route ${found.route.index} not read from the audit trail: ${error}`,
        );
      }
    }
    const { route, canary, stable } = found;
    const routeSettings = settingsForRoute(settings, route.name);
    const { window, windowSeconds } = this.options.config;
    const evaluatedAt = this.now();
    const base = {
      route: route.index,
      canaryVersionKey: canary.key,
      stableVersionKey: stable.key,
      window,
      evaluatedAt: evaluatedAt.toISOString(),
      autoRollback: routeSettings.autoRollback,
    };
    if (vs.observed?.error) {
      return {
        ...base,
        verdict: 'no-data',
        reasons: [vs.observed.error],
        checks: [],
        comparisons: [],
      };
    }
    const { checks, comparisons } = await this.analyzer.measure({
      vs,
      selectors,
      canary,
      stable,
      settings: routeSettings,
      at: evaluatedAt,
    });
    const canaryTraffic = vs.observed?.versions.find(
      v => v.versionKey === canary.key,
    );
    const verdict = analysisVerdict({
      checks,
      comparisons,
      canaryRequests: Math.round(
        (canaryTraffic?.requestsPerSecond ?? 0) * windowSeconds,
      ),
      minRequests: routeSettings.minRequests,
    });
    // A version the metrics cannot tell apart is why there is no data;
    // "0 requests" alone would mislead.
    const unmeasured = selectors.unmeasured
      .filter(u => u.versionKey === canary.key || u.versionKey === stable.key)
      .map(
        u =>
          `Version ${labelOf(vs, u.versionKey)} cannot be measured: ${
            u.reason
          }`,
      );
    return {
      ...base,
      verdict: verdict.verdict,
      reasons: [...unmeasured, ...verdict.reasons],
      checks,
      comparisons,
    };
  }
}

function labelOf(vs: VirtualServiceView, versionKey: string): string {
  return vs.versions.find(v => v.key === versionKey)?.label ?? versionKey;
}
