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

import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  KUBERNETES_ANNOTATIONS,
  ObservedRouteChange,
  RouteSnapshot,
  describeObservedChange,
  isTrafficChangeOutcome,
  lastRouteWriter,
  observedRouteChanges,
  sameSplit,
  snapshotRoute,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { ClusterCaches } from '../cluster/ClusterCaches';
import type { ObjectListener } from '../cluster/KindInformer';
import { AuditStore } from '../database/AuditStore';
import { FIELD_MANAGER } from '../fieldManager';
import type { OwnershipPolicy } from './EntityAccess';

type ObjectEvent = Parameters<ObjectListener>[0];

/** The action name of every observed change in the audit trail. */
export const OBSERVED_ACTION = 'observed-change';

/**
 * Puts traffic changes that were not the plugin's own on record: every
 * VirtualService event of the watch is compared, route by route, with the
 * copy the cache held before; a change of split, match rules or mirror
 * becomes an `observed` audit record, attributed to the field manager that
 * owns `spec.http` (kubectl-patch, argocd-controller, flagger…).
 *
 * Exactly once: every replica sees every event and tries to record it, under
 * one key (cluster, uid, resourceVersion, route) that the store's unique
 * index admits once; a re-list compares with the cache, so it records only
 * what changed while the watch was broken.
 *
 * While not watching: at start there is nothing cached to compare with, so
 * the route is compared with the newest record of the trail (the plugin's
 * applied write or an observed change); a different split under a newer
 * resourceVersion is recorded as one change "while the plugin was not
 * watching", attributed to the route's last writer. Intermediate changes
 * made while no replica ran are not knowable and are not invented. Routes
 * the trail has never recorded are a baseline, not a change.
 */
export class ObservedChangeRecorder {
  // One chain: records of one object are written in the order seen, and a
  // start's burst of comparisons does not flood the database.
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly recordedVirtualServices = new Map<
    string,
    Promise<Set<string>>
  >();

  constructor(
    private readonly options: {
      store: AuditStore;
      caches: ClusterCaches;
      catalog: CatalogService;
      auth: AuthService;
      policy: OwnershipPolicy;
      logger: LoggerService;
      /**
       * After a change was recorded: the tab refetches its history on a
       * change signal, which the watch sent before the record existed.
       */
      onRecorded?: (cluster: string, namespace: string) => void;
    },
  ) {}

  /** The ClusterCaches `onVirtualService` hook. */
  handle(cluster: string, event: ObjectEvent) {
    if (this.stopped) return;
    this.queue = this.queue
      .then(() => this.record(cluster, event))
      .catch(error =>
        this.options.logger.warn(
          `could not record an observed change of VirtualService ${event.object?.metadata?.namespace}/${event.object?.metadata?.name} on cluster ${cluster}: ${error}`,
        ),
      );
  }

  /** Waits for what was already seen to be recorded; records nothing more. */
  async stop() {
    this.stopped = true;
    await this.queue;
  }

  // Per cluster, loaded once at its first list (see record()).
  private onRecord(cluster: string): Promise<Set<string>> {
    let found = this.recordedVirtualServices.get(cluster);
    if (!found) {
      found = this.options.store.virtualServicesOnRecord(cluster);
      this.recordedVirtualServices.set(cluster, found);
      found.catch(() => this.recordedVirtualServices.delete(cluster));
    }
    return found;
  }

