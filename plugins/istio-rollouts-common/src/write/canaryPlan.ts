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
import { destinationLabel, refersTo, refuse } from './destinations';
import { formatShare, toShares, weightsSumToZero } from './shares';
import {
  DestinationRef,
  RouteChangeRefusal,
  SnapshotDestination,
} from './types';

// Which destination is stable and which the canary, and where the canary
// goes next.
//
// Stable vs canary, when the caller does not say (`stable` in an operation):
// the FIRST-LISTED destination is stable, provided it has at least as much
// traffic as every other one. Two signals, and both must agree:
// - Order: start-canary appends the canary after the stable, and Istio's,
//   Argo Rollouts' and Flagger's samples all list the stable/primary first.
//   Order alone does not change as weights cross 50%, which weight alone
//   would misread (at 40/60 the bigger share is the canary).
// - Weight: a hand-written route may list the canary first at 10%; order
//   alone would then promote (or roll back to) the wrong version.
// When they disagree (the first-listed has less traffic than another, e.g.
// 40/60 or 0/100 after a full promotion) the planner refuses with 409 and
// asks for `stable`, because a wrong guess in a rollback sends everyone to
// the version being rolled back. Equal weights: the first-listed is stable.
//
// Weights are compared as shares (see shares.ts): callers pass shares, and
// deriveCanaryPlan turns a view's raw weights into shares itself, so 5/5
// is a canary at 50% and 3/1 one at 25%.

/**
 * The next canary weight: the smallest step strictly greater than the
 * current weight, or 100 once past the last step.
 *
 * @public
 */
export function nextStep(
  currentCanaryWeight: number,
  steps: readonly number[] = DEFAULT_CANARY_STEPS,
): number {
  const ahead = steps.filter(s => s > currentCanaryWeight && s <= 100);
  return ahead.length > 0 ? Math.min(...ahead) : 100;
}

/**
 * Checks canary steps given as a list: whole percentages in 1..100,
 * strictly increasing, ending at 100 (a plan that never reaches 100% never
 * finishes). The same rules as parseCanarySteps for the annotation.
 *
 * @public
 */
export function validateCanarySteps(
  steps: unknown,
): { ok: true; steps: number[] } | { ok: false; message: string } {
  if (!Array.isArray(steps) || steps.length === 0) {
    return {
      ok: false,
      message: 'steps must be a non-empty list of percentages',
    };
  }
  for (const [i, step] of steps.entries()) {
    if (typeof step !== 'number' || !Number.isInteger(step)) {
      return {
        ok: false,
        message: `step ${JSON.stringify(step)} is not a whole percentage`,
      };
    }
    if (step < 1 || step > 100) {
      return { ok: false, message: `step ${step} is outside 1..100` };
    }
    if (i > 0 && step <= steps[i - 1]) {
      return {
        ok: false,
        message: `steps must increase, but ${step} follows ${steps[i - 1]}`,
      };
    }
  }
  if (steps[steps.length - 1] !== 100) {
    return { ok: false, message: 'the last step must be 100' };
  }
  return { ok: true, steps: [...steps] };
}

/**
 * Positions of the stable destination and (with exactly two) the canary.
 * See the rule at the top of this file.
 *
 * @internal
 */
export function identifyStable(options: {
  destinations: ReadonlyArray<SnapshotDestination>;
  stable?: DestinationRef;
  namespace?: string;
  where?: string;
}): { ok: true; stable: number; canary?: number } | RouteChangeRefusal {
  const { destinations, namespace } = options;
  const where = options.where ?? 'the route';
  const label = (d: DestinationRef) => destinationLabel(d, namespace);
  const withCanary = (stable: number) =>
    destinations.length === 2
      ? { ok: true as const, stable, canary: 1 - stable }
      : { ok: true as const, stable };
  if (destinations.length === 0) {
    return refuse(409, `${where} has no destinations`);
  }
  if (options.stable) {
    const ref = options.stable;
    const found = destinations.flatMap((d, i) =>
      refersTo(ref, d, namespace) ? [i] : [],
    );
    if (found.length !== 1) {
      return refuse(
        422,
        found.length === 0
          ? `stable ${label(
              ref,
            )} is not a destination of ${where}; its destinations are ${destinations
              .map(label)
              .join(', ')}`
          : `stable ${label(ref)} names ${
              found.length
            } destinations of ${where}; give the port`,
      );
    }
    return withCanary(found[0]);
  }
  const [first, ...others] = destinations;
  const bigger = others.find(d => d.weight > first.weight);
  if (bigger) {
    return refuse(
      409,
      `cannot tell which version of ${where} is stable: ${label(
        first,
      )} is listed first but ${label(bigger)} has more traffic (${formatShare(
        bigger.weight,
      )}% vs ${formatShare(first.weight)}%); say which one is stable`,
    );
  }
  return withCanary(0);
}

