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
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_OWNED_BY,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  KUBERNETES_ANNOTATIONS,
  ReleaseInFlight,
  ReleaseSinceSource,
  ReleasesInFlightPage,
  ReleasesInFlightQuery,
  RouteInFlight,
  RoutingObjectKind,
  buildHttpRouteViews,
  buildVirtualServiceViews,
  describeRouteInFlight,
  istioRolloutsAuditReadPermission,
  istioRolloutsReadPermission,
  lastSpecWrite,
  routeBoundId,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { AuditStore } from '../database/AuditStore';
import { PromotionRequestStore } from '../database/PromotionRequestStore';
import { createTrafficRouter } from '../traffic/createTrafficRouter';
import { bindingLookup } from './EntityAccess';
import { routedNamespaces } from './entityNamespaces';
import { RouteChangeTimes, routeKey } from './RouteChangeTimes';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 50;
/** How long a request waits for a cluster's first list. */
const FIRST_SYNC_WAIT_MS = 5_000;
/** How old the catalog's answer to "which entity claims this id" may be. */
const DEFAULT_ENTITY_TTL_MS = 30_000;
/** Ids per catalog query. */
const IDS_PER_QUERY = 100;

/** A route in flight as the cluster alone says it (no catalog, no audit). */
interface ScannedRoute extends RouteInFlight {
  key: string;
  cluster: string;
  namespace: string;
  kind: RoutingObjectKind;
  name: string;
  route: { index: number; name?: string };
  labels?: Record<string, string>;
  /** Labels of the Rollout or Canary that drives the route, if any. */
  controllerLabels?: Record<string, string>;
  hosts: string[];
  /** From managedFields or creation, until the audit trail says better. */
  since?: string;
  sinceSource: ReleaseSinceSource;
}

interface NamespaceScan {
  revision: string;
  routes: ScannedRoute[];
}

interface ClaimedEntity {
  ref: string;
  title?: string;
  owner?: string;
}

/** A release in flight before visibility and paging. */
type Row = ReleaseInFlight & { sinceMs: number };

/**
 * Lists, from the watch caches of every cluster, each route that is half-way
 * through a release, with the entity the cluster binds it to, its owner and
 * since when it has been so. The cost of a call follows the number of routes
 * in flight, not the size of the catalog: the catalog is asked only about the
 * ids those routes are bound to, and each namespace's routes are re-read only
 * when an object in it changed.
 */
export class ReleasesInFlightService {
  private readonly scans = new WeakMap<
    ClusterObjectCache,
    Map<string, NamespaceScan>
  >();
  private readonly changeTimes: RouteChangeTimes;
  private readonly claims = new Map<
    string,
    { at: number; entities: ClaimedEntity[] }
  >();

  constructor(
    private readonly options: {
      caches: ClusterCaches;
      catalog: CatalogService;
      auth: AuthService;
      permissions: PermissionsService;
      auditStore: AuditStore;
      requestStore: PromotionRequestStore;
      /** The label that binds objects to entities (`istioRollouts.ownership.label`). */
      ownershipLabel: string;
      /** Routes in their state longer than this are stale. */
      staleAfterMs: number;
      entityTtlMs?: number;
      now?: () => number;
    },
  ) {
    this.changeTimes = new RouteChangeTimes(options.auditStore);
  }

  get staleAfterMs(): number {
    return this.options.staleAfterMs;
  }

