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

import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CanaryAnalysisView,
  ClusterRolloutView,
  RouteTarget,
  EntityBinding,
  FlaggerCanaryStateView,
  VirtualServiceView,
  routeWriteRefusal,
  EntityRolloutView,
  EntityClusterObjects,
  buildHttpRouteViews,
  buildVirtualServiceViews,
  EntityHttpRouteObjects,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { EntityAccess, bindingLookup } from './EntityAccess';
import {
  selectEntityHttpRouteObjects,
  selectEntityObjects,
} from './entityNamespaces';
import { FlaggerGateReader } from './flaggerGateReader';
import { SignalTopics } from './signalTopics';
import { AuditStore } from '../database/AuditStore';
import {
  TrafficMetricsService,
  ViewMetricsContext,
} from '../metrics/TrafficMetricsService';
import { recordedStableOf } from './recordedStable';
import { createTrafficRouter } from '../traffic/createTrafficRouter';
import { RouteKind, TrafficRouter } from '../traffic/TrafficRouter';

/** How long a request waits for a cluster's first list before answering. */
const FIRST_SYNC_WAIT_MS = 5_000;

/**
 * Computes an entity's rollout view from the watch-backed caches. The
 * catalog says which objects belong to the entity (annotations); the pure
 * functions of the common package turn those objects into the view.
 */
// How old the catalog's answer to "who claims this kubernetes-id" may be
// when it only marks routes read-only in a view.
const VIEW_BINDING_MAX_AGE_MS = 5_000;

export class RolloutViewService {
  constructor(
    private readonly options: {
      caches: ClusterCaches;
      /** Says which routes the cluster does not let the entity change. */
      access: EntityAccess;
      /** The view says which change signals concern it. */
      topics: SignalTopics;
      /** Says which Flagger gates are open; without it they all show closed. */
      flaggerGates?: FlaggerGateReader;
      /**
       * Observed traffic and canary analysis from Prometheus; without it
       * (no `istioRollouts.metrics`) views have neither.
       */
      metrics?: TrafficMetricsService;
      /** Where a route's stable version was recorded when its canary began. */
      auditStore?: AuditStore;
    },
  ) {}

  /**
   * The VirtualServices an entity's view shows, on each cluster it may use:
   * its history lists their observed changes. Without building the view.
   */
  virtualServicesOf(
    entity: Entity,
  ): Array<{ cluster: string; namespace: string; name: string }> {
    const annotations = readRolloutAnnotations(entity);
    return this.options.caches
      .list()
      .filter(c => !annotations.cluster || c.name === annotations.cluster)
      .filter(c => c.isSynced)
      .flatMap(cache =>
        selectEntityObjects(annotations, cache).virtualServices.map(
          (vs: any) => ({
            cluster: cache.name,
            namespace: vs.metadata?.namespace,
            name: vs.metadata?.name,
          }),
        ),
      );
  }

  /** The view of an entity, as the user's catalog returned it (authorized). */
  async getEntityView(entity: Entity): Promise<EntityRolloutView> {
    const ref = stringifyEntityRef(entity);
    const annotations = readRolloutAnnotations(entity);
    // A catalog query: made only when some cluster has routes to mark.
    let binding: Promise<EntityBinding> | undefined;
    const { topics } = this.options;
    const all = this.options.caches.list();
    const clusters: ClusterRolloutView[] = [];

    if (annotations.cluster && !all.some(c => c.name === annotations.cluster)) {
      clusters.push({
        cluster: annotations.cluster,
        virtualServices: [],
        error: {
          type: 'unknown',
          message: `cluster '${annotations.cluster}' named by backstage.io/kubernetes-cluster is not configured`,
        },
        signalTopics: topics.clusterView(annotations.cluster),
      });
    }
    const targets = annotations.cluster
      ? all.filter(c => c.name === annotations.cluster)
      : all;
    for (const cache of targets) {
      await cache.waitForSync(FIRST_SYNC_WAIT_MS);
      const error = cache.error();
      if (error) {
        clusters.push({
          cluster: cache.name,
          virtualServices: [],
          error,
          signalTopics: topics.clusterView(cache.name),
        });
        continue;
      }
      const selected = selectEntityObjects(annotations, cache);
      const httpRoutes = selectEntityHttpRouteObjects(annotations, cache);
      const views = [
        ...buildVirtualServiceViews(selected),
        ...buildHttpRouteViews(httpRoutes),
      ];
      await this.describeFlaggerGates(views, cache);
      if (views.length) {
        // The marks are a hint for the tab (every write checks afresh), so
        // the claimants of the entity's id may be a few seconds old.
        binding ??= this.options.access.binding(entity, {
          maxAgeMs: VIEW_BINDING_MAX_AGE_MS,
        });
        markReadOnly(views, await binding, cache);
        await this.options.metrics?.describe(
          views,
          this.metricsContext(entity, cache.name),
        );
      }
      const freshness = cache.freshness();
      clusters.push({
        cluster: cache.name,
        virtualServices: views,
        ...(freshness.syncedAt !== undefined && {
          syncedAt: new Date(freshness.syncedAt).toISOString(),
        }),
        ...(freshness.stale && {
          stale: {
            since: new Date(freshness.stale.since).toISOString(),
            message: freshness.stale.message,
          },
        }),
        signalTopics: topics.clusterView(
          cache.name,
          views.length
            ? new Set([...namespacesOf(selected), ...namespacesOf(httpRoutes)])
            : undefined,
        ),
      });
    }
    return { entityRef: ref, clusters, generatedAt: new Date().toISOString() };
  }

