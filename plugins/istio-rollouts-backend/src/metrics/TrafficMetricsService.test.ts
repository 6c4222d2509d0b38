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

import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  AnalysisCheckSpec,
  DEFAULT_ANALYSIS_CHECKS,
  VirtualServiceView,
  buildVirtualServiceViews,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  TestPrometheus,
  WorkloadTraffic,
  freePort,
  startPrometheus,
  startWorkloadMetrics,
} from '../__testUtils__/prometheus';
import { MetricsConfig } from './metricsConfig';
import { PrometheusClient } from './PrometheusClient';
import { TrafficMetricsService } from './TrafficMetricsService';

// Observed traffic and canary analysis end to end: real VirtualService
// views built from cluster objects, Debian's real Prometheus scraping an
// endpoint whose Istio metrics grow at the rates set below, and the
// service asking it. No cluster is needed.

jest.setTimeout(120_000);

const NS = 'shop';
const fqdn = (service: string) => `${service}.${NS}.svc.cluster.local`;

// A Service with subsets v1/v2 (by the `version` label), a Deployment per
// version listed in `running`, and a VirtualService splitting by weight.
function app(
  name: string,
  weights: [number, number],
  running: string[] = ['v1', 'v2'],
) {
  return {
    virtualServices: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace: NS, resourceVersion: '7' },
        spec: {
          hosts: [name],
          http: [
            {
              name: 'primary',
              route: [
                {
                  destination: { host: name, subset: 'v1' },
                  weight: weights[0],
                },
                {
                  destination: { host: name, subset: 'v2' },
                  weight: weights[1],
                },
              ],
            },
          ],
        },
      },
    ],
    destinationRules: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name, namespace: NS },
        spec: {
          host: name,
          subsets: ['v1', 'v2'].map(v => ({ name: v, labels: { version: v } })),
        },
      },
    ],
    services: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: NS },
        spec: { selector: { app: name } },
      },
    ],
    deployments: running.map(version => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-${version}`, namespace: NS, generation: 1 },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name, version } },
        template: {
          metadata: { labels: { app: name, version } },
          spec: { containers: [{ name: 'app', image: `${name}:${version}` }] },
        },
      },
      status: {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
      },
    })),
    rollouts: [],
    canaries: [],
  };
}

function views(): VirtualServiceView[] {
  const parts = [
    app('reviews', [90, 10]),
    app('ratings', [80, 20]),
    // No Deployment runs details v2: it cannot be measured.
    app('details', [90, 10], ['v1']),
  ];
  const merged: any = {};
  for (const part of parts) {
    for (const [kind, list] of Object.entries(part)) {
      merged[kind] = [...(merged[kind] ?? []), ...list];
    }
  }
  return buildVirtualServiceViews(merged);
}

function entity(analysis?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'shop',
      namespace: 'default',
      annotations: analysis ? { 'istio-rollouts/analysis': analysis } : {},
    },
    spec: {},
  };
}

const traffic = (
  workload: string,
  requestsPerSecond: number,
  errorRatio: number,
  latencyMs: number,
): WorkloadTraffic => ({
  namespace: NS,
  workload,
  service: fqdn(workload.replace(/-v\d$/, '')),
  requestsPerSecond,
  errorRatio,
  latencyMs,
});

const config = (overrides: Partial<MetricsConfig> = {}): MetricsConfig => ({
  prometheusUrl: 'unused',
  window: '10s',
  windowSeconds: 10,
  requestTimeoutMs: 5_000,
  cacheForMs: 5_000,
  checks: [...DEFAULT_ANALYSIS_CHECKS],
  analysis: { interval: { seconds: 30 }, step: '2s', stepSeconds: 2 },
  ...overrides,
});

describe('TrafficMetricsService against Prometheus', () => {
  let prometheus: TestPrometheus;
  let workloads: Awaited<ReturnType<typeof startWorkloadMetrics>>;
  let client: PrometheusClient;

  beforeAll(async () => {
    workloads = await startWorkloadMetrics([
      // reviews v2: half its answers are 503s, and slow.
      traffic('reviews-v1', 18, 0, 20),
      traffic('reviews-v2', 6, 0.5, 600),
      // ratings v2 behaves like v1.
      traffic('ratings-v1', 16, 0, 20),
      traffic('ratings-v2', 4, 0, 20),
      traffic('details-v1', 10, 0, 20),
    ]);
    prometheus = await startPrometheus({ targets: [workloads.target] });
    client = new PrometheusClient({
      baseUrl: prometheus.url,
      timeoutMs: 5_000,
    });
    // The 10 s window full of 1 s scrapes.
    await prometheus.waitForScrapes(13);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await workloads?.stop();
  });

  function service(overrides: Partial<MetricsConfig> = {}) {
    return new TrafficMetricsService({
      prometheus: client,
      config: config(overrides),
      logger: mockServices.logger.mock(),
    });
  }

  async function described(
    annotation?: string,
    metrics = service(),
  ): Promise<Record<string, VirtualServiceView>> {
    const list = views();
    await metrics.describe(list, {
      entity: entity(annotation),
      cluster: 'local',
    });
    return Object.fromEntries(list.map(vs => [vs.name, vs]));
  }

  it('fills the traffic each version received', async () => {
    const { reviews, ratings, details } = await described();

    expect(reviews.observed).toMatchObject({
      source: 'prometheus',
      window: '10s',
    });
    expect(reviews.observed?.error).toBeUndefined();
    const [v1, v2] = reviews.observed!.versions;
    expect(v1.versionKey).toBe(reviews.versions[0].key);
    // 18 and 6 requests per second: 75% and 25%.
    expect(v1.requestsPerSecond).toBeGreaterThan(15);
    expect(v1.requestsPerSecond).toBeLessThan(21);
    expect(v1.share).toBeGreaterThan(70);
    expect(v1.share).toBeLessThan(80);
    expect(v2.share).toBeCloseTo(100 - v1.share!, 1);
    expect(v1.successRate).toBe(100);
    expect(v2.successRate).toBeGreaterThan(45);
    expect(v2.successRate).toBeLessThan(55);
    // Every request in Istio's (10, 25] ms bucket: p99 interpolates to
    // 10 + 15 × 0.99; the (500, 1000] bucket to 500 + 500 × 0.99.
    expect(v1.p99Ms).toBeCloseTo(24.85, 0);
    expect(v2.p99Ms).toBeCloseTo(995, 0);

    expect(ratings.observed!.versions.map(v => v.share! > 0)).toEqual([
      true,
      true,
    ]);
    // details v2 runs nowhere: absent from versions, and said why.
    expect(details.observed!.versions.map(v => v.versionKey)).toEqual([
      details.versions[0].key,
    ]);
    expect(details.observed!.versions[0].share).toBe(100);
    expect(details.observed!.unmeasured).toEqual([
      {
        versionKey: details.versions[1].key,
        reason: expect.stringContaining('No Deployment or Rollout runs'),
      },
    ]);
  });

  it('fails a canary that answers errors slowly, and passes a healthy one', async () => {
    const { reviews, ratings } = await described();

    const failing = reviews.analysis!;
    expect(failing).toMatchObject({
      route: 0,
      stableVersionKey: reviews.versions[0].key,
      canaryVersionKey: reviews.versions[1].key,
      verdict: 'fail',
      window: '10s',
      autoRollback: false,
    });
    const check = (name: string) => failing.checks.find(c => c.name === name)!;
    expect(check('request-success-rate').outcome).toBe('fail');
    expect(check('request-success-rate').value).toBeLessThan(60);
    // The template rendered for the canary's workload only.
    expect(check('request-success-rate').query).toContain(
      'destination_workload=~"reviews-v2"',
    );
    expect(check('request-duration')).toMatchObject({ outcome: 'fail' });
    expect(check('request-duration').value).toBeCloseTo(995, 0);
    expect(failing.comparisons.map(c => [c.metric, c.outcome])).toEqual([
      ['error-rate', 'high'],
      ['latency-p99', 'high'],
    ]);
    for (const comparison of failing.comparisons) {
      expect(comparison.canary.samples).toBeGreaterThanOrEqual(3);
      expect(comparison.stable.samples).toBeGreaterThanOrEqual(3);
      expect(comparison.pValue).toBeLessThan(0.05);
    }
    expect(failing.reasons[0]).toMatch(
      /request-success-rate is .*below the minimum of 99/,
    );

    const healthy = ratings.analysis!;
    expect(healthy.verdict).toBe('pass');
    expect(healthy.checks.map(c => c.outcome)).toEqual(['pass', 'pass']);
    expect(healthy.comparisons.map(c => c.outcome)).toEqual(['pass', 'pass']);
  });

  it('has no data on a canary the metrics cannot tell apart', async () => {
    const { details } = await described();
    expect(details.analysis).toMatchObject({
      verdict: 'no-data',
      canaryVersionKey: details.versions[1].key,
    });
    expect(details.analysis!.reasons[0]).toMatch(
      /^Version v2 cannot be measured: No Deployment or Rollout runs/,
    );
    expect(details.analysis!.comparisons.map(c => c.outcome)).toEqual([
      'no-data',
      'no-data',
    ]);
  });

  it("runs the installation's checks at the entity's thresholds", async () => {
    // app-config adds a check with its own query…
    const canaryRps: AnalysisCheckSpec = {
      name: 'canary-rps',
      query:
        'sum(rate(istio_requests_total{destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}", destination_service="{{ service }}"}[{{ interval }}]))',
      min: 100,
    };
    // …the entity relaxes one threshold, and may not bring a query.
    const annotation = JSON.stringify({
      autoRollback: true,
      checks: [
        { name: 'request-success-rate', min: 40 },
        { name: 'anything', query: 'secret_metric', max: 1 },
      ],
    });
    const { reviews } = await described(
      annotation,
      service({ checks: [...DEFAULT_ANALYSIS_CHECKS, canaryRps] }),
    );
    const analysis = reviews.analysis!;
    expect(analysis.autoRollback).toBe(true);
    const byName = Object.fromEntries(analysis.checks.map(c => [c.name, c]));
    expect(Object.keys(byName)).toEqual([
      'request-success-rate',
      'request-duration',
      'canary-rps',
    ]);
    expect(byName['request-success-rate'].outcome).toBe('pass');
    expect(byName['request-success-rate'].threshold).toEqual({ min: 40 });
    expect(byName['canary-rps'].query).toContain(
      `destination_service="${fqdn('reviews')}"`,
    );
    expect(byName['canary-rps'].value).toBeGreaterThan(4);
    expect(byName['canary-rps'].value).toBeLessThan(8);
    expect(byName['canary-rps'].outcome).toBe('fail');
    expect(analysis.verdict).toBe('fail');
    expect(reviews.warnings).toContainEqual(
      expect.objectContaining({
        code: 'analysis-settings',
        message: expect.stringContaining("('anything') brings its own query"),
      }),
    );
  });

  it('turns annotation problems into view warnings', async () => {
    const { reviews } = await described('{"tolerance": "lots"');
    expect(reviews.warnings).toContainEqual(
      expect.objectContaining({
        code: 'analysis-settings',
        message: expect.stringMatching(/^istio-rollouts\/analysis: /),
      }),
    );
    // The defaults still judge the canary.
    expect(reviews.analysis?.verdict).toBe('fail');
  });

  it('asks Prometheus once per namespace, and reuses the answers', async () => {
    const spy = jest.spyOn(client, 'query');
    const range = jest.spyOn(client, 'queryRange');
    try {
      const metrics = service({ cacheForMs: 60_000 });
      await described(undefined, metrics);
      // Three observed queries for the one namespace, two checks for each
      // of the three canaries.
      expect(spy).toHaveBeenCalledTimes(3 + 2 * 3);
      // Two metrics × two versions for the two measurable canaries.
      expect(range).toHaveBeenCalledTimes(2 * 2 * 2);
      await described(undefined, metrics);
      expect(spy).toHaveBeenCalledTimes(9);
      expect(range).toHaveBeenCalledTimes(8);
    } finally {
      spy.mockRestore();
      range.mockRestore();
    }
  });

  it('shows Prometheus down as data, not as an error of the view', async () => {
    const port = await freePort();
    const metrics = new TrafficMetricsService({
      prometheus: new PrometheusClient({
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 2_000,
      }),
      config: config(),
      logger: mockServices.logger.mock(),
    });
    const { reviews } = await described(undefined, metrics);
    expect(reviews.observed).toMatchObject({
      versions: [],
      error: `The metrics could not be read: Prometheus at http://127.0.0.1:${port} cannot be reached: ECONNREFUSED`,
    });
    expect(reviews.analysis).toMatchObject({
      verdict: 'no-data',
      reasons: [reviews.observed!.error],
      checks: [],
      comparisons: [],
    });
    // The rest of the view is as built.
    expect(reviews.routes[0].destinations.map(d => d.weight)).toEqual([90, 10]);
  });

  it('leaves the views of a cluster this Prometheus does not see alone', async () => {
    const metrics = service({ clusters: ['other'] });
    const list = views();
    await metrics.describe(list, { entity: entity(), cluster: 'local' });
    expect(list.map(vs => vs.observed ?? vs.analysis)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
