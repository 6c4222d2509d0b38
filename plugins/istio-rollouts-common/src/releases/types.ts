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

// The contract of `GET /releases`: every route, on every cluster, that is
// half-way through a release. Platform teams read it daily ("what is
// half-way right now, since when, whose?"); stale rows are incident seeds.

import type { RoutingObjectKind } from '../actions';
import type { ManagedByView, RolloutStrategy, RolloutWarning } from '../types';

/**
 * Why a route is not at rest: a split between versions (`canary`), users
 * pinned to a version by a match (`targeted`), shadow traffic (`mirror`),
 * a blue-green pair whose idle version still runs (`blue-green`), or a
 * controller mid-rollout (`managed`).
 *
 * @public
 */
export type ReleaseInFlightStrategy = Extract<
  RolloutStrategy,
  'canary' | 'targeted' | 'mirror' | 'blue-green' | 'managed'
>;

/**
 * Every strategy a release in flight can have, in the order pages show them.
 *
 * @public
 */
export const RELEASE_IN_FLIGHT_STRATEGIES = [
  'canary',
  'targeted',
  'mirror',
  'blue-green',
  'managed',
] as const satisfies ReadonlyArray<ReleaseInFlightStrategy>;

/**
 * Where the time a route entered its current state comes from: the plugin's
 * audit trail (an applied change or an observed one), the object's
 * `managedFields` (the last time any field manager wrote its spec), or,
 * lacking both, its creation.
 *
 * @public
 */
export type ReleaseSinceSource = 'audit' | 'managed-fields' | 'created';

/**
 * One route that is not at rest.
 *
 * @public
 */
export interface ReleaseInFlight {
  /** Stable, opaque identity of the route across pages. */
  key: string;
  cluster: string;
  namespace: string;
  kind: RoutingObjectKind;
  /** The VirtualService's or HTTPRoute's name. */
  name: string;
  /** Index in `spec.http` (or `spec.rules`) and the route's name, if any. */
  route: { index: number; name?: string };
  strategy: ReleaseInFlightStrategy;
  /** The one-line explanation the entity's tab shows for this route. */
  explanation: string;
  /** Each destination's share, as the tab's split bar draws it. */
  split: Array<{ versionKey: string; label: string; weight: number }>;
  /** Shadow traffic, with the share of requests copied. */
  mirror?: { versionKey: string; label: string; percentage: number };
  /** The controller that drives the route, and where it stands. */
  managedBy?: Pick<
    ManagedByView,
    'controller' | 'namespace' | 'name' | 'strategy' | 'phase' | 'step'
  >;
  /**
   * The catalog entity the cluster binds the route to (the route object's
   * or its namespace's `backstage.io/kubernetes-id` label, or — for a shared
   * object — the label every destination Service shares) and its owner.
   */
  entity?: { ref: string; title?: string; owner?: string };
  /** Why no entity is shown: bound to nothing, or to an id no single entity claims. */
  unbound?: string;
  /** ISO time the route entered its current state (see `sinceSource`). */
  since: string;
  sinceSource: ReleaseSinceSource;
  /** Whether `since` is older than the stale threshold. */
  stale: boolean;
  /** Promotion requests on this route that wait for a decision. */
  pendingRequests: number;
  /** The route's warnings and its object's, as the tab shows them. */
  warnings: RolloutWarning[];
}

/**
 * Filters and page of `GET /releases` (query parameters; combined with AND).
 *
 * @public
 */
export interface ReleasesInFlightQuery {
  cluster?: string;
  namespace?: string;
  /** An owner entity ref, e.g. `group:default/team-bookinfo`. */
  owner?: string;
  strategy?: ReleaseInFlightStrategy;
  /** Only routes in their state for at least this many days (decimals allowed). */
  minAgeDays?: number;
  /** Only stale routes. */
  staleOnly?: boolean;
  /** 1..500, default 50. */
  limit?: number;
  /** From the previous page's `nextCursor`. */
  cursor?: string;
}

/**
 * A page of releases in flight, oldest first.
 *
 * @public
 */
export interface ReleasesInFlightPage {
  items: ReleaseInFlight[];
  /** Absent on the last page. */
  nextCursor?: string;
  /** How many routes match the filters, on all pages. */
  total: number;
  /** Of those, how many are stale. */
  staleTotal: number;
  /** The stale threshold in days (`istioRollouts.releasesInFlight.staleAfter`). */
  staleAfterDays: number;
  /** Clusters that could not be read: their routes are missing from the list. */
  clusterErrors: Array<{ cluster: string; message: string }>;
  /** ISO time of the answer. */
  generatedAt: string;
}
