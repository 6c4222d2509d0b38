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
import {
  CanaryAnalysisView,
  PromotionRequest,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  PromotionRequestAnalyses,
  createdWithAnalysis,
} from './PromotionRequestAnalyses';
import { promotionRequest } from '../__testUtils__/promotionRequests';

const requestOf = (
  id: string,
  status: PromotionRequest['status'],
  route = 'primary',
) => {
  const request = promotionRequest({ id, status });
  return { ...request, target: { ...request.target, route } };
};

const analysisOf = (
  verdict: CanaryAnalysisView['verdict'],
  reasons: string[] = [],
) => ({ verdict, reasons } as CanaryAnalysisView);

describe('PromotionRequestAnalyses', () => {
  it('gives pending requests the analysis of their route, read once per route', async () => {
    const reader = jest.fn(
      async (_ref: string, t: { route: string | number }) =>
        analysisOf(t.route === 'primary' ? 'pass' : 'fail'),
    );
    const analyses = new PromotionRequestAnalyses({
      reader,
      logger: mockServices.logger.mock(),
    });

    const items = await analyses.ofPending([
      requestOf('a', 'pending'),
      requestOf('b', 'pending'),
      requestOf('c', 'pending', 'canary'),
      requestOf('d', 'applied'),
    ]);

    expect(items.map(r => [r.id, r.analysis?.verdict])).toEqual([
      ['a', 'pass'],
      ['b', 'pass'],
      ['c', 'fail'],
      ['d', undefined],
    ]);
    expect(reader).toHaveBeenCalledTimes(2);
  });

  it('has no analysis, rather than failing, when the reader fails or is absent', async () => {
    const logger = mockServices.logger.mock();
    const failing = new PromotionRequestAnalyses({
      reader: async () => {
        throw new Error('prometheus down');
      },
      logger,
    });
    expect(await failing.of(requestOf('a', 'pending'))).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      'canary analysis of component:default/web prod/shop/web route primary not available: Error: prometheus down',
    );

    const without = new PromotionRequestAnalyses({ logger });
    const [item] = await without.ofPending([requestOf('a', 'pending')]);
    expect(item).not.toHaveProperty('analysis');
  });
});

describe('createdWithAnalysis', () => {
  const created = requestOf('a', 'pending');

  it('warns the requester when the analysis fails', () => {
    expect(
      createdWithAnalysis(created, analysisOf('fail', ['5xx up', 'p99 up'])),
    ).toMatchObject({
      analysis: { verdict: 'fail' },
      warnings: [
        {
          code: 'canary-analysis-fail',
          severity: 'warning',
          message:
            'The canary analysis of this route fails (5xx up; p99 up); the request was made, and its approver sees the analysis.',
        },
      ],
    });
    expect(
      createdWithAnalysis(created, analysisOf('fail')).warnings?.[0].message,
    ).toContain('(no reason given)');
  });

  it('only adds the analysis otherwise', () => {
    expect(createdWithAnalysis(created, analysisOf('pass'))).toEqual({
      ...created,
      analysis: analysisOf('pass'),
    });
    expect(createdWithAnalysis(created, undefined)).toBe(created);
  });
});