  private async record(cluster: string, event: ObjectEvent) {
    const { object, previous } = event;
    const metadata = object?.metadata ?? {};
    const writer = lastRouteWriter(metadata.managedFields);
    // The plugin's own writes have their own records (applied, or unknown
    // until settled).
    if (writer?.manager === FIELD_MANAGER) return;
    const notWatching = previous === undefined;
    // A start lists every VirtualService: only those with a route on record
    // can differ from it, so the others cost no query.
    if (
      event.via === 'initial-list' &&
      !(await this.onRecord(cluster)).has(
        `${metadata.namespace}/${metadata.name}`,
      )
    ) {
      return;
    }
    const changes: Array<
      ObservedRouteChange & { recordedResourceVersion?: string }
    > = notWatching
      ? await this.changesSinceLastRecord(cluster, object)
      : observedRouteChanges(previous, object);
    if (changes.length === 0) return;

    const entityRef = await this.boundEntity(cluster, object);
    const by = writer
      ? `${writer.manager}${writer.operation ? ` (${writer.operation})` : ''}`
      : 'an unknown writer (no managedFields)';
    let recorded = false;
    for (const change of changes) {
      const key = [
        cluster,
        metadata.uid,
        metadata.resourceVersion,
        change.route,
      ].join('/');
      const inserted = await this.options.store.appendObserved(
        {
          actor: writer?.manager,
          entityRef,
          action: OBSERVED_ACTION,
          outcome: 'observed',
          cluster,
          namespace: metadata.namespace,
          virtualService: metadata.name,
          route: change.route,
          weightsBefore: change.before,
          weightsAfter: change.after,
          resourceVersionBefore: notWatching
            ? change.recordedResourceVersion
            : previous?.metadata?.resourceVersion,
          resourceVersionAfter: metadata.resourceVersion,
          message: `${by} changed ${describeObservedChange(change)}${
            notWatching ? ' (while the plugin was not watching)' : ''
          }`,
        },
        key,
      );
      if (inserted) {
        recorded = true;
        this.options.logger.info(
          `observed change on cluster ${cluster}, VirtualService ${
            metadata.namespace
          }/${metadata.name}: ${by} changed ${describeObservedChange(change)}`,
        );
      }
    }
    if (recorded) this.options.onRecorded?.(cluster, metadata.namespace);
  }

  // The routes whose split differs from the newest record of the trail.
  private async changesSinceLastRecord(
    cluster: string,
    object: any,
  ): Promise<
    Array<ObservedRouteChange & { recordedResourceVersion?: string }>
  > {
    const { namespace, name, resourceVersion } = object.metadata ?? {};
    const page = await this.options.store.list({
      virtualService: { cluster, namespace, name },
      limit: 100,
    });
    const lastByRoute = new Map<
      string | number,
      { snapshot: RouteSnapshot; resourceVersion?: string }
    >();
    for (const record of page.items) {
      if (!isTrafficChangeOutcome(record.outcome)) continue;
      const after = record.weightsAfter as RouteSnapshot | undefined;
      if (!after || !Array.isArray(after.destinations)) continue;
      const key = after.name ?? after.index;
      if (!lastByRoute.has(key)) {
        lastByRoute.set(key, {
          snapshot: after,
          resourceVersion: record.resourceVersionAfter,
        });
      }
    }
    const routes: unknown[] = Array.isArray(object.spec?.http)
      ? object.spec.http
      : [];
    const changes: Array<
      ObservedRouteChange & { recordedResourceVersion?: string }
    > = [];
    routes.forEach((route, index) => {
      const now = snapshotRoute(route, index);
      const key = now.name ?? index;
      const last = lastByRoute.get(key);
      if (!last || last.resourceVersion === resourceVersion) return;
      if (sameSplit(last.snapshot, now)) return;
      changes.push({
        route: key,
        before: last.snapshot,
        after: now,
        matchChanged: false,
        recordedResourceVersion: last.resourceVersion,
      });
    });
    return changes;
  }

  // The entity the cluster binds the VirtualService to (its label, else its
  // namespace's), when exactly one catalog entity claims that id; else ''
  // (a shared or unbound VirtualService: entities find its changes through
  // their views, see the history route).
  private async boundEntity(cluster: string, object: any): Promise<string> {
    const { label } = this.options.policy;
    const namespace = this.options.caches
      .get(cluster)
      ?.find('namespaces', '', object.metadata?.namespace ?? '');
    const id =
      object.metadata?.labels?.[label] ?? namespace?.metadata?.labels?.[label];
    if (!id) return '';
    const { items } = await this.options.catalog.getEntities(
      {
        filter: { [`metadata.annotations.${KUBERNETES_ANNOTATIONS.id}`]: id },
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials: await this.options.auth.getOwnServiceCredentials() },
    );
    return items.length === 1 ? stringifyEntityRef(items[0]) : '';
  }
}
