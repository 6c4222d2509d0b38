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

import { formatShare } from '@istio-rollouts/plugin-istio-rollouts-common';
import type {
  RouteView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { ConfirmRequest } from './ConfirmActionDialog';
import {
  CanaryInfo,
  RouteOperation,
  destinationRef,
  labelOf,
  routeNoun,
} from './routeModel';

// What each one-click action says in its confirmation, and what it sends.
// The sentences name the versions, so the user confirms an outcome rather
// than an operation name, and the route as its kind calls it (an
// HTTPRoute's routes are rules).

/** A confirmation and the operation it guards. */
export interface PendingConfirm {
  request: ConfirmRequest;
  operation: RouteOperation;
}

/** `route` for a VirtualService, `rule` for an HTTPRoute (see routeNoun). */
type Noun = ReturnType<typeof routeNoun>;

type Label = (d: {
  versionKey?: string;
  host: string;
  subset?: string;
}) => string;

const labeller =
  (versions: VersionView[]): Label =>
  d =>
    labelOf(versions, d);

export function promoteNext(
  versions: VersionView[],
  canary: CanaryInfo,
  steps: number[],
  noun: Noun = 'route',
): PendingConfirm {
  const label = labeller(versions);
  return {
    request: {
      title: `Promote ${label(canary.canary)} to ${canary.next}%`,
      description: `${label(canary.canary)} will get ${
        canary.next
      }% of this ${noun}'s traffic (now ${formatShare(
        canary.current,
      )}%); ${label(canary.stable)} keeps ${100 - canary.next}%.`,
      confirmLabel: `Promote to ${canary.next}%`,
    },
    operation: {
      type: 'promote-next',
      steps,
      stable: destinationRef(canary.stable),
    },
  };
}

export function promoteFull(
  versions: VersionView[],
  canary: CanaryInfo,
  noun: Noun = 'route',
): PendingConfirm {
  const label = labeller(versions);
  return {
    request: {
      title: `Promote ${label(canary.canary)} fully`,
      description: `All of this ${noun}'s traffic will go to ${label(
        canary.canary,
      )}; ${label(canary.stable)} keeps running with none.`,
      confirmLabel: 'Promote fully',
    },
    operation: { type: 'promote-full', stable: destinationRef(canary.stable) },
  };
}

export function flip(
  versions: VersionView[],
  route: RouteView,
  noun: Noun = 'route',
): PendingConfirm {
  const label = labeller(versions);
  const [from, to] = [...route.destinations].sort(
    (a, b) => b.weight - a.weight,
  );
  return {
    request: {
      title: 'Flip blue-green',
      description: `All of this ${noun}'s traffic will move from ${label(
        from,
      )} to ${label(to)}; ${label(from)} stays as a hot standby.`,
      confirmLabel: 'Flip',
    },
    operation: { type: 'flip' },
  };
}

export function rollback(
  versions: VersionView[],
  stable: { versionKey?: string; host: string; subset?: string },
  noun: Noun = 'route',
): PendingConfirm {
  return {
    request: {
      title: 'Roll back',
      description: `All of this ${noun}'s traffic will go back to ${labelOf(
        versions,
        stable,
      )}, and the targeted ${noun}s and mirror this plugin added to it will be removed.`,
      confirmLabel: 'Roll back',
    },
    operation: { type: 'rollback', stable: destinationRef(stable) },
  };
}

/**
 * The last step: one version has all the traffic; the idle ones leave the
 * route and, when the user may scale, their Deployments go to 0.
 */
export function finish(
  versions: VersionView[],
  route: RouteView,
  scaleDown: boolean,
  noun: Noun = 'route',
): PendingConfirm {
  const idle = route.destinations.filter(d => d.weight === 0);
  const serving = route.destinations.find(d => d.weight === 100);
  const names = idle.map(d => labelOf(versions, d)).join(', ');
  return {
    request: {
      title: 'Finish the rollout',
      description: `${names} will be removed from this ${noun} (${
        serving ? labelOf(versions, serving) : 'the serving version'
      } keeps all traffic)${
        scaleDown
          ? ` and ${names} will be scaled to 0 pods, unless another route still sends it traffic or an autoscaler or controller sets its replicas (then it keeps running, and the result says why)`
          : ''
      }. Rolling back afterwards means starting a new canary.`,
      confirmLabel: 'Finish',
    },
    operation: { type: 'finish', scaleDownOld: scaleDown },
  };
}
