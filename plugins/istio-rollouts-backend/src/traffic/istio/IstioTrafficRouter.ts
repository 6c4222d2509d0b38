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
  RouteChangePlan,
  RouteOperation,
  planRouteChange,
  routeHosts,
  snapshotRoute,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  JsonPatchTrafficRouter,
  pickFromList,
} from '../JsonPatchTrafficRouter';
import { RoutedObject, RoutingObjectRef } from '../TrafficRouter';
import { versionsGaining } from './readiness';
import { knownSubsets } from './subsets';

/**
 * Reads and sets routes of Istio VirtualServices (`spec.http`). The plan's
 * `test` operations pin the resourceVersion and the route's current
 * weights, so the API server itself refuses the patch if anyone changed
 * the object in between.
 */
export class IstioTrafficRouter extends JsonPatchTrafficRouter {
  readonly kind = 'VirtualService';
  protected readonly cacheKey = 'virtualServices';

  // From the cache, as before the change: the DestinationRules' subsets a
  // destination may name (the planner refuses any other).
  protected planner(ref: RoutingObjectRef, operation: RouteOperation) {
    const subsets = knownSubsets(this.cache, ref, operation);
    return (object: unknown, route: number | string, op: RouteOperation) =>
      planRouteChange({
        virtualService: object,
        route,
        operation: op,
        knownSubsets: subsets,
      });
  }

  protected pickRoute(object: any, route: number | string) {
    return pickFromList(object?.spec?.http, route);
  }

  protected snapshot(raw: unknown, index: number) {
    return snapshotRoute(raw, index);
  }

  // A destination without a weight has all of a single-entry route, else none.
  protected weightsAsWritten(raw: any): number[] {
    const entries: any[] = Array.isArray(raw?.route) ? raw.route : [];
    return entries.map(r => r?.weight ?? (entries.length === 1 ? 100 : 0));
  }

  routeHosts(object: any, index: number): string[] {
    return routeHosts(object?.spec?.http?.[index]);
  }

  // Every host a change touches, from the routes as written: the route
  // before and after (destinations, mirror, mirrors), a targeted route it
  // inserts, and the routes it removes.
  hostsOfChange(plan: RouteChangePlan, object: unknown): string[] {
    const http: any[] = (object as any)?.spec?.http ?? [];
    return [
      http[plan.before.index],
      plan.resultingRoute,
      plan.addedRoute?.route,
      ...(plan.removedRoutes ?? []).map(r => http[r.index]),
    ].flatMap(routeHosts);
  }

  versionsGaining(plan: RouteChangePlan, object: RoutedObject) {
    return versionsGaining(this.cache, plan, object);
  }
}
