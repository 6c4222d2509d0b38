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

import { DEFAULT_NAMESPACE } from '../kube/readMeta';
import { sameVersion } from './destinations';
import { toShares } from './shares';
import { DestinationRef, RouteChangePlan, SnapshotDestination } from './types';

function shares(destinations: SnapshotDestination[]): number[] {
  return toShares(destinations.map(d => d.weight)) ?? destinations.map(() => 0);
}

/**
 * Whether a planned change gives a version other than `stable` more of the
 * route's traffic than it has (weights read as proportions, as Istio reads
 * them), or copies or diverts traffic to it: a new or larger mirror, a
 * targeted route. Such changes release a version, so where owners must
 * request, they go through approval; rolling back never does this. Hosts
 * are compared as Istio resolves them in the VirtualService's `namespace`,
 * so a same-named Service of another namespace is another version.
 *
 * @public
 */
export function raisesNonStableShare(
  plan: RouteChangePlan,
  stable: DestinationRef,
  namespace: string = DEFAULT_NAMESPACE,
): boolean {
  if (plan.addedRoute) return true;
  const same = (a: DestinationRef, b: DestinationRef) =>
    sameVersion(a, b, namespace);
  const before = shares(plan.before.destinations);
  const after = shares(plan.after.destinations);
  const raised = plan.after.destinations.some((d, i) => {
    if (same(d, stable)) return false;
    const j = plan.before.destinations.findIndex(b => same(b, d));
    return after[i] > (j >= 0 ? before[j] : 0) + 1e-9;
  });
  if (raised) return true;
  const m = plan.after.mirror;
  if (!m) return false;
  const b = plan.before.mirror;
  return !b || !same(b, m) || m.percentage > b.percentage;
}
