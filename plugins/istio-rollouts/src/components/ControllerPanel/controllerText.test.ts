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
import {
  actionLabel,
  changeLabel,
  describeTarget,
  recordActionLabel,
} from '../AuditParts';

const record = (
  action: string,
  workload?: string,
): Pick<AuditRecord, 'action' | 'workload'> => ({ action, workload });

describe('controller actions in words', () => {
  it('describes controller-action requests naming the object', () => {
    const rollout = {
      cluster: 'local',
      namespace: 'demo',
      kind: 'Rollout' as const,
      name: 'storefront',
    };
    const canary = { ...rollout, kind: 'Canary' as const, name: 'podinfo' };
    expect(
      changeLabel({
        type: 'controller-action',
        controller: rollout,
        action: { type: 'argo', action: 'promote' },
      }),
    ).toBe('Promote Rollout storefront one step');
    expect(
      changeLabel({
        type: 'controller-action',
        controller: rollout,
        action: { type: 'argo', action: 'promote-full' },
      }),
    ).toBe('Promote Rollout storefront fully');
    expect(
      changeLabel({
        type: 'controller-action',
        controller: canary,
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
      }),
    ).toBe('Open Flagger gate confirm-promotion for podinfo');
    // Route changes read as before.
    expect(changeLabel({ type: 'promote-next' })).toBe('Promote to next step');
  });

  it('labels audit actions of controllers, with the object when recorded', () => {
    expect(actionLabel('argo-abort')).toBe('Abort Rollout');
    expect(actionLabel('flagger-rollback')).toBe('Roll back Flagger canary');
    expect(actionLabel('flagger-open-gate')).toBe('Open Flagger gate');
    expect(
      recordActionLabel(record('argo-promote', 'Rollout/storefront')),
    ).toBe('Promote Rollout storefront one step');
    expect(
      recordActionLabel(
        record('flagger-open-gate:confirm-traffic-increase', 'Canary/podinfo'),
      ),
    ).toBe('Open Flagger gate confirm-traffic-increase for podinfo');
    expect(
      recordActionLabel(record('flagger-confirm-promotion', 'Canary/podinfo')),
    ).toBe('Open Flagger gate confirm-promotion for podinfo');
    expect(
      recordActionLabel(record('flagger-open-gate', 'Canary/podinfo')),
    ).toBe('Open Flagger gate for podinfo');
    // Unknown ids keep their id; route actions keep their labels.
    expect(actionLabel('argo-dance')).toBe('argo-dance');
    expect(recordActionLabel(record('scale', 'Deployment/reviews-v2'))).toBe(
      'Scale',
    );
    expect(
      describeTarget({
        cluster: 'local',
        namespace: 'demo',
        workload: 'Rollout/storefront',
      }),
    ).toBe('local · demo · Rollout/storefront');
  });
});
