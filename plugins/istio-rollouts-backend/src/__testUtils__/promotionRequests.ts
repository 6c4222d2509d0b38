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

import { PromotionRequest } from '@istio-rollouts/plugin-istio-rollouts-common';

/** A split of the test route `web` between v1 and v2. */
export const webSplit = (v1: number, v2: number) => ({
  index: 1,
  name: 'primary',
  destinations: [
    { host: 'web', subset: 'v1', weight: v1 },
    { host: 'web', subset: 'v2', weight: v2 },
  ],
});

/**
 * A whole stored request — bob asks to take `component:default/web`'s
 * primary route on prod from 90/10 to the next step, 75/25 — for the unit
 * tests of the request services; each test overrides what it is about.
 */
export function promotionRequest(
  overrides: Partial<PromotionRequest> = {},
): PromotionRequest {
  return {
    id: 'r1',
    entityRef: 'component:default/web',
    target: {
      cluster: 'prod',
      namespace: 'shop',
      virtualService: 'web',
      route: 'primary',
    },
    change: { type: 'promote-next' },
    reason: 'p99 flat',
    status: 'pending',
    requestedBy: 'user:default/bob',
    createdAt: '2026-01-01T10:00:00.000Z',
    expiresAt: '2026-01-02T10:00:00.000Z',
    before: webSplit(90, 10),
    plannedAfter: webSplit(75, 25),
    resourceVersion: '100',
    ...overrides,
  };
}
