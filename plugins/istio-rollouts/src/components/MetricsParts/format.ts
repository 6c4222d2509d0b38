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

import type { MetricCheckResult } from '@istio-rollouts/plugin-istio-rollouts-common';

// How metric numbers read in the tab: the observed traffic table, the
// canary analysis and the promotion requests all format through these, so
// one number looks the same everywhere. A missing value is always "—".

export const NO_VALUE = '—';

/** Drops trailing zeros of a fixed-point rendering: `12.50` → `12.5`, `3.00` → `3`. */
function trimmed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A percentage (0–100) with at most two decimals: `80%`, `99.95%`. A value
 * that would round to 0 or 100 without being it says so (`<0.01%`,
 * `>99.99%`): a success rate of 99.999% is not a clean 100%.
 */
export function formatPercent(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_VALUE;
  const text = trimmed(value, 2);
  if (value > 0 && text === '0') return '<0.01%';
  if (value < 100 && text === '100') return '>99.99%';
  return `${text}%`;
}

/** Requests per second: `0.25 req/s`, `12.3 req/s`, `1,234 req/s`. */
export function formatRps(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_VALUE;
  if (value === 0) return '0 req/s';
  if (value > 0 && value < 0.01) return '<0.01 req/s';
  if (value >= 100) return `${Math.round(value).toLocaleString('en')} req/s`;
  return `${trimmed(value, value >= 10 ? 1 : 2)} req/s`;
}

/** A latency: `4.75 ms`, `123.4 ms`, `1.25 s` from a second on. */
export function formatMs(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_VALUE;
  if (value >= 1000) return `${trimmed(value / 1000, 2)} s`;
  return `${trimmed(value, value >= 10 ? 1 : 2)} ms`;
}

/** A p-value to three decimals; below that it reads `<0.001`. */
export function formatPValue(value: number | null | undefined): string {
  if (!isNumber(value)) return NO_VALUE;
  if (value < 0.001) return '<0.001';
  return trimmed(value, 3);
}

/** A relative tolerance (`0.1`) as the percentage a person reads: `±10%`. */
export function formatTolerance(value: number): string {
  return isNumber(value) ? `±${trimmed(value * 100, 2)}%` : NO_VALUE;
}

/** A plain number with at most three decimals: `0.125`, `42`. */
export function formatNumber(value: number | null | undefined): string {
  return isNumber(value) ? trimmed(value, 3) : NO_VALUE;
}

/**
 * The unit of a metric, from its name. The built-in checks follow
 * Flagger's conventions (`request-success-rate` in percent,
 * `request-duration` in milliseconds), and the backend compares
 * `error-rate` in percent and `latency-p99` in milliseconds; a custom
 * check whose name says neither is shown as a bare number rather than
 * with a guessed unit.
 */
export function metricUnit(name: string): 'percent' | 'ms' | undefined {
  if (/duration|latency/i.test(name)) return 'ms';
  if (/success-rate|error-rate|percent/i.test(name)) return 'percent';
  return undefined;
}

/** A metric's value in its unit (see `metricUnit`). */
export function formatMetricValue(
  name: string,
  value: number | null | undefined,
): string {
  const unit = metricUnit(name);
  if (unit === 'ms') return formatMs(value);
  if (unit === 'percent') return formatPercent(value);
  return formatNumber(value);
}

/** A check's bounds: `≥ 99%`, `≤ 500 ms`, `≥ 1, ≤ 5`; `—` without any. */
export function formatThreshold(
  name: string,
  threshold: MetricCheckResult['threshold'],
): string {
  const parts: string[] = [];
  if (isNumber(threshold.min)) {
    parts.push(`≥ ${formatMetricValue(name, threshold.min)}`);
  }
  if (isNumber(threshold.max)) {
    parts.push(`≤ ${formatMetricValue(name, threshold.max)}`);
  }
  return parts.length ? parts.join(', ') : NO_VALUE;
}

/**
 * The local time of day of an ISO time, `12:03:04`: metrics are read
 * seconds before they are shown, so the date adds nothing (the tooltip
 * has it).
 */
export function formatClockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map(n => String(n).padStart(2, '0'))
    .join(':');
}

/** The PromQL range as words: `1m` → `last 1m`. */
export function formatWindow(window: string): string {
  return `last ${window}`;
}
