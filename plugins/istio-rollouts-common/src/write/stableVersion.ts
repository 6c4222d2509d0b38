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
import { DestinationRef } from './types';

/**
 * The stable version of a route, for rollbacks and for telling a release
 * from a return to stable: `recorded` (the version that had all the
 * route's traffic when a canary began through this plugin) while it still
 * is one of the route's destinations; otherwise the first-listed
 * destination, which is where start-canary keeps the stable and where
 * Istio's, Argo Rollouts' and Flagger's samples put it. Weights are no
 * guide: after a full promotion the stable has none.
 *
 * @public
 */
export function stableVersion(
  destinations: ReadonlyArray<DestinationRef>,
  namespace: string = DEFAULT_NAMESPACE,
  recorded?: DestinationRef,
): DestinationRef | undefined {
  const found =
    (recorded && destinations.find(d => sameVersion(recorded, d, namespace))) ||
    destinations[0];
  return found && { host: found.host, subset: found.subset, port: found.port };
}
