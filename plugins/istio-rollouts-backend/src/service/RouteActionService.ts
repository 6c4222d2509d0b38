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
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  KeptRunning,
  RolloutWarning,
  RouteActionRequest,
  RouteActionResult,
  RouteChangePlan,
  RouteOperation,
  RouteSnapshot,
  ScaleRequest,
  ScaleResult,
  VirtualServiceView,
  DestinationRef,
  EntityBinding,
  RollbackOperation,
  buildHttpRouteViews,
  buildVirtualServiceViews,
  raisesNonStableShare,
  refersTo,
  stableVersion,
  describeSplit,
  istioRolloutsApplyPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeApiError, KubeRequestError } from '../cluster/KubeApi';
import { FIELD_MANAGER } from '../fieldManager';
import { createTrafficRouter } from '../traffic/createTrafficRouter';
import { RouteKind, TrafficRouter } from '../traffic/TrafficRouter';
import { AuditStore } from '../database/AuditStore';
import { EntityAccess } from './EntityAccess';
import {
  selectEntityHttpRouteObjects,
  selectEntityObjects,
} from './entityNamespaces';
import {
  ClusterUnavailableError,
  RouteConflictError,
  UnprocessableError,
  WriteOutcomeUnknownError,
  clusterFailure,
} from '../errors';
import { PendingRoute, scaleRefusal } from './scaleGuards';
import { recordedStableOf } from './recordedStable';

/** How long to watch a GitOps-tracked VirtualService for a revert after a write. */
const DEFAULT_DRIFT_WATCH_MS = 3_000;

function permissionFor(
  operation: RouteOperation,
): ResourcePermission<'catalog-entity'> {
  return operation.type === 'rollback'
    ? istioRolloutsRollbackPermission
    : istioRolloutsApplyPermission;
}

/** How a promotion request uses {@link RouteActionService.applyRouteAction}. */
export interface ApplyRouteActionOptions {
  /**
   * The permission to check instead of the operation's own: a request is
   * validated (as a dry run) under the request permission.
   */
  permission?: ResourcePermission<'catalog-entity'>;
  /**
   * Apply only if the route still is as it was when the change was
   * requested (read fresh from the API server); otherwise StaleRequestError.
   */
  expectRoute?: RouteSnapshot;
  /**
   * With expectRoute: the split the change must produce, as approved (a
   * promote-next planned under other canary steps would not be what the
   * approver saw); otherwise StaleRequestError.
   */
  expectAfter?: RouteSnapshot;
  /**
   * Refuse (403, with this message) a change that raises a non-stable
   * version's share: where owners must request, releasing goes through
   * approval.
   */
  refuseRaising?: string;
}

/**
 * Moves traffic for an entity: authorize against the entity (catalog-based
 * permissions), check that the route is the entity's, not driven by a
 * controller, and sends traffic only to versions with ready pods, then let
 * the mesh's TrafficRouter plan and apply the patch.
 */
export class RouteActionService {
  private readonly driftWatchMs: number;
  // One router per cluster cache and kind, kept: it remembers its own
  // recent writes (a cluster found again gets a new cache, and new routers).
  private readonly routers = new WeakMap<
    ClusterObjectCache,
    Map<RouteKind, TrafficRouter>
  >();

  constructor(
    private readonly options: {
      caches: ClusterCaches;
      access: EntityAccess;
      logger: LoggerService;
      driftWatchMs?: number;
      /** Where the stable version of a route was recorded when its canary began. */
      auditStore?: AuditStore;
    },
  ) {
    this.driftWatchMs = options.driftWatchMs ?? DEFAULT_DRIFT_WATCH_MS;
  }

  async applyRouteAction(
    entityRef: CompoundEntityRef,
    request: RouteActionRequest,
    credentials: BackstageCredentials,
    options: ApplyRouteActionOptions = {},
  ): Promise<RouteActionResult> {
    return unanswered(
      request.target.cluster,
      request.dryRun,
      this.routeAction(entityRef, request, credentials, options),
    );
  }