/**
 * Where a canary stands: the steps, the stable and the canary destination
 * (weights as given), the canary's current share of the traffic in percent,
 * and the next one (100 once past the last step; equal to `current` when
 * the canary already has all traffic). Istio reads weights as proportions,
 * so on weights that do not add up to 100 the share differs from the
 * weight: 5/5 gives `current` 50 and `next` 100; it may have decimals.
 *
 * @public
 */
export interface CanaryPlan {
  steps: number[];
  stable: SnapshotDestination;
  canary: SnapshotDestination;
  current: number;
  next: number;
}

/**
 * Positions of the stable and the canary in a two-destination route, with
 * the checked steps.
 *
 * @internal
 */
export function locateCanary(options: {
  destinations: ReadonlyArray<SnapshotDestination>;
  /** Unchecked steps, as they arrived; undefined means the default. */
  steps?: unknown;
  stable?: DestinationRef;
  namespace?: string;
  where?: string;
}):
  | { ok: true; steps: number[]; stable: number; canary: number }
  | RouteChangeRefusal {
  const checked = validateCanarySteps(options.steps ?? DEFAULT_CANARY_STEPS);
  if (!checked.ok) {
    return refuse(400, checked.message);
  }
  const where = options.where ?? 'the route';
  const { destinations } = options;
  if (destinations.length !== 2) {
    return refuse(
      409,
      destinations.length === 1
        ? `${where} has a single destination, so there is no canary; start one first`
        : `${where} has ${destinations.length} destinations; a canary needs exactly a stable and a canary destination (use set-weights)`,
    );
  }
  const roles = identifyStable({ ...options, where });
  if (!roles.ok) {
    return roles;
  }
  return {
    ok: true,
    steps: checked.steps,
    stable: roles.stable,
    canary: roles.canary!,
  };
}

/**
 * Derives the canary plan of a route from its destinations and weights
 * (those of a RouteView or a RouteSnapshot), read as proportions like
 * Istio does, so the plan matches what promote-next does. A route needs
 * exactly two destinations to have a plan; with one, start a canary first.
 * Two weights adding up to 0 are refused with 422.
 *
 * @public
 */
export function deriveCanaryPlan(options: {
  destinations: ReadonlyArray<SnapshotDestination>;
  /** Defaults to DEFAULT_CANARY_STEPS. */
  steps?: readonly number[];
  /** Which destination is stable, when the weights alone cannot tell. */
  stable?: DestinationRef;
  /** Namespace of the VirtualService, to compare short and full host names. */
  namespace?: string;
  /** Names the route in messages, e.g. `VirtualService shop/reviews, route 'primary'`. */
  where?: string;
}): { ok: true; plan: CanaryPlan } | RouteChangeRefusal {
  const { destinations } = options;
  // Only with two destinations: locateCanary refuses any other count first.
  const shares =
    destinations.length === 2
      ? toShares(destinations.map(d => d.weight))
      : destinations.map(d => d.weight);
  if (!shares) {
    return weightsSumToZero(options.where ?? 'the route', destinations.length);
  }
  const roles = locateCanary({
    ...options,
    destinations: destinations.map((d, i) => ({ ...d, weight: shares[i] })),
  });
  if (!roles.ok) {
    return roles;
  }
  const stable = destinations[roles.stable];
  const canary = destinations[roles.canary];
  const current = shares[roles.canary];
  return {
    ok: true,
    plan: {
      steps: roles.steps,
      stable: { ...stable },
      canary: { ...canary },
      current,
      next: current >= 100 ? 100 : nextStep(current, roles.steps),
    },
  };
}
