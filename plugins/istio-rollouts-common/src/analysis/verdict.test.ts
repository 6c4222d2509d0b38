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

import { MetricCheckResult, VersionComparison } from '../metrics';
import { analysisVerdict, evaluateCheck } from './verdict';
import { DEFAULT_ANALYSIS_CHECKS } from './templates';

const [SUCCESS_RATE, DURATION] = DEFAULT_ANALYSIS_CHECKS;

describe('evaluateCheck', () => {
  it('passes a value in range, bounds included', () => {
    expect(evaluateCheck(SUCCESS_RATE, 'q1', 99.5)).toEqual({
      name: 'request-success-rate',
      query: 'q1',
      value: 99.5,
      threshold: { min: 99 },
      outcome: 'pass',
      message: 'request-success-rate is 99.5, at or above the minimum of 99.',
    });
    expect(evaluateCheck(SUCCESS_RATE, 'q', 99).outcome).toBe('pass');
    expect(evaluateCheck(DURATION, 'q', 500).message).toBe(
      'request-duration is 500, at or below the maximum of 500.',
    );
    expect(
      evaluateCheck({ name: 'band', query: 'x', min: 1, max: 2 }, 'x', 1.5)
        .message,
    ).toBe('band is 1.5, between 1 and 2.');
  });

  it('fails a value outside the range', () => {
    expect(evaluateCheck(SUCCESS_RATE, 'q', 97.123456)).toMatchObject({
      value: 97.123456,
      outcome: 'fail',
      message: 'request-success-rate is 97.123, below the minimum of 99.',
    });
    expect(evaluateCheck(DURATION, 'q', 500.01)).toMatchObject({
      outcome: 'fail',
      threshold: { max: 500 },
      message: 'request-duration is 500.01, above the maximum of 500.',
    });
    expect(evaluateCheck(DURATION, 'q', Infinity).message).toBe(
      'request-duration is +Inf, above the maximum of 500.',
    );
  });

  it('is no-data without a value', () => {
    for (const value of [null, NaN]) {
      expect(evaluateCheck(DURATION, 'q', value)).toEqual({
        name: 'request-duration',
        query: 'q',
        value: null,
        threshold: { max: 500 },
        outcome: 'no-data',
        message: 'request-duration: the query returned no value.',
      });
    }
  });

  it('passes anything when the spec has no threshold', () => {
    expect(evaluateCheck({ name: 'free', query: 'x' }, 'x', -5)).toMatchObject({
      threshold: {},
      outcome: 'pass',
      message: 'free is -5, with no threshold to break.',
    });
  });
});

const check = (
  name: string,
  outcome: MetricCheckResult['outcome'],
): MetricCheckResult => ({
  name,
  query: 'q',
  value: outcome === 'no-data' ? null : 1,
  threshold: { min: 0 },
  outcome,
  message: `${name} ${outcome}`,
});

const comparison = (
  metric: string,
  outcome: VersionComparison['outcome'],
  higherIsWorse = true,
): VersionComparison => ({
  metric,
  higherIsWorse,
  canary: { samples: 5, median: 1 },
  stable: { samples: 5, median: 1 },
  pValue: outcome === 'no-data' ? null : 0.01,
  tolerance: 0.1,
  outcome,
  message: `${metric} ${outcome}`,
});

const verdict = (
  checks: MetricCheckResult[],
  comparisons: VersionComparison[] = [],
  canaryRequests = 100,
) => analysisVerdict({ checks, comparisons, canaryRequests, minRequests: 20 });

describe('analysisVerdict', () => {
  it('is no-data while the canary has too few requests', () => {
    expect(verdict([check('a', 'fail')], [], 12.4)).toEqual({
      verdict: 'no-data',
      reasons: [
        'The canary received 12 requests in the window; the analysis needs at least 20.',
      ],
    });
    expect(verdict([], [], 1).reasons[0]).toMatch(/received 1 request in/);
    expect(verdict([], [], NaN).reasons[0]).toMatch(/received 0 requests/);
    expect(verdict([check('a', 'pass')], [], 20).verdict).toBe('pass');
    expect(
      analysisVerdict({
        checks: [check('a', 'pass')],
        comparisons: [],
        canaryRequests: 0,
        minRequests: 0,
      }).verdict,
    ).toBe('pass');
  });

  it('passes when every check passes and nothing compares worse', () => {
    expect(
      verdict(
        [check('a', 'pass'), check('b', 'pass')],
        [comparison('latency', 'pass'), comparison('errors', 'low')],
      ),
    ).toEqual({
      verdict: 'pass',
      reasons: ['errors low', 'a pass', 'b pass', 'latency pass'],
    });
  });

  it('fails when any check fails, listing failures first', () => {
    expect(
      verdict(
        [check('a', 'pass'), check('b', 'fail'), check('c', 'no-data')],
        [comparison('latency', 'pass')],
      ),
    ).toEqual({
      verdict: 'fail',
      reasons: ['b fail', 'c no-data', 'a pass', 'latency pass'],
    });
  });

  it('fails when the canary is worse on every compared metric', () => {
    expect(
      verdict(
        [check('a', 'pass')],
        [
          comparison('latency', 'high'),
          comparison('success', 'low', false),
          comparison('cpu', 'no-data'),
        ],
      ),
    ).toEqual({
      verdict: 'fail',
      reasons: [
        'The canary is worse than stable on every compared metric (latency, success).',
        'latency high',
        'success low',
        'cpu no-data',
        'a pass',
      ],
    });
  });

  it('is marginal when worse on some compared metrics but not all', () => {
    expect(
      verdict(
        [check('a', 'pass')],
        [comparison('latency', 'high'), comparison('errors', 'pass')],
      ),
    ).toEqual({
      verdict: 'marginal',
      reasons: [
        'The canary is worse than stable on 1 of 2 compared metrics.',
        'latency high',
        'a pass',
        'errors pass',
      ],
    });
  });

  it('does not count a move in the good direction as worse', () => {
    expect(
      verdict(
        [check('a', 'pass')],
        [comparison('latency', 'low'), comparison('success', 'high', false)],
      ).verdict,
    ).toBe('pass');
  });

  it('is marginal when a check could not be judged', () => {
    expect(verdict([check('a', 'pass'), check('b', 'no-data')])).toEqual({
      verdict: 'marginal',
      reasons: ['b no-data', 'a pass'],
    });
  });

  it('is no-data when nothing produced a value', () => {
    expect(
      verdict([check('a', 'no-data')], [comparison('latency', 'no-data')]),
    ).toEqual({
      verdict: 'no-data',
      reasons: [
        'No check and no comparison produced a value.',
        'a no-data',
        'latency no-data',
      ],
    });
    expect(verdict([]).verdict).toBe('no-data');
  });

  it('passes on comparisons alone when there are no checks', () => {
    expect(verdict([], [comparison('latency', 'pass')]).verdict).toBe('pass');
  });
});
