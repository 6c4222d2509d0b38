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
import { RouteModel, unreadableWeights } from './routeModel';
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

function current(route: RouteModel): SnapshotDestination[] {
  return route.destinations.map(d => {
    const {
      position,
      rawDestination,
      hasWeight,
      rawWeight,
      effective,
      ...ref
    } = d;
    return { ...ref, weight: effective ?? 0 };
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
  const problem = unreadableWeights(route, namespace);
  if (problem) return refuse(409, problem);
  const weights = route.destinations.map(d => d.effective!);
  const split = route.destinations
    .map(d => `${destinationLabel(d, namespace)} ${d.effective}%`)
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
  // which may be what is broken.
  if (op.type !== 'rollback' || !stable.stable) {
    const problem = unreadableWeights(route, namespace);
    if (problem) return refuse(409, problem);
  }
  const destinations = current(route);
  if (op.type === 'rollback') {
    const roles = identifyStable({
      destinations,
      stable: stable.stable,
      namespace,
      where,
    });
    if (!roles.ok) return roles;
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
