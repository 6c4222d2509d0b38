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

import { CanaryAnalysisView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { requestAuditRecord, withAnalysis } from './requestAuditRecords';
import { promotionRequest } from '../__testUtils__/promotionRequests';

const request = promotionRequest();

describe('requestAuditRecord', () => {
  it("is about the request's route, by its requester, with who approved", () => {
    expect(requestAuditRecord(request, 'user:default/alice')).toEqual({
      actor: 'user:default/bob',
      approver: 'user:default/alice',
      entityRef: 'component:default/web',
      action: 'promote-next',
      cluster: 'prod',
      namespace: 'shop',
      virtualService: 'web',
      route: 'primary',
      weightsBefore: request.before,
      resourceVersionBefore: '100',
      reason: 'p99 flat',
      requestId: 'r1',
    });
  });
});

describe('withAnalysis', () => {
  const row = requestAuditRecord(request);

  it('adds the verdict the decider saw to the reason, and the whole analysis to the event', () => {
    const analysis = {
      verdict: 'fail',
      reasons: ['5xx up', 'p99 up'],
    } as CanaryAnalysisView;
    expect(withAnalysis(row, analysis, 'approved')).toEqual({
      row: {
        ...row,
        reason:
          'p99 flat [canary analysis when approved: fail: 5xx up; p99 up]',
      },
      meta: { analysis },
    });
    expect(
      withAnalysis(
        { ...row, reason: undefined },
        { verdict: 'pass', reasons: [] } as unknown as CanaryAnalysisView,
        'approved',
      ).row.reason,
    ).toBe('[canary analysis when approved: pass]');
  });

  it('leaves the row alone without an analysis', () => {
    expect(withAnalysis(row, undefined, 'approved')).toEqual({ row });
  });
});
