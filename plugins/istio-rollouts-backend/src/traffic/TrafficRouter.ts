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
  RouteChangePlan,
  RouteOperation,
  RouteSnapshot,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/** Which routing object, on which cluster. */
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

/**
 * "A thing that reads and sets routes", one implementation per mesh API
 * (Istio VirtualService now; Gateway API HTTPRoute can be another). The
 * services above it never see mesh types: they pass operations and get
 * plans and outcomes back.
 */
export interface TrafficRouter {
  /** e.g. `istio`. */
  readonly type: string;
  /** Reads the routing object fresh from the API server (not the cache). */
  get(ref: RoutingObjectRef): Promise<unknown>;
  /**
   * Plans the operation on the freshly read object and sends the patch.
   * Throws RouteConflictError when the object changed since it was read,
   * and 4xx errors (@backstage/errors, UnprocessableError) for refusals.
   */
  change(options: {
    ref: RoutingObjectRef;
    route: number | string;
    operation: RouteOperation;
    knownSubsets?: Record<string, string[]>;
    dryRun: boolean;
    /**
     * Apply only if the route is still as it was (an approved request): the
     * object is read from the API server, not the cache, and before any
     * planning its route must still exist, under the same name, with the
     * same split (destinations, weights, mirror) as `before`; the plan must
     * then leave the split `after`. Otherwise StaleRequestError.
     */
    expect?: { before: RouteSnapshot; after?: RouteSnapshot };
    /** Runs on the fresh object and the plan, before anything is sent. */
    check?: (plan: RouteChangePlan, object: unknown) => void;
  }): Promise<RouteChangeOutcome>;
}
