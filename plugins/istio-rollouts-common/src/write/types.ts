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

// Types of the write path's pure half: what a caller asks for (a
// RouteOperation), and what the planner answers (an RFC 6902 patch plus
// snapshots for the audit). The backend GETs the VirtualService, calls
// planRouteChange, and sends the patch; nothing here does I/O.

/**
 * One RFC 6902 JSON Patch operation; only the four this plugin emits.
 *
 * @public
 */
export type JsonPatchOperation =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/**
 * Names a destination of an http route, as written in the VirtualService.
 * Hosts compare as Istio resolves them, so `reviews` and
 * `reviews.shop.svc.cluster.local` are the same host in namespace `shop`.
 * Without `port`, a reference matches the destination whatever its port.
 *
 * @public
 */
export interface DestinationRef {
  host: string;
  subset?: string;
  port?: number;
}

/**
 * A destination and the integer percentage of the route's traffic it gets.
 *
 * @public
 */
export interface WeightAssignment extends DestinationRef {
  weight: number;
}

/**
 * Sets any split over the route's existing destinations. Every destination
 * of the route must be listed exactly once, so that a destination a caller
 * did not know about is never silently set to 0.
 *
 * @public
 */
export interface SetWeightsOperation {
  type: 'set-weights';
  weights: WeightAssignment[];
}

/**
 * Adds `canary` to a single-destination route at the plan's first step
 * (90/10 with the default steps). The canary is appended after the stable
 * destination, which is what later tells the two apart.
 *
 * @public
 */
export interface StartCanaryOperation {
  type: 'start-canary';
  canary: DestinationRef;
  /** Defaults to DEFAULT_CANARY_STEPS. */
  steps?: number[];
}

/**
 * Moves the canary to the next step of the plan; the stable gets the rest.
 *
 * @public
 */
export interface PromoteNextOperation {
  type: 'promote-next';
  /** Defaults to DEFAULT_CANARY_STEPS. */
  steps?: number[];
  /** Which destination is stable, when the weights alone cannot tell. */
  stable?: DestinationRef;
}

/**
 * Sends all traffic to the canary (canary 100, stable 0).
 *
 * @public
 */
export interface PromoteFullOperation {
  type: 'promote-full';
  stable?: DestinationRef;
}

/**
 * Blue-green switch on a route of exactly two destinations at 100 and 0.
 *
 * @public
 */
export interface FlipOperation {
  type: 'flip';
}

/**
 * Sends all traffic to the stable version, and removes what this plugin
 * added around the route: its targeted routes just before it, and a mirror
 * to another version of the same service.
 *
 * @public
 */
export interface RollbackOperation {
  type: 'rollback';
  stable?: DestinationRef;
}

/**
 * Which requests a targeted route picks: a header or a cookie.
 *
 * @public
 */
export interface UserMatch {
  kind: 'header' | 'cookie';
  /** Header name (case-insensitive, written lowercase) or cookie name. */
  name: string;
  value: string;
  /** Defaults to `exact`. For cookies, applies to the cookie's value. */
  operator?: 'exact' | 'prefix' | 'regex';
}

/**
 * Inserts a route just before the changed route that sends the matching
 * users to `to`, named with TARGET_ROUTE_PREFIX.
 *
 * @public
 */
export interface TargetUsersOperation {
  type: 'target-users';
  match: UserMatch;
  to: DestinationRef;
}

/**
 * Removes a targeted route this plugin added (its name has TARGET_ROUTE_PREFIX).
 *
 * @public
 */
export interface RemoveTargetingOperation {
  type: 'remove-targeting';
  routeName: string;
}

/**
 * Copies a percentage of the route's requests to `to` (responses are dropped).
 *
 * @public
 */
export interface SetMirrorOperation {
  type: 'set-mirror';
  to: DestinationRef;
  /** Share of requests copied, above 0 and at most 100; decimals allowed. */
  percentage: number;
}

