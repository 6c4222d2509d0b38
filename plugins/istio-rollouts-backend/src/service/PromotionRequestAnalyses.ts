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
import {
  CanaryAnalysisView,
  CreatedPromotionRequest,
  PromotionRequest,
  RouteTarget,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * The canary analysis of a request's route, fresh; undefined without
 * metrics or without a canary on that route. See routeAnalysisReader.
 */
export type RouteAnalysisReader = (
  entityRef: string,
  target: RouteTarget,
) => Promise<CanaryAnalysisView | undefined>;

/**
 * The canary analysis behind requests: pending requests carry it when
 * listed, a new one warns when it fails, approvals and rejections record
 * it. Always computed as it is now, never stored; and never in the way: a
 * decision does not wait on Prometheus being up.
 */
export class PromotionRequestAnalyses {
  constructor(
    private readonly options: {
      /** Without it, no request has an analysis. */
      reader?: RouteAnalysisReader;
      logger: LoggerService;
    },
  ) {}

  /** The analysis of the request's route, or undefined; never fails. */
  async of(
    request: Pick<PromotionRequest, 'entityRef' | 'target'>,
  ): Promise<CanaryAnalysisView | undefined> {
    const { reader, logger } = this.options;
    if (!reader) return undefined;
    try {
      return await reader(request.entityRef, request.target);
    } catch (error) {
      logger.warn(
        `canary analysis of ${request.entityRef} ${request.target.cluster}/${request.target.namespace}/${request.target.virtualService} route ${request.target.route} not available: ${error}`,
      );
      return undefined;
    }
  }

  /** The requests, the pending ones with the analysis of their route. */
  async ofPending(items: PromotionRequest[]): Promise<PromotionRequest[]> {
    // One analysis per route, however many requests wait on it.
    const analyses = new Map<string, Promise<CanaryAnalysisView | undefined>>();
    return Promise.all(
      items.map(async request => {
        if (request.status !== 'pending') return request;
        const key = JSON.stringify([request.entityRef, request.target]);
        if (!analyses.has(key)) {
          analyses.set(key, this.of(request));
        }
        const analysis = await analyses.get(key);
        return analysis ? { ...request, analysis } : request;
      }),
    );
  }
}

/**
 * A new request as its requester gets it back: with its route's analysis,
 * and a warning when that fails (the request is made all the same; its
 * approver decides, seeing the analysis).
 */
export function createdWithAnalysis(
  created: PromotionRequest,
  analysis: CanaryAnalysisView | undefined,
): CreatedPromotionRequest {
  if (!analysis) return created;
  return {
    ...created,
    analysis,
    ...(analysis.verdict === 'fail' && {
      warnings: [
        {
          code: 'canary-analysis-fail',
          severity: 'warning',
          message: `The canary analysis of this route fails (${
            analysis.reasons.join('; ') || 'no reason given'
          }); the request was made, and its approver sees the analysis.`,
        },
      ],
    }),
  };
}