  /**
   * One page of the releases in flight the user may see: everything for
   * holders of the audit permission (platform teams, who also see routes
   * bound to no entity); otherwise the routes of entities the user may read
   * in the catalog and may see the rollouts of.
   */
  async list(
    query: ReleasesInFlightQuery,
    credentials: BackstageCredentials,
  ): Promise<ReleasesInFlightPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { rows, clusterErrors } = await this.rows();
    const visible = await this.visibleTo(rows, credentials);
    const owner = query.owner ? normalizeOwner(query.owner) : undefined;
    const now = this.now();
    const matching = visible.filter(
      row =>
        (!query.cluster || row.cluster === query.cluster) &&
        (!query.namespace || row.namespace === query.namespace) &&
        (!query.strategy || row.strategy === query.strategy) &&
        (!owner || row.entity?.owner?.toLocaleLowerCase('en-US') === owner) &&
        (!query.staleOnly || row.stale) &&
        (query.minAgeDays === undefined ||
          now - row.sinceMs >= query.minAgeDays * DAY_MS),
    );
    matching.sort(compareRows);
    const start = after
      ? matching.findIndex(row => compareRows(row, after) > 0)
      : 0;
    const limit = query.limit ?? DEFAULT_LIMIT;
    const from = start < 0 ? matching.length : start;
    const page = matching.slice(from, from + limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ sinceMs: _, ...item }) => item),
      ...(from + limit < matching.length &&
        last && { nextCursor: encodeCursor(last) }),
      total: matching.length,
      staleTotal: matching.filter(row => row.stale).length,
      staleAfterDays: this.options.staleAfterMs / DAY_MS,
      clusterErrors,
      generatedAt: new Date(now).toISOString(),
    };
  }

  /**
   * Every stale release bound to an entity with an owner, grouped by owner:
   * what the daily notification tells each team.
   */
  async staleByOwner(): Promise<Map<string, ReleaseInFlight[]>> {
    const { rows } = await this.rows();
    const byOwner = new Map<string, ReleaseInFlight[]>();
    for (const { sinceMs: _, ...row } of rows.sort(compareRows)) {
      const owner = row.entity?.owner;
      if (!row.stale || !owner) continue;
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), row]);
    }
    return byOwner;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  // Every route in flight on every cluster, bound, dated and counted.
  private async rows(): Promise<{
    rows: Row[];
    clusterErrors: ReleasesInFlightPage['clusterErrors'];
  }> {
    const caches = this.options.caches.list();
    await Promise.all(caches.map(c => c.waitForSync(FIRST_SYNC_WAIT_MS)));
    const clusterErrors: ReleasesInFlightPage['clusterErrors'] = [];
    const scanned: ScannedRoute[] = [];
    const lookups = new Map<string, ReturnType<typeof bindingLookup>>();
    for (const cache of caches) {
      const error = cache.error();
      if (error) {
        clusterErrors.push({ cluster: cache.name, message: error.message });
        continue;
      }
      if (!cache.isSynced) {
        clusterErrors.push({
          cluster: cache.name,
          message: `cluster ${cache.name} has not been listed yet`,
        });
        continue;
      }
      lookups.set(cache.name, bindingLookup(cache));
      scanned.push(...this.scanCluster(cache));
    }

    // Bindings are read on every call: a namespace's or Service's labels
    // can change without any route changing.
    const label = this.options.ownershipLabel;
    const bound = scanned.map(route => {
      const binding = routeBoundId(
        label,
        {
          kind: route.kind,
          namespace: route.namespace,
          name: route.name,
          labels: route.labels,
        },
        route.hosts,
        lookups.get(route.cluster)!,
      );
      // A controller generates its route objects (Flagger's VirtualService
      // and Services) without the binding label; the Rollout or Canary a
      // team writes carries it.
      const viaController = route.controllerLabels?.[label];
      return {
        route,
        binding:
          'problem' in binding && viaController
            ? { id: viaController }
            : binding,
      };
    });
    const ids = [
      ...new Set(bound.flatMap(b => ('id' in b.binding ? [b.binding.id] : []))),
    ];
    const [claims, , pending] = await Promise.all([
      this.claimsOf(ids),
      this.changeTimes.refresh(),
      this.options.requestStore.pendingCounts(),
    ]);
    const pendingOf = new Map<string, number>();
    for (const p of pending) {
      const key = routeKey(p, p.route);
      pendingOf.set(key, (pendingOf.get(key) ?? 0) + p.count);
    }

    const now = this.now();
    const rows = bound.map(({ route, binding }): Row => {
      const {
        labels: _labels,
        controllerLabels: _controllerLabels,
        hosts: _hosts,
        since: scannedSince,
        sinceSource: scannedSource,
        ...rest
      } = route;
      // The trail names a route by index or by name, as the write did.
      const names = [
        String(route.route.index),
        ...(route.route.name ? [route.route.name] : []),
      ];
      const routeKeys = names.map(n => routeKey(route, n));
      const recorded = Math.max(
        ...names.map(n => this.changeTimes.lastChange(route, n) ?? -Infinity),
      );
      let sinceMs: number;
      let sinceSource: ReleaseSinceSource;
      if (Number.isFinite(recorded)) {
        sinceMs = recorded;
        sinceSource = 'audit';
      } else {
        sinceMs = scannedSince ? Date.parse(scannedSince) : now;
        sinceSource = scannedSource;
      }
      const row: Row = {
        ...rest,
        since: new Date(sinceMs).toISOString(),
        sinceSource,
        sinceMs,
        stale: now - sinceMs > this.options.staleAfterMs,
        pendingRequests: routeKeys.reduce(
          (sum, k) => sum + (pendingOf.get(k) ?? 0),
          0,
        ),
      };
      if ('problem' in binding) {
        row.unbound = binding.problem;
      } else {
        const claimants = claims.get(binding.id) ?? [];
        if (claimants.length === 1) {
          row.entity = claimants[0];
        } else {
          row.unbound = claimants.length
            ? `backstage.io/kubernetes-id '${
                binding.id
              }' is claimed by ${claimants
                .map(c => c.ref)
                .join(
                  ', ',
                )}; the route belongs to none of them until one alone claims it`
            : `The cluster binds this route to '${binding.id}', and no catalog entity has that backstage.io/kubernetes-id`;
        }
      }
      return row;
    });
    return { rows, clusterErrors };
  }

  // A cluster's routes in flight; each namespace's are kept until an object
  // in it (or in a namespace its routes send traffic to) changes.
  private scanCluster(cache: ClusterObjectCache): ScannedRoute[] {
    let byNamespace = this.scans.get(cache);
    if (!byNamespace) {
      byNamespace = new Map();
      this.scans.set(cache, byNamespace);
    }
    const namespaces = new Set([
      ...cache.namespacesOf('virtualServices'),
      ...cache.namespacesOf('httpRoutes'),
    ]);
    for (const ns of byNamespace.keys()) {
      if (!namespaces.has(ns)) byNamespace.delete(ns);
    }
    const routes: ScannedRoute[] = [];
    for (const ns of namespaces) {
      const own = new Set([ns]);
      const deps = [
        ns,
        ...routedNamespaces(
          [...cache.objectsIn(own).virtualServices],
          own,
          cache,
        ),
      ];
      const revision = `${deps.join(',')}@${cache.revision(deps)}`;
      let scan = byNamespace.get(ns);
      if (scan?.revision !== revision) {
        scan = { revision, routes: scanNamespace(cache, ns, deps) };
        byNamespace.set(ns, scan);
      }
      routes.push(...scan.routes);
    }
    return routes;
  }

  // Which entities claim each id: asked as the plugin (every claimant
  // counts, as for writes), only for the ids of routes in flight.
  private async claimsOf(ids: string[]): Promise<Map<string, ClaimedEntity[]>> {
    const ttl = this.options.entityTtlMs ?? DEFAULT_ENTITY_TTL_MS;
    const now = this.now();
    const result = new Map<string, ClaimedEntity[]>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.claims.get(id);
      if (cached && now - cached.at <= ttl) result.set(id, cached.entities);
      else missing.push(id);
    }
    if (!missing.length) return result;
    const credentials = await this.options.auth.getOwnServiceCredentials();
    const annotation = `metadata.annotations.${KUBERNETES_ANNOTATIONS.id}`;
    for (let i = 0; i < missing.length; i += IDS_PER_QUERY) {
      const chunk = missing.slice(i, i + IDS_PER_QUERY);
      const { items } = await this.options.catalog.getEntities(
        {
          filter: { [annotation]: chunk },
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            'metadata.title',
            'metadata.annotations',
            'spec.owner',
            'relations',
          ],
        },
        { credentials },
      );
      const found = new Map<string, ClaimedEntity[]>(chunk.map(id => [id, []]));
      for (const entity of items) {
        const id =
          entity.metadata.annotations?.[KUBERNETES_ANNOTATIONS.id]?.trim();
        if (id && found.has(id)) found.get(id)!.push(claimedEntity(entity));
      }
      for (const [id, entities] of found) {
        this.claims.set(id, { at: now, entities });
        result.set(id, entities);
      }
    }
    // Bounded: ids no route is bound to any more go with the next sweep.
    if (this.claims.size > 4 * ids.length + 1000) {
      const keep = new Set(ids);
      for (const id of this.claims.keys()) {
        if (!keep.has(id)) this.claims.delete(id);
      }
    }
    return result;
  }

  private async visibleTo(
    rows: Row[],
    credentials: BackstageCredentials,
  ): Promise<Row[]> {
    const { permissions, catalog } = this.options;
    const [all] = await permissions.authorize(
      [{ permission: istioRolloutsAuditReadPermission }],
      { credentials },
    );
    if (all.result === AuthorizeResult.ALLOW) return rows;
    const refs = [
      ...new Set(rows.flatMap(row => (row.entity ? [row.entity.ref] : []))),
    ];
    if (!refs.length) return [];
    // The catalog as the user sees it, then the plugin's own permission on
    // each entity the user may see.
    const { items } = await catalog.getEntitiesByRefs(
      {
        entityRefs: refs,
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials },
    );
    // getEntitiesByRefs answers in the order asked, null where not visible.
    const seen = refs.filter((_, i) => items[i]);
    const decisions = seen.length
      ? await permissions.authorize(
          seen.map(resourceRef => ({
            permission: istioRolloutsReadPermission,
            resourceRef,
          })),
          { credentials },
        )
      : [];
    const allowed = new Set(
      seen.filter((_, i) => decisions[i]?.result === AuthorizeResult.ALLOW),
    );
    return rows.filter(row => row.entity && allowed.has(row.entity.ref));
  }
}

