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
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  AuditRecordPage,
  RoutingObjectKind,
  SettledAuditOutcome,
} from '@istio-rollouts/plugin-istio-rollouts-common';

export type { AuditOutcome, AuditRecord, AuditRecordPage };

/**
 * A write action to record: a record before the store gives it its id and
 * time. `weightsBefore`/`weightsAfter` are any JSON-serializable value (a
 * RouteSnapshot, or replicas for a scale); `route` may be an index.
 *
 */
export type NewAuditRecord = Omit<AuditRecord, 'id' | 'createdAt' | 'route'> & {
  /** Index in `spec.http` or route name; stored as text. */
  route?: number | string;
};

/**
 * Filters and page of {@link AuditStore.list}. Filters combine with AND.
 *
 */
export interface ListAuditRecordsOptions
  extends Omit<AuditQuery, 'from' | 'to'> {
  /** Inclusive lower bound on `createdAt`. */
  from?: Date;
  /** Exclusive upper bound on `createdAt`. */
  to?: Date;
  /** Records of one promotion request's approval. */
  requestId?: string;
  /** Records about one VirtualService (used to find a route's stable version). */
  virtualService?: {
    cluster: string;
    namespace: string;
    name: string;
    /** Absent: a VirtualService. */
    kind?: RoutingObjectKind;
  };
  /**
   * With `entityRef`: also the `observed` changes of these VirtualServices
   * (the ones the entity's view shows), whatever entity they were recorded
   * for — a shared VirtualService's changes belong to every entity on it.
   */
  observedOn?: Array<{ cluster: string; namespace: string; name: string }>;
}

/** One record of a change to a route (see `AuditStore.routeChangeLog`). */
export interface RouteChangeEntry {
  id: number;
  outcome: AuditOutcome;
  cluster: string;
  namespace: string;
  name: string;
  /** Absent: a VirtualService. */
  kind?: RoutingObjectKind;
  /** As recorded: an index in the route list, or the route's name. */
  route: string;
  /** ISO time of the record. */
  at: string;
}

/** How a write whose outcome was `unknown` ended, once the cluster answered. */
export interface SettledOutcome {
  outcome: SettledAuditOutcome;
  message: string;
  weightsAfter?: unknown;
  resourceVersionAfter?: string;
}

/**
 * An append-only trail of write actions. There is deliberately no way to
 * change or remove a record.
 *
 */
export interface AuditStore {
  /** Stores a record and returns it with its id and time. */
  append(record: NewAuditRecord): Promise<AuditRecord>;
  /**
   * Newest first. `nextCursor` is absent on the last page; a malformed
   * cursor throws `InputError`.
   */
  list(options: ListAuditRecordsOptions): Promise<AuditRecordPage>;
  /**
   * Stores an `observed` change under its unique key (cluster, uid,
   * resourceVersion, route); false when a replica (or an earlier run)
   * already recorded it.
   */
  appendObserved(record: NewAuditRecord, key: string): Promise<boolean>;
  /**
   * Settles a record whose outcome is `unknown`; false when it is not (any
   * more) unknown — another replica settled it first.
   */
  settle(id: string, outcome: SettledOutcome): Promise<boolean>;
  /**
   * The VirtualServices of a cluster with a route on record (an applied
   * write or an observed change), as `namespace/name`: a start compares only
   * those with the trail.
   */
  virtualServicesOnRecord(cluster: string): Promise<Set<string>>;
  /**
   * Records that change a route (an index or a name in `route`), oldest
   * first: those with an id above `afterId` whose outcome is applied,
   * observed or still unknown, or — with `ids` — those records whatever
   * their outcome now (an unknown one may have been settled since). What
   * an in-memory index of each route's last change is kept up to date with.
   */
  routeChangeLog(options: {
    afterId?: number;
    ids?: number[];
    limit: number;
  }): Promise<RouteChangeEntry[]>;
  /** Records still `unknown`, oldest first. */
  listUnsettled(limit?: number): Promise<AuditRecord[]>;
  /**
   * Rejects when the store cannot be reached (one cheap round trip): a
   * write is not sent to a cluster when its record could not be kept.
   */
  ping?(): Promise<void>;
}
