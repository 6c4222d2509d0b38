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
  DEFAULT_ANALYSIS_CHECKS,
  parsePromQLDuration,
  renderQueryTemplate,
  templatePlaceholders,
  workloadRegex,
} from './templates';

const VARS = {
  namespace: 'shop',
  target: workloadRegex(['reviews-v2']),
  interval: '1m',
  service: 'reviews.shop.svc.cluster.local',
  version: 'v2',
};

describe('DEFAULT_ANALYSIS_CHECKS', () => {
  it("are Flagger's two built-ins with Flagger's thresholds", () => {
    expect(DEFAULT_ANALYSIS_CHECKS.map(c => [c.name, c.min, c.max])).toEqual([
      ['request-success-rate', 99, undefined],
      ['request-duration', undefined, 500],
    ]);
  });

  it('render to PromQL over the target workloads, server side', () => {
    const [successRate, duration] = DEFAULT_ANALYSIS_CHECKS.map(c =>
      renderQueryTemplate(c.query, VARS),
    );
    const selector =
      'reporter="destination", destination_workload_namespace="shop", destination_workload=~"reviews-v2"';
    expect(successRate).toBe(
      `100 * (sum(rate(istio_requests_total{${selector}, response_code!~"5.*"}[1m])) or vector(0))` +
        ` / sum(rate(istio_requests_total{${selector}}[1m]))`,
    );
    expect(duration).toBe(
      `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${selector}}[1m])))`,
    );
  });

  it('use only variables the analysis provides', () => {
    for (const check of DEFAULT_ANALYSIS_CHECKS) {
      expect(templatePlaceholders(check.query)).toEqual({
        names: ['namespace', 'target', 'interval'],
        problems: [],
      });
    }
  });
});

describe('renderQueryTemplate', () => {
  it('fills placeholders with or without spaces inside the braces', () => {
    expect(
      renderQueryTemplate('a{{namespace}}b{{ namespace }}c{{  version}}', VARS),
    ).toBe('ashopbshopcv2');
  });

  it('escapes values for a PromQL double-quoted string', () => {
    expect(renderQueryTemplate('x{l="{{ v }}"}', { v: 'a"b\\c\nd' })).toBe(
      'x{l="a\\"b\\\\c\\nd"}',
    );
  });

  it('keeps an escaped workload regex valid inside the string', () => {
    // The regex reviews\.v2 is written "reviews\\.v2" in PromQL.
    expect(
      renderQueryTemplate('{w=~"{{ target }}"}', {
        target: workloadRegex(['reviews.v2']),
      }),
    ).toBe('{w=~"reviews\\\\.v2"}');
  });

  it('throws naming an unknown placeholder', () => {
    expect(() => renderQueryTemplate('x{{ canary }}', VARS)).toThrow(
      "Query template uses the unknown placeholder '{{ canary }}'; known: namespace, target, interval, service, version",
    );
    // Not fooled by names every object has.
    expect(() => renderQueryTemplate('{{ constructor }}', {})).toThrow(
      "unknown placeholder '{{ constructor }}'; known: none",
    );
  });

  it('throws on malformed or unclosed placeholders', () => {
    expect(() => renderQueryTemplate('{{ a-b }}', { 'a-b': 'x' })).toThrow(
      "Query template is malformed: '{{ a-b }}' is not a placeholder name",
    );
    expect(() => renderQueryTemplate('{{}}', {})).toThrow(
      "'{{}}' is not a placeholder name",
    );
    expect(() => renderQueryTemplate('rate(x[{{ interval ]', VARS)).toThrow(
      "a '{{' is never closed with '}}'",
    );
  });

  it('refuses an interval that is not a PromQL duration', () => {
    expect(() =>
      renderQueryTemplate('x[{{ interval }}]', { interval: '1m]) or up[1m' }),
    ).toThrow("The interval '1m]) or up[1m' is not a PromQL duration");
    expect(() => renderQueryTemplate('x', { interval: '' })).toThrow(
      'not a PromQL duration',
    );
  });

  it('leaves a template without placeholders as it is', () => {
    expect(renderQueryTemplate('sum(up)', {})).toBe('sum(up)');
    expect(renderQueryTemplate('', {})).toBe('');
  });

  it('does not expand placeholders that appear in values', () => {
    expect(renderQueryTemplate('{{ a }}', { a: '{{ b }}', b: 'x' })).toBe(
      '{{ b }}',
    );
  });
});

describe('workloadRegex', () => {
  it('joins names with | and escapes regex metacharacters', () => {
    expect(workloadRegex(['reviews-v1', 'reviews-v2'])).toBe(
      'reviews-v1|reviews-v2',
    );
    expect(workloadRegex(['a.b', 'c+d', 'e|f', '(g)', '[h]', 'i\\j'])).toBe(
      'a\\.b|c\\+d|e\\|f|\\(g\\)|\\[h\\]|i\\\\j',
    );
  });

  it('matches exactly the names, anchored as Prometheus anchors it', () => {
    const names = ['reviews.v1', 'reviews-v2'];
    const anchored = new RegExp(`^(?:${workloadRegex(names)})$`);
    expect(names.every(n => anchored.test(n))).toBe(true);
    expect(anchored.test('reviewsXv1')).toBe(false);
    expect(anchored.test('reviews-v2-canary')).toBe(false);
  });

  it('drops repeats; no names give the empty regex', () => {
    expect(workloadRegex(['a', 'a', 'b'])).toBe('a|b');
    expect(workloadRegex([])).toBe('');
  });
});

describe('parsePromQLDuration', () => {
  it('reads durations in seconds', () => {
    expect(parsePromQLDuration('1m')).toBe(60);
    expect(parsePromQLDuration('30s')).toBe(30);
    expect(parsePromQLDuration('1h30m')).toBe(5400);
    expect(parsePromQLDuration('500ms')).toBe(0.5);
    expect(parsePromQLDuration('2d')).toBe(172800);
  });

  it('is undefined for anything else', () => {
    for (const bad of ['', '1', 'm', '1 m', '-1m', '1.5m', '0s', '1m]']) {
      expect(parsePromQLDuration(bad)).toBeUndefined();
    }
  });
});