  private async routeAction(
    entityRef: CompoundEntityRef,
    request: RouteActionRequest,
    credentials: BackstageCredentials,
    options: ApplyRouteActionOptions,
  ): Promise<RouteActionResult> {
    const { target, operation } = request;
    const { ref, entity } = await this.options.access.authorize(
      entityRef,
      options.permission ?? permissionFor(operation),
      credentials,
      options.permission ? 'request traffic changes of' : 'move traffic of',
    );
    const kind: RouteKind = target.kind ?? 'VirtualService';
    const { cache, vs, annotations } = await this.locate(
      ref,
      entity,
      target.cluster,
      target.namespace,
      target.virtualService,
      kind,
    );
    if (vs.managedBy) {
      const controller =
        vs.managedBy.controller === 'argo-rollouts'
          ? 'Argo Rollouts'
          : 'Flagger';
      throw new RouteConflictError(
        `${kind} ${vs.namespace}/${vs.name} is driven by ${controller} (${vs.managedBy.namespace}/${vs.managedBy.name}); change the rollout through ${controller}, not here`,
      );
    }
    const binding = await this.options.access.binding(entity);
    const finishing = operation.type === 'finish' && operation.scaleDownOld;
    if (finishing) {
      // Before the route is written: finish must not move traffic and then
      // fail on the scale permission.
      await this.options.access.authorize(
        entityRef,
        istioRolloutsScalePermission,
        credentials,
        'scale versions of',
      );
    }

    const withSteps: RouteOperation =
      (operation.type === 'start-canary' ||
        operation.type === 'promote-next') &&
      !operation.steps
        ? { ...operation, steps: annotations.canarySteps }
        : operation;
    // Only rollbacks and gated changes need the stable version (an audit
    // query); undefined only for a route without destinations.
    const stable =
      withSteps.type === 'rollback' || options.refuseRaising
        ? await this.stableOf(ref, target, vs)
        : undefined;
    const planned: RouteOperation =
      withSteps.type === 'rollback'
        ? rollbackToStable(withSteps, stable, vs.namespace)
        : withSteps;
    const warnings: RolloutWarning[] = [];
    const router = this.routerFor(cache, kind);
    const outcome = await router.change({
      ref: { namespace: vs.namespace, name: vs.name },
      route: target.route,
      operation: planned,
      dryRun: Boolean(request.dryRun),
      expect: options.expectRoute
        ? { before: options.expectRoute, after: options.expectAfter }
        : undefined,
      check: (plan, object) => {
        // The cluster must bind the route, and every destination it has or
        // gains, to this entity; checked on the object as freshly read.
        this.options.access.assertRouteWritable(
          binding,
          cache,
          object,
          router.hostsOfChange(plan, object),
          kind,
        );
        if (
          options.refuseRaising &&
          (!stable || raisesNonStableShare(plan, stable, vs.namespace))
        ) {
          throw new NotAllowedError(options.refuseRaising);
        }
        this.checkReadiness(router, plan, vs, request, warnings);
      },
    });

    for (const tracker of vs.trackedBy ?? []) {
      const tool = tracker.tool === 'argo-cd' ? 'Argo CD' : 'Flux';
      warnings.push({
        code: 'gitops-tracked',
        severity: 'warning',
        message: `${tool} (${tracker.source}) tracks ${kind} ${vs.namespace}/${vs.name}: unless the change is also made in Git, it may be reverted at the next sync`,
      });
    }
    const result: RouteActionResult = {
      dryRun: Boolean(request.dryRun),
      patch: outcome.plan.patch,
      before: outcome.plan.before,
      after: outcome.plan.after,
      resultingRoute: outcome.plan.resultingRoute,
      resourceVersionBefore: outcome.resourceVersionBefore,
      resourceVersionAfter: outcome.resourceVersionAfter,
      warnings,
    };
    if (finishing) {
      const { scaledDown, keptRunning } = await this.scaleDownRemoved(
        kind,
        vs,
        outcome.plan,
        cache,
        binding,
        Boolean(request.dryRun),
      );
      result.scaledDown = scaledDown;
      result.keptRunning = keptRunning;
      for (const kept of keptRunning) {
        warnings.push({
          code: 'kept-running',
          severity: 'info',
          message: `Deployment ${kept.namespace}/${kept.deployment} was not scaled to 0: ${kept.reason}`,
        });
      }
    }
    if (!request.dryRun && vs.trackedBy?.length) {
      result.drift = await this.watchForRevert(
        router,
        vs,
        outcome.plan,
        outcome.resourceVersionAfter!,
        vs.trackedBy[0].tool,
      );
    }
    this.options.logger.info(
      `${request.dryRun ? 'dry run of ' : ''}${operation.type} on ${
        target.cluster
      }/${vs.namespace}/${vs.name} route ${
        target.route
      } for ${ref}: ${describeSplit(outcome.plan.before)} -> ${describeSplit(
        outcome.plan.after,
      )}`,
    );
    return result;
  }