/**
 * Stops mirroring on the route.
 *
 * @public
 */
export interface RemoveMirrorOperation {
  type: 'remove-mirror';
}

/**
 * The last step of a canary (or of a blue-green switch): the route already
 * sends everything to one version; remove the idle destinations from it.
 *
 * @public
 */
export interface FinishOperation {
  type: 'finish';
  /**
   * Also scale the Deployments of the removed versions to 0 (done by the
   * backend after the route is written; the plan ignores it).
   */
  scaleDownOld?: boolean;
}

/**
 * A change to one http route of a VirtualService.
 *
 * @public
 */
export type RouteOperation =
  | SetWeightsOperation
  | StartCanaryOperation
  | PromoteNextOperation
  | PromoteFullOperation
  | FlipOperation
  | RollbackOperation
  | TargetUsersOperation
  | RemoveTargetingOperation
  | SetMirrorOperation
  | RemoveMirrorOperation
  | FinishOperation;

/**
 * A destination of a route snapshot with its weight as written, so the
 * audit records what was there: a lone destination takes 100 whatever is
 * written; with several, a missing weight is 0. Weights that do not add
 * up to 100 are kept as they are: 5/5 stays 5/5, although Istio reads them
 * as proportions and sends 50/50 (deriveCanaryPlan reads them that way).
 *
 * @public
 */
export interface SnapshotDestination extends DestinationRef {
  weight: number;
}

/**
 * An http route reduced to what the audit trail records.
 *
 * @public
 */
export interface RouteSnapshot {
  /** Position in `spec.http`; in an `after` snapshot, the position after the change. */
  index: number;
  name?: string;
  destinations: SnapshotDestination[];
  mirror?: DestinationRef & { percentage: number };
}

/**
 * Input of planRouteChange.
 *
 * @public
 */
export interface PlanRouteChangeOptions {
  /** The VirtualService as just read from the API server (raw JSON). */
  virtualService: unknown;
  /**
   * The route whose traffic the operation is about: an index into
   * `spec.http` or a route name. For targeting, it is the route the
   * targeted route is inserted before (or belongs to).
   */
  route: number | string;
  operation: RouteOperation;
  /**
   * Subsets defined by DestinationRules, keyed by host (as written or
   * fully qualified). When given, moving traffic (or a mirror) to a subset
   * that is not listed is refused.
   */
  knownSubsets?: Record<string, string[]>;
}

/**
 * A successful plan: the patch to send and what it does.
 *
 * @public
 */
export interface RouteChangePlan {
  ok: true;
  /** `test` operations first (resourceVersion, then the route's state), then the changes. */
  patch: JsonPatchOperation[];
  /** False when the route already is as asked; the patch then only tests. */
  changed: boolean;
  /** The route named by `route`, before the change. */
  before: RouteSnapshot;
  /** The same route after the change (its index shifts when routes are inserted or removed before it). */
  after: RouteSnapshot;
  /** The raw http route of `after`, as the API server will store it. */
  resultingRoute: unknown;
  /** The targeted route inserted by `target-users`. */
  addedRoute?: { index: number; name: string; route: unknown };
  /** Routes removed, with their positions in the original object. */
  removedRoutes?: Array<{ index: number; name: string }>;
}

/**
 * Why no plan was made, with the HTTP status the backend should answer:
 * 400 the operation is malformed on its own; 404 the route (or the targeted
 * route to remove) does not exist; 409 the route's current state does not
 * allow the operation, or makes it ambiguous; 422 the operation names
 * something the VirtualService does not have (a destination, a subset), or
 * the object cannot be patched safely.
 *
 * @public
 */
export interface RouteChangeRefusal {
  ok: false;
  status: 400 | 404 | 409 | 422;
  message: string;
}

/**
 * What planRouteChange returns; it never throws.
 *
 * @public
 */
export type PlanRouteChangeResult = RouteChangePlan | RouteChangeRefusal;
