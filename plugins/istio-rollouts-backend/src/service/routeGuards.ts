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
  DestinationRef,
  RollbackOperation,
  RolloutWarning,
  RouteOperation,
  RouteRefusalReason,
  VersionView,
  VirtualServiceView,
  sameVersion,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { RouteConflictError, UnprocessableError } from '../errors';
import { RouteKind } from '../traffic/TrafficRouter';

// Checks made before a route's traffic is moved, on the state the view
// shows (scaleGuards.ts has those made before a Deployment is scaled): who
// may move it at all, where a rollback may send it, and which versions may
// receive it. The ownership of the route and of its destinations is
// checked by EntityAccess, on the object read fresh.

/**
 * 422 `version-unready`: the change would send traffic to a version without
 * ready pods. The one refusal a caller may override (`allowUnready` with a
 * reason), so it carries its code: the error middleware serializes the
 * error's own fields into the body, where clients read it.
 */
export class VersionUnreadyError extends UnprocessableError {
  readonly reason: RouteRefusalReason = 'version-unready';
}

/**
 * A route whose weights a controller drives (Argo Rollouts, Flagger) is
 * changed through the controller: a write here would be undone by it, or
 * fight with it. 409, like any conflict with the cluster's state.
 */
export function assertNotControllerManaged(
  vs: VirtualServiceView,
  kind: RouteKind,
): void {
  if (!vs.managedBy) return;
  const controller =
    vs.managedBy.controller === 'argo-rollouts' ? 'Argo Rollouts' : 'Flagger';
  throw new RouteConflictError(
    `${kind} ${vs.namespace}/${vs.name} is driven by ${controller} (${vs.managedBy.namespace}/${vs.managedBy.name}); change the rollout through ${controller}, not here`,
  );
}

/**
 * Rollback (its own permission, for on-call people without deploy rights)
 * only ever returns traffic to the stable version: a `stable` naming
 * another version would be a promotion.
 */
export function rollbackToStable(
  operation: RollbackOperation,
  stable: DestinationRef | undefined,
  namespace: string,
): RouteOperation {
  const name = (d: DestinationRef) =>
    `${d.host}${d.subset ? ` subset ${d.subset}` : ''}`;
  if (!stable) return operation; // no destinations: the planner refuses
  if (operation.stable && !sameVersion(operation.stable, stable, namespace)) {
    throw new UnprocessableError(
      `Rollback only returns traffic to the route's stable version ${name(
        stable,
      )}, not to ${name(
        operation.stable,
      )}; to move traffic to another version, promote it (or ask for a promotion)`,
    );
  }
  return { ...operation, stable };
}

/**
 * No traffic (or mirrored traffic) to a version without ready pods, unless
 * the caller overrides it with a reason: the warnings that record each
 * override, or VersionUnreadyError. `gaining` are the versions of the route
 * as the change leaves it (so a version no route uses yet is checked too).
 */
export function unreadyOverrides(
  gaining: VersionView[],
  allowUnready: { reason: string } | undefined,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = [];
  for (const version of gaining) {
    if (version.ready > 0) continue;
    const name = `${version.label} (${version.host}${
      version.subset ? ` subset ${version.subset}` : ''
    })`;
    if (!allowUnready?.reason?.trim()) {
      throw new VersionUnreadyError(
        version.workloads.length
          ? `Version ${name} has no ready pods (0 of ${version.desired}); sending it traffic would fail requests. To do it anyway, send allowUnready with a reason.`
          : `No Deployment or Rollout runs version ${name} (no workload's pods carry its labels); sending it traffic would fail requests. To do it anyway, send allowUnready with a reason.`,
      );
    }
    warnings.push({
      code: 'unready-override',
      severity: 'warning',
      message: `Traffic sent to ${name} although it has no ready pods; reason given: ${allowUnready.reason.trim()}`,
    });
  }
  return warnings;
}