  async scaleVersion(
    entityRef: CompoundEntityRef,
    request: ScaleRequest,
    credentials: BackstageCredentials,
  ): Promise<ScaleResult> {
    return unanswered(
      request.cluster,
      request.dryRun,
      this.scaleAction(entityRef, request, credentials),
    );
  }

  private async scaleAction(
    entityRef: CompoundEntityRef,
    request: ScaleRequest,
    credentials: BackstageCredentials,
  ): Promise<ScaleResult> {
    const { ref, entity } = await this.options.access.authorize(
      entityRef,
      istioRolloutsScalePermission,
      credentials,
      'scale versions of',
    );
    const { cache, views } = await this.entityViews(
      ref,
      entity,
      request.cluster,
    );
    // First: another team's Deployment is not found, its labels unnamed.
    const owned = views.some(vs =>
      vs.versions.some(v =>
        v.workloads.some(
          w =>
            w.kind === 'Deployment' &&
            w.namespace === request.namespace &&
            w.name === request.deployment,
        ),
      ),
    );
    if (!owned) {
      throw new NotFoundError(
        `Deployment ${request.namespace}/${request.deployment} runs none of ${ref}'s versions on cluster ${request.cluster}`,
      );
    }
    const refusal = await this.scaleRefusalOf(
      cache,
      await this.options.access.binding(entity),
      request,
    );
    if (refusal) throw refusal;
    return this.scale(cache, request);
  }

  // Why a Deployment may not be scaled by hand: the cluster does not bind it
  // to the entity, or a guard of scaleGuards.ts refuses (dry runs too: they
  // answer what the real request would).
  private async scaleRefusalOf(
    cache: ClusterObjectCache,
    binding: EntityBinding,
    request: { namespace: string; deployment: string; replicas: number },
    pendingRoute?: PendingRoute,
  ): Promise<Error | undefined> {
    const deployment = cache.find(
      'deployments',
      request.namespace,
      request.deployment,
    );
    const unbound =
      deployment &&
      this.options.access.objectRefusal(binding, cache, deployment);
    if (unbound) return new NotAllowedError(unbound);
    return scaleRefusal(cache, request, pendingRoute);
  }