  /**
   * The canary analysis of one route of the entity, fresh (a promotion
   * request's route); undefined without metrics, without a canary on that
   * route, or when the cluster cannot be read.
   */
  async routeAnalysis(
    entity: Entity,
    target: RouteTarget,
  ): Promise<CanaryAnalysisView | undefined> {
    const { metrics, caches } = this.options;
    const cache = caches.get(target.cluster);
    if (!metrics || !cache) return undefined;
    const annotations = readRolloutAnnotations(entity);
    if (annotations.cluster && annotations.cluster !== target.cluster) {
      return undefined;
    }
    await cache.waitForSync(FIRST_SYNC_WAIT_MS);
    if (cache.error()) return undefined;
    const views = buildVirtualServiceViews(
      selectEntityObjects(annotations, cache),
    ).filter(
      vs =>
        vs.namespace === target.namespace && vs.name === target.virtualService,
    );
    await metrics.describe(views, this.metricsContext(entity, cache.name));
    const analysis = views[0]?.analysis;
    const route = views[0]?.routes.find(r => r.index === analysis?.route);
    if (!analysis || !route) return undefined;
    const same =
      typeof target.route === 'number'
        ? route.index === target.route
        : route.name === target.route;
    return same ? analysis : undefined;
  }

  private metricsContext(entity: Entity, cluster: string): ViewMetricsContext {
    const entityRef = stringifyEntityRef(entity);
    return {
      entity,
      cluster,
      recordedStable: (vs, route) =>
        recordedStableOf(this.options.auditStore, {
          entityRef,
          cluster,
          namespace: vs.namespace,
          virtualService: vs.name,
          route,
        }),
    };
  }

  // The pure view knows a Canary's gates but not whether they are open:
  // the gate service's records say. Each Canary is described once, even
  // when it drives several of the views.
  private async describeFlaggerGates(
    views: VirtualServiceView[],
    cache: ClusterObjectCache,
  ) {
    const reader = this.options.flaggerGates;
    if (!reader) return;
    const described = new Map<string, Promise<FlaggerCanaryStateView>>();
    await Promise.all(
      views.map(async vs => {
        const managedBy = vs.managedBy;
        const state = managedBy?.flagger;
        if (!managedBy || !state) return;
        const key = `${managedBy.namespace}/${managedBy.name}`;
        let pending = described.get(key);
        if (!pending) {
          const canary = cache.find(
            'canaries',
            managedBy.namespace,
            managedBy.name,
          );
          pending = reader.describe(cache.name, canary, state);
          described.set(key, pending);
        }
        try {
          managedBy.flagger = await pending;
        } catch (error) {
          // The gates' records are the plugin's own; without them the view
          // still shows the Canary, with its gates closed, and says so.
          vs.warnings.push({
            code: 'flagger-gates-unknown',
            severity: 'warning',
            message: `The state of the gates of Flagger Canary ${key} could not be read (${
              (error as Error).message
            }); they show as closed.`,
          });
        }
      }),
    );
  }
}

// Annotations decide what the tab shows; the cluster decides what may
// change. Each route the entity could not change says why, as a write
// would be refused.
function markReadOnly(
  views: VirtualServiceView[],
  binding: EntityBinding,
  cache: ClusterObjectCache,
) {
  const lookup = bindingLookup(cache);
  const routers = new Map<RouteKind, TrafficRouter>();
  for (const vs of views) {
    const kind = vs.kind ?? 'VirtualService';
    let router = routers.get(kind);
    if (!router) {
      router = createTrafficRouter({ kind, cache });
      routers.set(kind, router);
    }
    const raw = cache.find(
      kind === 'HTTPRoute' ? 'httpRoutes' : 'virtualServices',
      vs.namespace,
      vs.name,
    );
    const meta = {
      kind,
      namespace: vs.namespace,
      name: vs.name,
      labels: raw?.metadata?.labels,
    };
    // No route at all: is the routing object itself the entity's?
    const whole = routeWriteRefusal(binding, meta, [], lookup);
    if (whole) vs.readOnly = whole;
    for (const route of vs.routes) {
      // Hosts from the route as written (every mirror included).
      const refusal =
        whole ??
        routeWriteRefusal(
          binding,
          meta,
          raw ? router.routeHosts(raw, route.index) : [],
          lookup,
        );
      if (refusal) route.readOnly = refusal;
    }
  }
}

// The namespaces a change in which may change the view: those of the
// objects it was computed from (VirtualServices, DestinationRules,
// Services, the versions' workloads and their controllers), and those of
// named VirtualServices not found yet (HTTPRoutes likewise).
function namespacesOf(
  selected: EntityClusterObjects | EntityHttpRouteObjects,
): Set<string> {
  const namespaces = new Set<string>();
  const kinds: Array<Array<{ metadata?: { namespace?: string } }>> =
    'httpRoutes' in selected
      ? [
          selected.httpRoutes ?? [],
          selected.services ?? [],
          selected.deployments ?? [],
        ]
      : [
          selected.virtualServices,
          selected.destinationRules,
          selected.services,
          selected.deployments,
          selected.rollouts,
          selected.canaries,
        ];
  for (const objects of kinds) {
    for (const object of objects) {
      if (object.metadata?.namespace) namespaces.add(object.metadata.namespace);
    }
  }
  for (const ref of selected.notFound) {
    if (ref.namespace) namespaces.add(ref.namespace);
  }
  return namespaces;
}
