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

import { DEFAULT_CANARY_STEPS } from '../annotations';
import { JsonRecord } from '../kube/guards';
import {
  identifyStable,
  locateCanary,
  nextStep,
  validateCanarySteps,
} from './canaryPlan';
import {
  destinationLabel,
  readDestinationRef,
  refersTo,
  refuse,
} from './destinations';
import { readShares, RouteModel } from './routeModel';
import { formatShare } from './shares';
import {
  DestinationRef,
  RouteChangeRefusal,
  SnapshotDestination,
} from './types';
import { validateWeights } from './validateWeights';

// The weight operations as arithmetic: from the route's current weights to
// the weights wanted, by destination position. No patch is built here.

/** @internal */
export interface WeightChange {
  ok: true;
  /** Wanted weight of each existing destination, by position. */
  weights: number[];
  /** A destination to append (start-canary). */
  added?: { ref: DestinationRef; weight: number };
  /** Position of the stable destination, when the operation decided it. */
  stable?: number;
}

// The destinations with their current shares (not the raw weights, see
// shares.ts) as weights; without shares (a rollback naming its stable does
// not read them), the weights Istio applies.
function current(
  route: RouteModel,
  shares?: readonly number[],
): SnapshotDestination[] {
  return route.destinations.map((d, i) => {
    const {
      position,
      rawDestination,
      hasWeight,
      rawWeight,
      effective,
      ...ref
    } = d;
    return { ...ref, weight: shares ? shares[i] : effective ?? 0 };
  });
}

function readStable(
  op: JsonRecord,
): { ok: true; stable?: DestinationRef } | RouteChangeRefusal {
  if (op.stable === undefined || op.stable === null) {
    return { ok: true };
  }
  const read = readDestinationRef(op.stable, 'stable');
  return read.ok ? { ok: true, stable: read.ref } : read;
}

function startCanary(
  op: JsonRecord,
  route: RouteModel,
  namespace: string,
): WeightChange | RouteChangeRefusal {
  const read = readDestinationRef(op.canary, 'canary');
  if (!read.ok) return read;
  const steps = validateCanarySteps(op.steps ?? DEFAULT_CANARY_STEPS);
  if (!steps.ok) return refuse(400, steps.message);
  const [only, ...others] = route.destinations;
  const label = (ref: DestinationRef) => destinationLabel(ref, namespace);
  if (others.length > 0) {
    return refuse(
      409,
      `${route.where} already splits traffic between ${route.destinations
        .map(label)
        .join(' and ')}; use promote-next or set-weights`,
    );
  }
  if (refersTo(read.ref, only, namespace)) {
    return refuse(
      409,
      `${label(read.ref)} already serves ${
        route.where
      }; a canary must be another version`,
    );
  }
  const first = steps.steps[0];
  return {
    ok: true,
    weights: [100 - first],
    added: { ref: read.ref, weight: first },
    stable: 0,
  };
}

function flip(
  route: RouteModel,
  namespace: string,
): WeightChange | RouteChangeRefusal {
  // Flip reads shares: 1/0 is a blue-green route at 100/0 and becomes 0/100
  // (written out in full, so the result adds up to 100); 3/1 is a 75/25
  // canary, not something to flip. Weights adding up to 0 are refused (422).
  const read = readShares(route, namespace);
  if (!read.ok) return read;
  const weights = read.shares;
  const split = route.destinations
    .map(
      (d, i) =>
        `${destinationLabel(d, namespace)} ${formatShare(weights[i])}%${
          read.proportional ? ` (weight ${d.effective})` : ''
        }`,
    )
    .join(', ');
  if (weights.length !== 2 || !weights.includes(100) || !weights.includes(0)) {
    return refuse(
      409,
      `flip needs exactly two destinations, one at 100% and the other at 0%; ${route.where} has ${split} (use promote-full, rollback or set-weights)`,
    );
  }
  return { ok: true, weights: [weights[1], weights[0]] };
}

/**
 * The weights a weight operation wants, or why it cannot be done.
 *
 * @internal
 */
export function planWeights(
  op: JsonRecord,
  route: RouteModel,
  namespace: string,
): WeightChange | RouteChangeRefusal {
  const where = route.where;
  switch (op.type) {
    case 'set-weights': {
      const checked = validateWeights({
        weights: op.weights,
        destinations: route.destinations,
        namespace,
        where,
      });
      return checked.ok ? { ok: true, weights: checked.weights } : checked;
    }
    case 'start-canary':
      return startCanary(op, route, namespace);
    case 'flip':
      return flip(route, namespace);
    default:
      break;
  }
  const stable = readStable(op);
  if (!stable.ok) return stable;
  // An explicit stable makes a rollback independent of the current weights,
  // which may be what is broken (not numbers, or adding up to 0): it is
  // the way out of such a route, so it is not refused. Everything else
  // decides from the shares: promote-next steps from the canary's share
  // (5/5 is a canary at 50%, whose next step is 100, never 10), and the
  // stable is told by shares too (same order as the raw weights, but the
  // messages then quote what Istio really sends). Several weights adding
  // up to 0 are refused with 422: there is no current step or stable to
  // read, and guessing could move all traffic to the wrong version.
  let shares: number[] | undefined;
  if (op.type !== 'rollback' || !stable.stable) {
    const read = readShares(route, namespace);
    if (!read.ok) return read;
    shares = read.shares;
  }
  const destinations = current(route, shares);
  if (op.type === 'rollback') {
    const roles = identifyStable({
      destinations,
      stable: stable.stable,
      namespace,
      where,
    });
    if (!roles.ok) return roles;
    // Written as 100 and 0 even when the stable already has every share
    // (1/0), so the route ends up adding up to 100.
    return {
      ok: true,
      weights: destinations.map((_d, i) => (i === roles.stable ? 100 : 0)),
      stable: roles.stable,
    };
  }
  const roles = locateCanary({
    destinations,
    steps: op.type === 'promote-next' ? op.steps : undefined,
    stable: stable.stable,
    namespace,
    where,
  });
  if (!roles.ok) return roles;
  // The canary's share, not its raw weight: nextStep gives a step strictly
  // above it, so promote-next never lowers what the canary really gets.
  const canaryWeight = destinations[roles.canary].weight;
  let target = 100;
  if (op.type === 'promote-next') {
    if (canaryWeight >= 100) {
      return refuse(
        409,
        `canary ${destinationLabel(
          destinations[roles.canary],
          namespace,
        )} already gets all traffic of ${where}; there is no next step`,
      );
    }
    target = nextStep(canaryWeight, roles.steps);
  }
  const weights: number[] = [];
  weights[roles.canary] = target;
  weights[roles.stable] = 100 - target;
  return { ok: true, weights, stable: roles.stable };
}