// The routes in flight of one namespace's VirtualServices and HTTPRoutes,
// from the same views the entity tab shows.
function scanNamespace(
  cache: ClusterObjectCache,
  namespace: string,
  deps: string[],
): ScannedRoute[] {
  const objects = cache.objectsIn(deps);
  const views = [
    ...buildVirtualServiceViews(objects),
    ...(cache.hasNamespace('httpRoutes', namespace)
      ? buildHttpRouteViews({
          ...objects,
          httpRoutes: objects.httpRoutes ?? [],
        })
      : []),
  ].filter(view => view.namespace === namespace);
  const routes: ScannedRoute[] = [];
  for (const view of views) {
    const kind: RoutingObjectKind = view.kind ?? 'VirtualService';
    const raw = cache.find(
      kind === 'HTTPRoute' ? 'httpRoutes' : 'virtualServices',
      namespace,
      view.name,
    );
    const controller = view.managedBy
      ? cache.find(
          view.managedBy.controller === 'flagger' ? 'canaries' : 'rollouts',
          view.managedBy.namespace,
          view.managedBy.name,
        )
      : undefined;
    const written = lastSpecWrite(raw?.metadata?.managedFields);
    const created = raw?.metadata?.creationTimestamp;
    let router: ReturnType<typeof createTrafficRouter> | undefined;
    for (const route of view.routes) {
      const inFlight = describeRouteInFlight(view, route);
      if (!inFlight) continue;
      router ??= createTrafficRouter({ kind, cache });
      routes.push({
        ...inFlight,
        key: [cache.name, kind, namespace, view.name, route.index].join('/'),
        cluster: cache.name,
        namespace,
        kind,
        name: view.name,
        route: {
          index: route.index,
          ...(route.name !== undefined && { name: route.name }),
        },
        labels: raw?.metadata?.labels,
        ...(controller?.metadata?.labels && {
          controllerLabels: controller.metadata.labels,
        }),
        hosts: raw ? router.routeHosts(raw, route.index) : [],
        since: written ?? (typeof created === 'string' ? created : undefined),
        sinceSource: written ? 'managed-fields' : 'created',
      });
    }
  }
  return routes;
}

