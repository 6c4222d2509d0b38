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

import type {
  RoutingObjectKind,
  RouteChangePlan,
  RouteOperation,
  RouteSnapshot,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/** The kinds of routing object a TrafficRouter exists for. */
export type RouteKind = RoutingObjectKind;

/** Which routing object, on the router's cluster. */
export interface RoutingObjectRef {
  namespace: string;
  name: string;
}

/** A planned (and, unless a dry run, applied) change. */
export interface RouteChangeOutcome {
  plan: RouteChangePlan;
  resourceVersionBefore: string;
  /** Absent on dry runs. */
  resourceVersionAfter?: string;
}

/** What {@link TrafficRouter.change} is asked to do. */
export interface RouteChangeOptions {
  ref: RoutingObjectRef;
  route: number | string;
  operation: RouteOperation;
  dryRun: boolean;
  /**
   * Apply only if the route is still as it was (an approved request): read
   * fresh, its route must still exist under the same name with the same
   * split as `before`, and the plan must leave `after`; else StaleRequestError.
   */
  expect?: { before: RouteSnapshot; after?: RouteSnapshot };
  /** Runs on the fresh object and the plan, before anything is sent. */
  check?: (plan: RouteChangePlan, object: unknown) => void;
}

/**
 * Reads and sets the routes of one kind of routing object on one cluster
 * (Flagger's and Argo Rollouts' routers keep the same seam). The services
 * hold only this: operations and snapshots in, plans and versions out; the
 * object itself is opaque to them (`unknown`).
 */
export interface TrafficRouter {
  /** The routing object's kind, e.g. `VirtualService`. */
  readonly kind: RouteKind;
  /** The object's API path, for callers that read it with their own error handling. */
  objectPath(ref: RoutingObjectRef): string;
  /** Reads the object fresh from the API server (not the cache). */
  get(ref: RoutingObjectRef): Promise<unknown>;
  /**
   * Plans the operation on the object (cached or fresh) and sends the patch.
   * Throws RouteConflictError when the route changed since it was read,
   * StaleRequestError when `expect` no longer holds, and 4xx errors
   * (@backstage/errors, UnprocessableError) for refusals; see ../errors.
   */
  change(options: RouteChangeOptions): Promise<RouteChangeOutcome>;
  /** A route of an object as `get` returns it, by index or name. */
  readRoute(object: unknown, route: number | string): RouteSnapshot | undefined;
  /** Every host a route of the object sends to or mirrors to, as written (its binding). */
  routeHosts(object: unknown, index: number): string[];
  /** Every host a planned change touches, read on the object it was planned on. */
  hostsOfChange(plan: RouteChangePlan, object: unknown): string[];
  /** The versions a planned change starts sending (or mirroring) traffic to, with their readiness. */
  versionsGaining(plan: RouteChangePlan, object: RoutedObject): VersionView[];
  /** The cached object's resourceVersion and the weights of one route, as written. */
  cachedWeights(
    ref: RoutingObjectRef,
    index: number,
  ): { resourceVersion?: string; weights: number[] } | undefined;
}

/** The routing object as the view shows it: enough to resolve its versions. */
export interface RoutedObject extends RoutingObjectRef {
  apiVersion: string;
  hosts: string[];
}
