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

import { ConfigReader } from '@backstage/config';
import { DEFAULT_ANALYSIS_CHECKS } from '@istio-rollouts/plugin-istio-rollouts-common';
import { readMetricsConfig } from './metricsConfig';

const read = (metrics?: unknown) =>
  readMetricsConfig(
    new ConfigReader(
      metrics === undefined ? {} : { istioRollouts: { metrics } },
    ),
  );

describe('readMetricsConfig', () => {
  it('is absent without istioRollouts.metrics', () => {
    expect(read()).toBeUndefined();
  });

  it('fills the defaults', () => {
    expect(
      read({ prometheusUrl: 'http://prometheus.istio-system:9090' }),
    ).toEqual({
      prometheusUrl: 'http://prometheus.istio-system:9090',
      window: '1m',
      windowSeconds: 60,
      requestTimeoutMs: 5_000,
      cacheForMs: 5_000,
      clusters: undefined,
      checks: DEFAULT_ANALYSIS_CHECKS,
      analysis: { interval: { seconds: 30 }, step: '10s', stepSeconds: 10 },
    });
  });

  it('reads every key, durations in any of Backstage’s forms', () => {
    expect(
      read({
        prometheusUrl: ' https://user:pw@prom.example.com/prometheus ',
        window: '1h30m',
        requestTimeout: { seconds: 2 },
        cacheFor: 'PT0S',
        clusters: ['prod'],
        checks: [
          { name: 'request-duration', enabled: false },
          { name: 'request-success-rate', min: 99.9 },
          { name: 'cpu', query: 'max(cpu{pod=~"{{ target }}-.*"})', max: 0.8 },
        ],
        analysis: { interval: '2m', step: '500ms' },
      }),
    ).toEqual({
      prometheusUrl: 'https://user:pw@prom.example.com/prometheus',
      window: '1h30m',
      windowSeconds: 5_400,
      requestTimeoutMs: 2_000,
      cacheForMs: 0,
      clusters: ['prod'],
      checks: [
        { ...DEFAULT_ANALYSIS_CHECKS[0], min: 99.9 },
        { name: 'cpu', query: 'max(cpu{pod=~"{{ target }}-.*"})', max: 0.8 },
      ],
      analysis: { interval: { minutes: 2 }, step: '500ms', stepSeconds: 0.5 },
    });
  });

  it.each([
    [
      {},
      /Missing required config value at 'istioRollouts.metrics.prometheusUrl'/,
    ],
    [
      { prometheusUrl: 'prometheus:9090' },
      /prometheusUrl must be an http:\/\/ or https:\/\/ URL of Prometheus, not prometheus:/,
    ],
    [
      { prometheusUrl: 'not a url' },
      /prometheusUrl must be an http:\/\/ or https:\/\/ URL/,
    ],
    [{ prometheusUrl: 'ftp://prom' }, /not ftp:/],
    [
      { prometheusUrl: 'http://prom/api/v1/query?x=1' },
      /must not have a query or fragment/,
    ],
    [
      { prometheusUrl: 'http://prom', window: '1 minute' },
      /window must be a positive PromQL duration such as 30s, 1m or 1h30m, not '1 minute'/,
    ],
    [
      { prometheusUrl: 'http://prom', window: '0s' },
      /window must be a positive PromQL duration/,
    ],
    [
      { prometheusUrl: 'http://prom', window: '1m', analysis: { step: '30' } },
      /analysis.step must be a positive PromQL duration/,
    ],
    [
      { prometheusUrl: 'http://prom', window: '1m', analysis: { step: '30s' } },
      /analysis.step \(30s\) must be at most a third of istioRollouts.metrics.window \(1m\)/,
    ],
    [
      { prometheusUrl: 'http://prom', requestTimeout: { seconds: 0 } },
      /requestTimeout must be a positive duration/,
    ],
    [
      { prometheusUrl: 'http://prom', cacheFor: 'soon' },
      /Invalid duration 'soon'/,
    ],
    [
      { prometheusUrl: 'http://prom', analysis: { interval: { hours: 0 } } },
      /analysis.interval must be a positive duration/,
    ],
  ])('refuses %j at startup', (metrics, message) => {
    expect(() => read(metrics)).toThrow(message);
  });
});
