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

import { refuse } from './destinations';
import { RouteChangeRefusal } from './types';

// Istio reads the weights of a route's destinations as proportions: two
// destinations at 5 and 5 get 50% each, 3 and 1 get 75% and 25%. Every
// operation that decides from the current weights (which destination is
// stable, the canary's current step, who is at 100% or 0%) reads these
// shares, never the raw numbers: on a 5/5 route the raw canary weight 5
// would make promote-next "advance" to 10% and so take traffic away from
// the canary. The weights the planner writes always add up to 100, and the
// audit snapshots keep the weights as written (see SnapshotDestination).

/**
 * Each weight's share of the total in percent: the weights themselves when
 * they add up to 100 (the usual case, kept exact), otherwise
 * `weight * 100 / sum`. Undefined when they add up to 0 or less with
 * several weights: Istio then has no split to follow.
 *
 * @internal
 */
export function toShares(weights: readonly number[]): number[] | undefined {
  if (weights.length === 1) return [100];
  const sum = weights.reduce((total, w) => total + w, 0);
  if (sum === 100) return [...weights];
  if (!(sum > 0)) return undefined;
  return weights.map(w => (w * 100) / sum);
}

/** The refusal for a route whose several weights add up to 0. @internal */
export function weightsSumToZero(
  where: string,
  count: number,
): RouteChangeRefusal {
  // 422, not 409: waiting or retrying does not help, the object itself must
  // be fixed (set-weights, or a rollback naming the stable version).
  return refuse(
    422,
    `${where}: the weights of its ${count} destinations sum to 0, so Istio has no split to follow; set the weights with set-weights (or roll back naming the stable version) first`,
  );
}

/**
 * A share for messages: `50`, `33.33`.
 *
 * @public
 */
export function formatShare(share: number): string {
  return String(Math.round(share * 100) / 100);
}
