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

import { JsonObject } from '@backstage/types';
import {
  CanaryAnalysisView,
  PromotionRequest,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { NewAuditRecord } from '../database/AuditStore';
import { routeKindOf } from './AuditTrail';
import { controllerAuditRecord } from './ControllerActionService';

/**
 * The audit row of anything done to a request: about the route, or about
 * the Rollout or Canary for a controller action (like a direct action's
 * row), with the requester as actor and `approver` if one approved it.
 */
export function requestAuditRecord(
  request: PromotionRequest,
  approver?: string,
): Omit<NewAuditRecord, 'outcome'> {
  const { change } = request;
  if (change.type === 'controller-action') {
    return {
      ...controllerAuditRecord({
        actor: request.requestedBy,
        approver,
        entityRef: request.entityRef,
        target: change.controller,
        action: change.action,
        reason: request.reason,
        requestId: request.id,
      }),
      ...(change.at
        ? {
            weightsBefore: change.at,
            resourceVersionBefore: change.at.resourceVersion,
          }
        : {}),
    };
  }
  return {
    actor: request.requestedBy,
    approver,
    entityRef: request.entityRef,
    action: request.change.type,
    cluster: request.target.cluster,
    namespace: request.target.namespace,
    virtualService: request.target.virtualService,
    ...routeKindOf(request.target),
    route: request.target.route,
    weightsBefore: request.before,
    resourceVersionBefore: request.resourceVersion,
    reason: request.reason,
    requestId: request.id,
  };
}

/** The audit row of a decision, and what its auditor event adds. */
export interface DecisionRecord {
  row: Omit<NewAuditRecord, 'outcome'>;
  meta?: JsonObject;
}

/**
 * A decision's row with the canary analysis the decider saw. The row has
 * no column for it: its verdict and reasons go into the reason, in
 * brackets after the requester's (as the unready-pods override does), and
 * the whole analysis into the auditor event.
 */
export function withAnalysis(
  row: Omit<NewAuditRecord, 'outcome'>,
  analysis: CanaryAnalysisView | undefined,
  verb: string,
): DecisionRecord {
  if (!analysis) return { row };
  const reasons = analysis.reasons.length
    ? `: ${analysis.reasons.join('; ')}`
    : '';
  return {
    row: {
      ...row,
      reason: `${row.reason ?? ''} [canary analysis when ${verb}: ${
        analysis.verdict
      }${reasons}]`.trim(),
    },
    meta: { analysis: analysis as unknown as JsonObject },
  };
}
