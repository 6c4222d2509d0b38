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
import { identifyStable } from './canaryPlan';
import { refersTo } from './destinations';
import { toShares } from './shares';
import { DestinationRef, SnapshotDestination } from './types';

/**
 * The stable version of a route, for rollbacks and for telling a release
 * from a return to stable: `recorded` (the version that had all the
 * route's traffic when a canary began) while it still is one of the route's
 * destinations; otherwise the planner's own rule, the first-listed
 * destination when no other has a larger share. Undefined when neither can
 * tell (a hand-written route that lists a smaller share first): then nobody
 * should guess, because a wrong guess in a rollback promotes the canary.
 *
 * @public
 */
export function stableVersion(
  destinations: ReadonlyArray<SnapshotDestination>,
  namespace: string = DEFAULT_NAMESPACE,
  recorded?: DestinationRef,
): DestinationRef | undefined {
  const pick = (d: DestinationRef): DestinationRef => ({
    host: d.host,
    subset: d.subset,
    port: d.port,
  });
  if (recorded) {
    const found = destinations.find(d =>
      refersTo({ ...recorded, port: undefined }, d, namespace),
    );
    if (found) return pick(found);
  }
  const shares = toShares(destinations.map(d => d.weight));
  if (!shares) return undefined;
  const roles = identifyStable({
    destinations: destinations.map((d, i) => ({ ...d, weight: shares[i] })),
    namespace,
  });
  return roles.ok ? pick(destinations[roles.stable]) : undefined;
}