  private async scale(
    cache: ClusterObjectCache,
    request: ScaleRequest,
  ): Promise<ScaleResult> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(
      request.namespace,
    )}/deployments/${encodeURIComponent(request.deployment)}/scale`;
    const what = `Deployment ${request.namespace}/${request.deployment}`;
    let scale: any;
    try {
      scale = await cache.api.get<any>(path);
    } catch (error) {
      if (error instanceof KubeRequestError) {
        throw clusterFailure(error, {
          cluster: cache.name,
          what,
          phase: request.dryRun ? 'dry-run' : 'before-write',
        });
      }
      throw error;
    }
    const before = Number(scale.spec?.replicas ?? 0);
    try {
      const stored = await cache.api.jsonPatch<any>(
        path,
        [
          {
            op: 'test',
            path: '/metadata/resourceVersion',
            value: scale.metadata?.resourceVersion,
          },
          { op: 'replace', path: '/spec/replicas', value: request.replicas },
        ],
        FIELD_MANAGER,
        Boolean(request.dryRun),
      );
      return {
        dryRun: Boolean(request.dryRun),
        namespace: request.namespace,
        deployment: request.deployment,
        replicasBefore: before,
        replicasAfter: Number(stored.spec?.replicas ?? request.replicas),
      };
    } catch (error) {
      if (error instanceof KubeRequestError) {
        throw clusterFailure(error, {
          cluster: cache.name,
          what,
          phase: request.dryRun ? 'dry-run' : 'write',
          intended: {
            weightsBefore: { replicas: before },
            weightsAfter: { replicas: request.replicas },
            resourceVersionBefore: String(
              scale.metadata?.resourceVersion ?? '',
            ),
          },
        });
      }
      if (
        error instanceof KubeApiError &&
        (error.statusCode === 409 || error.statusCode === 422)
      ) {
        throw new RouteConflictError(
          `Deployment ${request.namespace}/${request.deployment} changed while it was being scaled; nothing was changed, try again`,
        );
      }
      if (error instanceof KubeApiError && error.statusCode === 403) {
        throw new NotAllowedError(
          `The plugin's Kubernetes identity may not scale Deployment ${request.namespace}/${request.deployment} (RBAC): ${error.message}`,
        );
      }
      throw error;
    }
  }

  // The last step of a canary: the versions the route no longer names get
  // no traffic from it, so their Deployments go to 0 (scale permission
  // required) — unless another route (of any VirtualService) still sends
  // them traffic or something else sets their replicas (an HPA, an owning
  // controller, Flagger, Argo Rollouts; see scaleGuards.ts). Those are kept
  // running and reported with the reason, not refused: the route change is
  // made (or, dry, would be) before scaling, it is right on its own, and
  // failing the request after the write would hide that it happened. Other
  // errors (RBAC, a concurrent scale) still fail the request, as before.
  private async scaleDownRemoved(
    kind: RouteKind,
    vs: VirtualServiceView,
    plan: RouteChangePlan,
    cache: ClusterObjectCache,
    binding: EntityBinding,
    dryRun: boolean,
  ): Promise<{ scaledDown: ScaleResult[]; keptRunning: KeptRunning[] }> {
    const same = (a: DestinationRef, b: DestinationRef) =>
      sameVersion(a, b, vs.namespace);
    const removed = plan.before.destinations.filter(
      b => !plan.after.destinations.some(a => same(a, b)),
    );
    // The versions as the entity's route had them before the change (the
    // cache may already show the route without them).
    const deployments = removed.flatMap(d =>
      vs.versions
        .filter(v => same(d, v))
        .flatMap(v => v.workloads.filter(w => w.kind === 'Deployment')),
    );
    // Finish only drops destinations at 0%, but the watch cache may not
    // show the route as it is yet (promoted a moment ago, or a dry run):
    // the guards read it as the change leaves it.
    const pendingRoute: PendingRoute = {
      kind,
      namespace: vs.namespace,
      name: vs.name,
      index: plan.after.index,
      route: plan.resultingRoute,
      routeName: plan.after.name,
    };
    const scaledDown: ScaleResult[] = [];
    const keptRunning: KeptRunning[] = [];
    const seen = new Set<string>();
    for (const w of deployments) {
      const key = `${w.namespace}/${w.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const request = {
        cluster: cache.name,
        namespace: w.namespace,
        deployment: w.name,
        replicas: 0,
        dryRun,
      };
      const refusal = await this.scaleRefusalOf(
        cache,
        binding,
        request,
        pendingRoute,
      );
      if (refusal) {
        keptRunning.push({
          namespace: w.namespace,
          deployment: w.name,
          reason: refusal.message,
        });
        continue;
      }
      try {
        scaledDown.push(await this.scale(cache, request));
      } catch (error) {
        // The route is changed already: a cluster that stops answering now
        // must not hide that (see above); say what is known of the scale.
        if (
          !(error instanceof ClusterUnavailableError) &&
          !(error instanceof WriteOutcomeUnknownError)
        ) {
          throw error;
        }
        keptRunning.push({
          namespace: w.namespace,
          deployment: w.name,
          reason:
            error instanceof WriteOutcomeUnknownError
              ? `the scale to 0 was sent but the cluster did not answer; whether it was applied is not known, check the Deployment (${error.message})`
              : `not scaled: ${error.message}`,
        });
      }
    }
    return { scaledDown, keptRunning };
  }

  private routerFor(cache: ClusterObjectCache, kind: RouteKind): TrafficRouter {
    let byKind = this.routers.get(cache);
    if (!byKind) {
      byKind = new Map();
      this.routers.set(cache, byKind);
    }
    let router = byKind.get(kind);
    if (!router) {
      router = createTrafficRouter({ kind, cache });
      byKind.set(kind, router);
    }
    return router;
  }

  /**
   * The route's stable version (see stableVersion in the common package),
   * with the version recorded when the plugin last began a canary on this
   * route: the audit trail's applied start-canary, whose split before had
   * all the traffic on the stable.
   */
  private async stableOf(
    entityRef: string,
    target: RouteActionRequest['target'],
    vs: VirtualServiceView,
  ): Promise<DestinationRef | undefined> {
    const route =
      typeof target.route === 'number'
        ? vs.routes.find(r => r.index === target.route)
        : vs.routes.find(r => r.name === target.route);
    if (!route || route.destinations.length === 0) return undefined;
    const recorded = await recordedStableOf(this.options.auditStore, {
      entityRef,
      cluster: target.cluster,
      namespace: vs.namespace,
      virtualService: vs.name,
      kind: target.kind,
      route,
    });
    return stableVersion(route.destinations, vs.namespace, recorded);
  }

  private cache(cluster: string): ClusterObjectCache {
    const cache = this.options.caches.get(cluster);
    if (!cache)
      throw new NotFoundError(`Cluster '${cluster}' is not configured`);
    return cache;
  }

  // The VirtualService must be one of the entity's: permissions are granted
  // per entity, so an owner of one service cannot move another's traffic.
  private async entityViews(ref: string, entity: Entity, cluster: string) {
    const annotations = readRolloutAnnotations(entity);
    this.options.access.assertClusterPin(ref, annotations, cluster);
    const cache = this.cache(cluster);
    await cache.waitForSync(5_000);
    const error = cache.error();
    if (error?.type === 'unreachable') {
      // The cache's own message names the socket error: logs, not users.
      throw new ClusterUnavailableError(
        `Cluster ${cluster} cannot be reached; the change was not applied (nothing was sent). Try again when the cluster is back.`,
      );
    }
    if (error)
      throw new UnprocessableError(
        `Cluster ${cluster} cannot be read: ${error.message}`,
      );
    const selected = selectEntityObjects(annotations, cache);
    return {
      cache,
      annotations,
      selected,
      views: [
        ...buildVirtualServiceViews(selected),
        ...buildHttpRouteViews(
          selectEntityHttpRouteObjects(annotations, cache),
        ),
      ],
    };
  }

  private async locate(
    ref: string,
    entity: Entity,
    cluster: string,
    namespace: string,
    name: string,
    kind: RouteKind,
  ) {
    const { cache, annotations, selected, views } = await this.entityViews(
      ref,
      entity,
      cluster,
    );
    const vs = views.find(
      v =>
        (v.kind ?? 'VirtualService') === kind &&
        v.namespace === namespace &&
        v.name === name,
    );
    if (!vs) {
      throw new NotFoundError(
        `${kind} ${namespace}/${name} is not one of ${ref}'s ${kind}s on cluster ${cluster}`,
      );
    }
    return { cache, vs, annotations, selected };
  }

  // No traffic (or mirrored traffic) to a version without ready pods, unless
  // the caller overrides it with a reason, which is recorded as a warning.
  // The versions are those of the route as it will be, resolved by the
  // router (so a version the route does not use yet is checked too).
  private checkReadiness(
    router: TrafficRouter,
    plan: RouteChangePlan,
    vs: VirtualServiceView,
    request: RouteActionRequest,
    warnings: RolloutWarning[],
  ) {
    for (const version of router.versionsGaining(plan, vs)) {
      if (version.ready > 0) continue;
      const name = `${version.label} (${version.host}${
        version.subset ? ` subset ${version.subset}` : ''
      })`;
      if (!request.allowUnready?.reason?.trim()) {
        throw new UnprocessableError(
          version.workloads.length
            ? `Version ${name} has no ready pods (0 of ${version.desired}); sending it traffic would fail requests. To do it anyway, send allowUnready with a reason.`
            : `No Deployment or Rollout runs version ${name} (no workload's pods carry its labels); sending it traffic would fail requests. To do it anyway, send allowUnready with a reason.`,
        );
      }
      warnings.push({
        code: 'unready-override',
        severity: 'warning',
        message: `Traffic sent to ${name} although it has no ready pods; reason given: ${request.allowUnready.reason.trim()}`,
      });
    }
  }

  // GitOps controllers revert drift on their own schedule; watch the cache
  // for a short while and report whether our change was undone.
  private async watchForRevert(
    router: TrafficRouter,
    vs: VirtualServiceView,
    plan: RouteChangePlan,
    ourVersion: string,
    tool: string,
  ) {
    const deadline = Date.now() + this.driftWatchMs;
    const expected = plan.after.destinations.map(d => d.weight);
    let observed: number[] | undefined;
    while (Date.now() < deadline) {
      const current = router.cachedWeights(vs, plan.after.index);
      const rv = current?.resourceVersion;
      if (rv && rv !== ourVersion && Number(rv) > Number(ourVersion)) {
        observed = current.weights;
        if (JSON.stringify(observed) !== JSON.stringify(expected)) {
          return { tool, reverted: true, observedWeights: observed };
        }
      }
      await new Promise(r => setTimeout(r, 100));
    }
    return { tool, reverted: false, observedWeights: observed };
  }
}

