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
  PromotionRequest,
  describeSplit,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// What promotion requests say to people: the notifications' words and the
// messages stored on requests. Pure, so the wording is tested on its own.

/** The title and text of a notification about a request. */
export interface RequestNotice {
  title: string;
  description: string;
}

const ARGO_VERBS: Record<string, string> = {
  'promote-full': 'fully promote',
  retry: 'retry',
  resume: 'resume',
};

/**
 * What the request asks for, as the end of "… asks to" (a route's split
 * from → to, or a controller's action with what its next step makes of
 * the route it drives).
 */
export function describeRequest(request: PromotionRequest): string {
  const { target, change } = request;
  if (change.type === 'controller-action') {
    const { controller, action } = change;
    const object = `${controller.kind} ${controller.namespace}/${controller.name}`;
    let what = `roll back ${object}`;
    if (action.type === 'flagger-open-gate') {
      what = `open gate ${action.gate} of ${object}`;
    } else if (action.type === 'argo') {
      what =
        action.action === 'promote'
          ? `promote ${object} one step`
          : `${ARGO_VERBS[action.action] ?? action.action} ${object}`;
    }
    return `${what} on ${controller.cluster} (${target.namespace}/${
      target.virtualService
    } route ${target.route}: ${describeSplit(
      request.before,
    )} now, ${describeSplit(request.plannedAfter)} after its next step)`;
  }
  return `move ${target.kind ?? 'VirtualService'} ${target.namespace}/${
    target.virtualService
  } route ${target.route} on ${target.cluster} from ${describeSplit(
    request.before,
  )} to ${describeSplit(request.plannedAfter)}`;
}

/**
 * What the entity's owners read when a request is made. `entityName` as
 * the requester wrote it (the stored ref is lower-cased).
 */
export function requestedNotice(
  request: PromotionRequest,
  entityName: string,
): RequestNotice {
  return {
    title:
      request.change.type === 'controller-action'
        ? `Release step requested for ${entityName}`
        : `Traffic change requested for ${entityName}`,
    description: `${request.requestedBy} asks to ${describeRequest(
      request,
    )}. Reason: ${request.reason}`,
  };
}

/**
 * What the requester reads when their request is decided; undefined for
 * their own cancel, which they need not be told about.
 */
export function decisionNotice(
  request: PromotionRequest,
): RequestNotice | undefined {
  if (request.status === 'cancelled') return undefined;
  const by = request.decidedBy ? ` by ${request.decidedBy}` : '';
  const what: Record<string, string> = {
    applied: `was approved${by} and applied`,
    rejected: `was rejected${by}${
      request.decisionReason ? `: ${request.decisionReason}` : ''
    }`,
    stale: `was approved${by} but not applied: ${
      request.change.type === 'controller-action'
        ? 'the release moved on'
        : 'the route changed'
    } since the request`,
    failed: `was approved${by} but could not be applied: ${
      request.message ?? 'unknown error'
    }`,
    expired: 'expired without a decision',
  };
  return {
    title: `Your ${
      request.change.type === 'controller-action'
        ? 'release step'
        : 'traffic change'
    } request ${
      request.status === 'applied' ? 'was applied' : `is ${request.status}`
    }`,
    description: `Your request to ${describeRequest(request)} ${
      what[request.status] ?? request.status
    }.`,
  };
}

/** The message of a request whose write ended without an answer. */
export function unknownOutcomeMessage(auditRecordId?: string): string {
  return `The cluster did not confirm the change: it is not known yet whether it was applied. The plugin checks when the cluster answers again, and the History/audit record${
    auditRecordId ? ` ${auditRecordId}` : ''
  } will say; check the route before requesting again.`;
}
