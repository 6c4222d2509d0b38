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

import type { AuditRecord } from '@istio-rollouts/plugin-istio-rollouts-common';

// Audit records shaped as the backend stores them (see the backend's
// router: weights are the route snapshots of the write, or `{ replicas }`),
// telling a canary's story: 90/10 → 75/25 → 50/50, with a refusal and a
// scale in between.

export const T = {
  start: Date.parse('2026-11-26T09:00:00.000Z'),
  first: Date.parse('2026-11-26T10:00:00.000Z'),
  denied: Date.parse('2026-11-26T10:05:00.000Z'),
  scale: Date.parse('2026-11-26T10:06:00.000Z'),
  second: Date.parse('2026-11-26T10:10:00.000Z'),
};

const iso = (t: number) => new Date(t).toISOString();

function snapshot(weights: number[], name = 'primary') {
  return {
    index: 0,
    name,
    destinations: weights.map((weight, i) => ({
      host: 'reviews',
      subset: `v${i + 1}`,
      weight,
    })),
  };
}

const base = {
  entityRef: 'component:default/reviews',
  cluster: 'local',
  namespace: 'demo',
  virtualService: 'reviews',
  route: 'primary',
};

/** Newest first, as the API answers. */
export const CANARY_RECORDS: AuditRecord[] = [
  {
    ...base,
    id: '104',
    createdAt: iso(T.second),
    actor: 'user:default/bob',
    approver: 'user:default/alice',
    requestId: 'req-1',
    action: 'promote-next',
    outcome: 'applied',
    weightsBefore: snapshot([75, 25]),
    weightsAfter: snapshot([50, 50]),
    resourceVersionBefore: '43',
    resourceVersionAfter: '44',
    reason: 'latency unchanged at 25%',
  },
  {
    ...base,
    id: '103',
    createdAt: iso(T.scale),
    actor: 'user:default/alice',
    action: 'scale',
    outcome: 'applied',
    virtualService: undefined,
    route: undefined,
    workload: 'Deployment/reviews-v2',
    weightsBefore: { replicas: 2 },
    weightsAfter: { replicas: 4 },
  },
  {
    ...base,
    id: '102',
    createdAt: iso(T.denied),
    actor: 'user:default/mallory',
    action: 'set-weights',
    outcome: 'denied',
    message: 'You may not move traffic of component:default/reviews',
  },
  {
    ...base,
    id: '101',
    createdAt: iso(T.first),
    actor: 'user:default/alice',
    action: 'promote-next',
    outcome: 'applied',
    weightsBefore: snapshot([90, 10]),
    weightsAfter: snapshot([75, 25]),
    resourceVersionBefore: '42',
    resourceVersionAfter: '43',
  },
];

/** The record before those: the canary started (v1 alone → 90/10). */
export const START_RECORD: AuditRecord = {
  ...base,
  id: '100',
  createdAt: iso(T.start),
  actor: 'user:default/alice',
  action: 'start-canary',
  outcome: 'applied',
  weightsBefore: snapshot([100]),
  weightsAfter: snapshot([90, 10]),
};

/**
 * A plain record (alice's first promotion, 90/10 → 75/25, no approver, no
 * reason) with `overrides`: for lists where only ids and reasons matter.
 */
export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return { ...CANARY_RECORDS[3], ...overrides };
}