// Rollback (its own permission, for on-call people without deploy rights)
// only ever returns traffic to the stable version: a `stable` naming
// another version would be a promotion.
function rollbackToStable(
  operation: RollbackOperation,
  stable: DestinationRef | undefined,
  namespace: string,
): RouteOperation {
  const name = (d: DestinationRef) =>
    `${d.host}${d.subset ? ` subset ${d.subset}` : ''}`;
  if (!stable) return operation; // no destinations: the planner refuses
  if (operation.stable && !sameVersion(operation.stable, stable, namespace)) {
    throw new UnprocessableError(
      `Rollback only returns traffic to the route's stable version ${name(
        stable,
      )}, not to ${name(
        operation.stable,
      )}; to move traffic to another version, promote it (or ask for a promotion)`,
    );
  }
  return { ...operation, stable };
}

// The same version: host as Istio resolves it in the VirtualService's
// namespace, and subset; the port does not make another version.
function sameVersion(
  a: DestinationRef,
  b: DestinationRef,
  namespace: string,
): boolean {
  return refersTo({ ...a, port: undefined }, b, namespace);
}

// The safety net under every action: a cluster call that got no answer and
// was not turned into a 503/504 where it was made (a guard's lookup, say)
// happened before the write, so nothing was sent — never a raw 500.
async function unanswered<T>(
  cluster: string,
  dryRun: boolean | undefined,
  action: Promise<T>,
): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof KubeRequestError) {
      throw clusterFailure(error, {
        cluster,
        what: 'the requested objects',
        phase: dryRun ? 'dry-run' : 'before-write',
      });
    }
    throw error;
  }
}
