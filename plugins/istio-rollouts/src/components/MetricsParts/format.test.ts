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
  NO_VALUE,
  formatClockTime,
  formatMetricValue,
  formatMs,
  formatNumber,
  formatPValue,
  formatPercent,
  formatRps,
  formatThreshold,
  formatTolerance,
  formatWindow,
  metricUnit,
} from './format';

describe('formatPercent', () => {
  it('writes at most two decimals, without trailing zeros', () => {
    expect(formatPercent(80)).toBe('80%');
    expect(formatPercent(10.3)).toBe('10.3%');
    expect(formatPercent(99.95)).toBe('99.95%');
    expect(formatPercent(33.3333)).toBe('33.33%');
    expect(formatPercent(12.5)).toBe('12.5%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(100)).toBe('100%');
  });

  it('does not round a near-perfect success rate to 100%, nor a trickle to 0%', () => {
    expect(formatPercent(99.999)).toBe('>99.99%');
    expect(formatPercent(0.001)).toBe('<0.01%');
  });

  it('shows a missing value as a dash', () => {
    expect(formatPercent(null)).toBe(NO_VALUE);
    expect(formatPercent(undefined)).toBe(NO_VALUE);
    expect(formatPercent(NaN)).toBe(NO_VALUE);
  });
});

describe('formatRps', () => {
  it('keeps precision where it matters and groups large rates', () => {
    expect(formatRps(0)).toBe('0 req/s');
    expect(formatRps(0.004)).toBe('<0.01 req/s');
    expect(formatRps(0.25)).toBe('0.25 req/s');
    expect(formatRps(2.06)).toBe('2.06 req/s');
    expect(formatRps(17.94)).toBe('17.9 req/s');
    expect(formatRps(1234.4)).toBe('1,234 req/s');
    expect(formatRps(null)).toBe(NO_VALUE);
  });
});

describe('formatMs', () => {
  it('writes milliseconds, and seconds from one second on', () => {
    expect(formatMs(4.754)).toBe('4.75 ms');
    expect(formatMs(24.5)).toBe('24.5 ms');
    expect(formatMs(612)).toBe('612 ms');
    expect(formatMs(999.94)).toBe('999.9 ms');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(null)).toBe(NO_VALUE);
    expect(formatMs(Infinity)).toBe(NO_VALUE);
  });
});

describe('formatPValue', () => {
  it('writes three decimals, and tiny p-values as a bound', () => {
    expect(formatPValue(0.0423)).toBe('0.042');
    expect(formatPValue(0.5)).toBe('0.5');
    expect(formatPValue(1)).toBe('1');
    expect(formatPValue(0.001)).toBe('0.001');
    expect(formatPValue(0.0004)).toBe('<0.001');
    expect(formatPValue(0)).toBe('<0.001');
    expect(formatPValue(null)).toBe(NO_VALUE);
  });
});

describe('formatTolerance and formatNumber', () => {
  it('reads a relative tolerance as a percentage', () => {
    expect(formatTolerance(0.1)).toBe('±10%');
    expect(formatTolerance(0.025)).toBe('±2.5%');
    expect(formatTolerance(0)).toBe('±0%');
  });

  it('writes a bare number with at most three decimals', () => {
    expect(formatNumber(0.12345)).toBe('0.123');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(null)).toBe(NO_VALUE);
  });
});

describe('metric values and thresholds', () => {
  it('takes the unit from the metric name', () => {
    expect(metricUnit('request-success-rate')).toBe('percent');
    expect(metricUnit('request-duration')).toBe('ms');
    expect(metricUnit('latency-p99')).toBe('ms');
    expect(metricUnit('error-rate')).toBe('percent');
    expect(metricUnit('custom-queue-depth')).toBeUndefined();
  });

  it('formats a value in its unit, and a unitless one bare', () => {
    expect(formatMetricValue('request-success-rate', 80)).toBe('80%');
    expect(formatMetricValue('request-duration', 612)).toBe('612 ms');
    expect(formatMetricValue('custom-queue-depth', 3.5)).toBe('3.5');
    expect(formatMetricValue('request-duration', null)).toBe(NO_VALUE);
  });

  it('writes thresholds as bounds', () => {
    expect(formatThreshold('request-success-rate', { min: 99 })).toBe('≥ 99%');
    expect(formatThreshold('request-duration', { max: 500 })).toBe('≤ 500 ms');
    expect(formatThreshold('custom', { min: 1, max: 5 })).toBe('≥ 1, ≤ 5');
    expect(formatThreshold('custom', {})).toBe(NO_VALUE);
  });
});

describe('times and windows', () => {
  it('gives the local time of day, zero-padded', () => {
    const iso = new Date(2026, 10, 26, 9, 3, 4).toISOString();
    expect(formatClockTime(iso)).toBe('09:03:04');
    expect(formatClockTime('not a time')).toBe('not a time');
  });

  it('names the window', () => {
    expect(formatWindow('1m')).toBe('last 1m');
  });
});
