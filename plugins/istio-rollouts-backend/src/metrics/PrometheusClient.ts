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

import type { PromSample } from '@istio-rollouts/plugin-istio-rollouts-common';

/** One series of a range query: its labels and its values, oldest first. */
export interface PromSeries {
  labels: Record<string, string>;
  /** `NaN` where Prometheus answered NaN (e.g. 0/0); the caller decides. */
  values: number[];
}

/** What the plugin asks of Prometheus (a PrometheusClient, or a test's). */
export interface PrometheusQueries {
  query(query: string, time?: Date): Promise<PromSample[]>;
  queryRange(
    query: string,
    range: { start: Date; end: Date; stepSeconds: number },
  ): Promise<PromSeries[]>;
}

/**
 * Why a call to Prometheus failed: `unreachable` (no connection),
 * `timeout`, `http` (an answer that is not Prometheus' API, e.g. a proxy's
 * 502), `query` (Prometheus refused or could not evaluate the query), or
 * `malformed` (an answer the client does not understand).
 */
export type PrometheusErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'http'
  | 'query'
  | 'malformed';

/** A failed call to Prometheus; the message names the server without credentials. */
export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly kind: PrometheusErrorKind,
    /** Prometheus' own errorType (`bad_data`, `timeout`, `execution`, …). */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/**
 * A small typed client of Prometheus' HTTP API (`/api/v1/query`,
 * `/api/v1/query_range`). Queries are POSTed form-encoded, as Grafana
 * does, so long PromQL does not meet URL length limits. Basic-auth
 * credentials in the URL (`https://user:pass@host`) are sent as a header
 * and never appear in errors.
 */
export class PrometheusClient implements PrometheusQueries {
  private readonly apiBase: string;
  /** Where errors say the call went: the URL without credentials. */
  readonly displayUrl: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: {
    baseUrl: string;
    timeoutMs: number;
    fetch?: typeof fetch;
  }) {
    const url = new URL(options.baseUrl);
    if (url.username || url.password) {
      this.authorization = `Basic ${Buffer.from(
        `${decodeURIComponent(url.username)}:${decodeURIComponent(
          url.password,
        )}`,
      ).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const base = url.toString().replace(/\/+$/, '');
    this.displayUrl = base;
    this.apiBase = `${base}/api/v1`;
    this.timeoutMs = options.timeoutMs;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * An instant query. A vector gives one sample per series; a scalar one
   * sample without labels.
   */
  async query(query: string, time?: Date): Promise<PromSample[]> {
    const data = await this.call('query', {
      query,
      ...(time && { time: seconds(time) }),
    });
    if (data.resultType === 'scalar') {
      return [{ labels: {}, value: parseValue(data.result, query) }];
    }
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw this.malformed(query, `a ${data.resultType} instead of a vector`);
    }
    return data.result.map((item: any) => ({
      labels: labelsOf(item?.metric),
      value: parseValue(item?.value, query),
    }));
  }

  /** A range query from `start` to `end` (inclusive) every `stepSeconds`. */
  async queryRange(
    query: string,
    range: { start: Date; end: Date; stepSeconds: number },
  ): Promise<PromSeries[]> {
    const data = await this.call('query_range', {
      query,
      start: seconds(range.start),
      end: seconds(range.end),
      step: String(range.stepSeconds),
    });
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw this.malformed(query, `a ${data.resultType} instead of a matrix`);
    }
    return data.result.map((item: any) => ({
      labels: labelsOf(item?.metric),
      values: (Array.isArray(item?.values) ? item.values : []).map(
        (pair: unknown) => parseValue(pair, query),
      ),
    }));
  }

  private async call(
    endpoint: 'query' | 'query_range',
    params: Record<string, string>,
  ): Promise<{ resultType: string; result: any }> {
    const where = `Prometheus at ${this.displayUrl}`;
    const body = new URLSearchParams({
      ...params,
      // Prometheus stops evaluating when we stop waiting.
      timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`,
    });
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.apiBase}/${endpoint}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          ...(this.authorization && { Authorization: this.authorization }),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PrometheusError(
          `${where} did not answer within ${this.timeoutMs} ms`,
          'timeout',
        );
      }
      throw new PrometheusError(
        `${where} cannot be reached: ${causeOf(error)}`,
        'unreachable',
      );
    }
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError(
        `${where} answered HTTP ${response.status} ${
          response.statusText
        } without Prometheus' JSON${
          response.ok ? '' : ' (is the URL the base of Prometheus?)'
        }`,
        response.ok ? 'malformed' : 'http',
      );
    }
    if (json?.status === 'error') {
      throw new PrometheusError(
        `${where} refused the query (${json.errorType ?? 'error'}): ${
          json.error ?? 'no message'
        }`,
        'query',
        json.errorType,
      );
    }
    if (!response.ok || json?.status !== 'success' || !json.data) {
      throw new PrometheusError(
        `${where} answered HTTP ${response.status} without a result`,
        response.ok ? 'malformed' : 'http',
      );
    }
    return json.data;
  }

  private malformed(query: string, what: string) {
    return new PrometheusError(
      `Prometheus at ${this.displayUrl} answered ${what} for ${query}`,
      'malformed',
    );
  }
}

// Prometheus takes times as Unix seconds, fractions allowed.
function seconds(time: Date): string {
  return (time.getTime() / 1000).toFixed(3);
}

function labelsOf(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (metric && typeof metric === 'object') {
    for (const [key, value] of Object.entries(metric)) {
      if (typeof value === 'string') labels[key] = value;
    }
  }
  return labels;
}

// A sample is `[<unix seconds>, "<value>"]`; the value is a string so that
// NaN and ±Inf survive JSON.
function parseValue(pair: unknown, query: string): number {
  const raw = Array.isArray(pair) ? pair[1] : undefined;
  if (typeof raw !== 'string') {
    throw new PrometheusError(
      `Prometheus answered a sample without a value for ${query}`,
      'malformed',
    );
  }
  if (raw === 'NaN') return NaN;
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  const value = Number(raw);
  if (Number.isNaN(value)) {
    throw new PrometheusError(
      `Prometheus answered '${raw}', not a number, for ${query}`,
      'malformed',
    );
  }
  return value;
}

// fetch's TypeError says only "fetch failed"; the socket error is its cause.
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    ?.cause;
  return cause?.code ?? cause?.message ?? String((error as Error)?.message);
}
