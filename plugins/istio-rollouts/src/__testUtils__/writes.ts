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

import type {
  ApprovalPolicy,
  PromotionRequest,
  RouteActionResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// What the write endpoints answer: route actions and promotion requests on
// the routes that views.ts builds.

/**
 * A successful (or dry-run) action on route `primary` of demo/reviews that
 * leaves it at `weights`.
 */
export function routeActionResult(
  weights: number[],
  dryRun = false,
): RouteActionResult {
  const destinations = weights.map((weight, i) => ({
    host: 'reviews',
    subset: `v${i + 1}`,
    weight,
  }));
  return {
    dryRun,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      {
        op: 'replace',
        path: '/spec/http/0/route/0/weight',
        value: weights[0],
      },
    ],
    before: { index: 0, name: 'primary', destinations },
    after: { index: 0, name: 'primary', destinations },
    resultingRoute: {},
    resourceVersionBefore: '42',
    resourceVersionAfter: dryRun ? undefined : '43',
    warnings: [],
  };
}

/** An action on rule 0 of the HTTPRoute demo/inventory that leaves it at `weights`. */
export function httpRouteActionResult(
  weights: number[],
  dryRun = false,
): RouteActionResult {
  const destinations = weights.map((weight, i) => ({
    host: `inventory-v${i + 1}`,
    port: 8080,
    weight,
  }));
  return {
    dryRun,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      {
        op: 'replace',
        path: '/spec/rules/0/backendRefs/0/weight',
        value: weights[0],
      },
    ],
    before: { index: 0, destinations },
    after: { index: 0, destinations },
    resultingRoute: {},
    resourceVersionBefore: '7',
    resourceVersionAfter: dryRun ? undefined : '8',
    warnings: [],
  };
}

/** The approval policy of the demo: owners apply, four-eyes on, one day to decide. */
export const APPROVAL_POLICY: ApprovalPolicy = {
  fourEyes: true,
  ownersApplyDirectly: true,
  requestTtlSeconds: 86_400,
};

/** A pending request by bob to promote v2 of reviews from 10% to 25%. */
export function promotionRequest(
  overrides: Partial<PromotionRequest> = {},
): PromotionRequest {
  return {
    id: 'req-1',
    entityRef: 'component:default/reviews',
    target: {
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'reviews',
      route: 'primary',
    },
    change: { type: 'promote-next', steps: [10, 25, 50, 100] },
    reason: 'error rate flat for an hour',
    status: 'pending',
    requestedBy: 'user:default/bob',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 23 * 3_600_000).toISOString(),
    before: routeActionResult([90, 10]).after,
    plannedAfter: routeActionResult([75, 25]).after,
    resourceVersion: '42',
    ...overrides,
  };
}
