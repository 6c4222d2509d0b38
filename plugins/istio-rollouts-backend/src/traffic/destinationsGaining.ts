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
  RouteChangePlan,
  sameVersion,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * The versions a planned change starts sending traffic (or mirrored
 * traffic) to: destinations that gain a share, a new mirror, and those of a
 * route the change inserts (`added`, read by the mesh's router). The same
 * version is the same host and subset; the port does not make another one.
 */
export function destinationsGaining(
  plan: RouteChangePlan,
  namespace: string,
  added: DestinationRef[],
): DestinationRef[] {
  const same = (a: DestinationRef, b: DestinationRef) =>
    sameVersion(a, b, namespace);
  return [
    ...plan.after.destinations.filter(
      d =>
        d.weight > 0 &&
        !plan.before.destinations.some(b => same(b, d) && b.weight > 0),
    ),
    ...(plan.after.mirror &&
    !(plan.before.mirror && same(plan.before.mirror, plan.after.mirror))
      ? [plan.after.mirror]
      : []),
    ...added,
  ];
}