function claimedEntity(entity: Entity): ClaimedEntity {
  const ref = stringifyEntityRef(entity);
  const ownedBy = entity.relations?.find(r => r.type === RELATION_OWNED_BY);
  let owner = ownedBy?.targetRef;
  const specOwner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (!owner && typeof specOwner === 'string' && specOwner) {
    try {
      owner = stringifyEntityRef(
        parseEntityRef(specOwner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      );
    } catch {
      owner = undefined;
    }
  }
  return {
    ref,
    ...(entity.metadata.title && { title: entity.metadata.title }),
    ...(owner && { owner }),
  };
}

function normalizeOwner(owner: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    ).toLocaleLowerCase('en-US');
  } catch {
    throw new InputError(`owner '${owner}' is not an entity reference`);
  }
}

// Oldest first (the longest-running releases are the ones to look at),
// then by key, so pages are stable.
function compareRows(
  a: { sinceMs: number; key: string },
  b: { sinceMs: number; key: string },
): number {
  if (a.sinceMs !== b.sinceMs) return a.sinceMs - b.sinceMs;
  if (a.key === b.key) return 0;
  return a.key < b.key ? -1 : 1;
}

function encodeCursor(row: { sinceMs: number; key: string }): string {
  return Buffer.from(JSON.stringify([row.sinceMs, row.key])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { sinceMs: number; key: string } {
  try {
    const [sinceMs, key] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (typeof sinceMs === 'number' && typeof key === 'string') {
      return { sinceMs, key };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InputError('cursor: not a cursor this endpoint returned');
}
