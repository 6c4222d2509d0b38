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
  DestinationView,
  RouteView,
  VersionView,
  VirtualServiceView,
} from '../types';
import { DestinationRef } from '../write/types';
import { refersTo } from '../write/destinations';
import { stableVersion } from '../write/stableVersion';

/**
 * The route of a VirtualService that splits traffic between a stable
 * version and a canary.
 *
 * @public
 */
export interface CanaryRoute {
  route: RouteView;
  canary: VersionView;
  stable: VersionView;
}

/**
 * The first http route that sends traffic to exactly two versions by
 * weight: the stable one (per stableVersion: `recordedStable` while it
 * still gets traffic, else the first-listed) and the canary. Routes with
 * one destination, or three or more with traffic, are not canaries; a
 * mirror is not a split either, so it is not looked at.
 *
 * @public
 */
export function findCanaryRoute(
  vs: VirtualServiceView,
  recordedStable?: DestinationRef,
): CanaryRoute | undefined {
  for (const route of vs.routes) {
    const weighted = route.destinations.filter(d => d.weight > 0);
    if (
      weighted.length !== 2 ||
      weighted[0].versionKey === weighted[1].versionKey
    ) {
      continue;
    }
    const stableRef = stableVersion(weighted, vs.namespace, recordedStable);
    const stableDestination: DestinationView | undefined =
      stableRef && weighted.find(d => refersTo(stableRef, d, vs.namespace));
    const canaryDestination = weighted.find(d => d !== stableDestination);
    const stable = vs.versions.find(
      v => v.key === stableDestination?.versionKey,
    );
    const canary = vs.versions.find(
      v => v.key === canaryDestination?.versionKey,
    );
    if (stable && canary) {
      return { route, canary, stable };
    }
  }
  return undefined;
}
