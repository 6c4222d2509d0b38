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
  analysisSummary,
  comparisonOutcome,
  joinReasons,
} from './analysisText';
import { comparison } from '../../__testUtils__/metrics';

describe('analysisSummary', () => {
  const failing = {
    verdict: 'fail' as const,
    reasons: [
      'request-success-rate is 80, below the minimum of 99.',
      'request-duration is 612, above the maximum of 500.',
    ],
  };

  it('gives the verdict and the reasons, worst first', () => {
    expect(analysisSummary(failing)).toBe(
      'Canary analysis: fail — request-success-rate is 80, below the minimum of 99. request-duration is 612, above the maximum of 500.',
    );
  });

  it('gives only the first reasons when limited', () => {
    expect(analysisSummary(failing, { limit: 1 })).toBe(
      'Canary analysis: fail — request-success-rate is 80, below the minimum of 99.',
    );
  });

  it('says the verdict alone when there is no reason, and takes a prefix', () => {
    expect(analysisSummary({ verdict: 'pass', reasons: [] })).toBe(
      'Canary analysis: pass',
    );
    expect(
      analysisSummary(
        { verdict: 'no-data', reasons: ['3 requests to the canary'] },
        { prefix: 'Canary analysis at the decision' },
      ),
    ).toBe(
      'Canary analysis at the decision: no data — 3 requests to the canary',
    );
  });
});

describe('joinReasons', () => {
  it('runs sentences together and separates phrases with semicolons', () => {
    expect(joinReasons(['One.', 'Two?', 'Three.'])).toBe('One. Two? Three.');
    expect(joinReasons(['success rate 80% < 99%', 'p99 612 ms'])).toBe(
      'success rate 80% < 99%; p99 612 ms',
    );
    expect(joinReasons([])).toBe('');
  });
});

describe('comparisonOutcome', () => {
  it('fails a canary significantly worse in the metric’s bad direction', () => {
    expect(comparisonOutcome(comparison({ outcome: 'high' }))).toEqual({
      status: 'fail',
      text: 'canary higher',
    });
    expect(
      comparisonOutcome(comparison({ outcome: 'low', higherIsWorse: false })),
    ).toEqual({ status: 'fail', text: 'canary lower' });
  });

  it('passes a canary significantly better', () => {
    expect(comparisonOutcome(comparison({ outcome: 'low' }))).toEqual({
      status: 'pass',
      text: 'canary lower',
    });
    expect(
      comparisonOutcome(comparison({ outcome: 'high', higherIsWorse: false })),
    ).toEqual({ status: 'pass', text: 'canary higher' });
  });

  it('passes no difference and says when there was too little data', () => {
    expect(comparisonOutcome(comparison({ outcome: 'pass' }))).toEqual({
      status: 'pass',
      text: 'no significant difference',
    });
    expect(comparisonOutcome(comparison({ outcome: 'no-data' }))).toEqual({
      status: 'no-data',
      text: 'no data',
    });
  });
});
