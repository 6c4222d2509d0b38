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

// Wire types of the write API: what the frontend sends to move traffic or
// scale a version, and what the backend answers. The planning itself is in
// ./write (pure); the backend adds the checks that need the cluster.

import type { RolloutWarning } from './types';
import type {
  JsonPatchOperation,
  RouteOperation,
  RouteSnapshot,
} from './write/types';

/**
 * One http route of one VirtualService on one cluster.
 *
 * @public
 */
export interface RouteTarget {
  cluster: string;
  namespace: string;
  /** The routing object's name, whatever its kind (named when VirtualServices were the only kind). */
  virtualService: string;
  /** The route's index in `spec.http` (an HTTPRoute's: in `spec.rules`), or its name. */
  route: number | string;
  /** The routing object's kind; absent means `VirtualService`. */
  kind?: RoutingObjectKind;
}

/**
 * The kinds of routing object the plugin reads and changes.
 *
 * @public
 */
export const ROUTING_OBJECT_KINDS = ['VirtualService', 'HTTPRoute'] as const;

/**
 * One of {@link ROUTING_OBJECT_KINDS}.
 *
 * @public
 */
export type RoutingObjectKind = (typeof ROUTING_OBJECT_KINDS)[number];

/**
 * Ask the backend to change a route (or, with `dryRun`, to say what it would send).
 *
 * @public
 */
export interface RouteActionRequest {
  target: RouteTarget;
  operation: RouteOperation;
  /** Validate against the cluster and return the patch, changing nothing. */
  dryRun?: boolean;
  /** Why: kept with the action (and in the audit trail). */
  reason?: string;
  /**
   * Allow traffic to a version that has no ready pods. The override and its
   * reason are recorded.
   */
  allowUnready?: { reason: string };
}

/**
 * The refusals of a route action that a client may act on, each named by a
 * code it can branch on instead of the message (which is for people and
 * may be reworded). The backend sends the code as `reason` in the error
 * body's `error` object, beside `name` and `message`, which a ResponseError
 * of the Backstage errors package exposes as `cause.reason`.
 *
 * - `version-unready` (422): the change would send traffic, or mirrored
 *   traffic, to a version without ready pods. Sending the same request
 *   with `allowUnready` and a reason overrides it.
 *
 * @public
 */
export const ROUTE_REFUSAL_REASONS = ['version-unready'] as const;

/**
 * One of {@link ROUTE_REFUSAL_REASONS}.
 *
 * @public
 */
export type RouteRefusalReason = (typeof ROUTE_REFUSAL_REASONS)[number];

/**
 * What a route change did, or would do.
 *
 * @public
 */
export interface RouteActionResult {
  dryRun: boolean;
  /** The exact RFC 6902 patch sent (or that would be sent) to the cluster. */
  patch: JsonPatchOperation[];
  before: RouteSnapshot;
  after: RouteSnapshot;
  /** The http route as the cluster holds it after the change. */
  resultingRoute: unknown;
  resourceVersionBefore: string;
  /** Absent on dry runs. */
  resourceVersionAfter?: string;
  warnings: RolloutWarning[];
  /** \`finish\` with \`scaleDownOld\`: the Deployments of the removed versions, scaled to 0. */
  scaledDown?: ScaleResult[];
  /**
   * `finish` with `scaleDownOld`: Deployments of removed versions that were
   * left running, and why (another route still sends them traffic, or
   * something else sets their replicas). The route change applies anyway.
   */
  keptRunning?: KeptRunning[];
  /** For GitOps-tracked VirtualServices: whether the change was reverted shortly after. */
  drift?: { tool: string; reverted: boolean; observedWeights?: number[] };
}

/**
 * Ask the backend to scale one version's Deployment.
 *
 * @public
 */
export interface ScaleRequest {
  cluster: string;
  namespace: string;
  deployment: string;
  replicas: number;
  dryRun?: boolean;
  reason?: string;
}

/**
 * What a scale did, or would do.
 *
 * @public
 */
export interface ScaleResult {
  dryRun: boolean;
  namespace: string;
  deployment: string;
  replicasBefore: number;
  replicasAfter: number;
}

/**
 * A Deployment that `finish` did not scale down, and why.
 *
 * @public
 */
export interface KeptRunning {
  namespace: string;
  deployment: string;
  reason: string;
}
