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
import { CompoundEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  DestinationRef,
  RolloutWarning,
  RouteActionRequest,
  RouteActionResult,
  RouteOperation,
  RouteSnapshot,
  ScaleRequest,
  ScaleResult,
  VirtualServiceView,
  describeSplit,
  istioRolloutsApplyPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
  raisesNonStableShare,
  stableVersion,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeRequestError } from '../cluster/KubeApi';
import { AuditStore } from '../database/AuditStore';
import { clusterFailure } from '../errors';
import { createTrafficRouter } from '../traffic/createTrafficRouter';
import { RouteKind, TrafficRouter } from '../traffic/TrafficRouter';
import { EntityAccess } from './EntityAccess';
import { EntityRouteLocator } from './EntityRouteLocator';
import { gitOpsWarnings, watchForRevert } from './gitOpsDrift';
import { recordedStableOf } from './recordedStable';
import {
  assertNotControllerManaged,
  rollbackToStable,
  unreadyOverrides,
} from './routeGuards';
import { VersionScaler } from './VersionScaler';

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
 * Moves traffic for an entity, and scales its versions: authorizes against
 * the entity (catalog-based permissions), finds the route among the
 * entity's, lets the guards of routeGuards.ts refuse what must not happen
 * (a controller's route, a rollback elsewhere than to stable, traffic to a
 * version without ready pods), then lets the mesh's TrafficRouter plan and
 * apply the patch. Scaling is VersionScaler's.
 */
export class RouteActionService {
  private readonly driftWatchMs: number;
  private readonly locator: EntityRouteLocator;
  private readonly scaler: VersionScaler;
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
    this.locator = new EntityRouteLocator(options);
    this.scaler = new VersionScaler({
      access: options.access,
      locator: this.locator,
    });
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

  async scaleVersion(
    entityRef: CompoundEntityRef,
    request: ScaleRequest,
    credentials: BackstageCredentials,
  ): Promise<ScaleResult> {
    return unanswered(
      request.cluster,
      request.dryRun,
      this.scaler.scaleVersion(entityRef, request, credentials),
    );
  }

  private async routeAction(
    entityRef: CompoundEntityRef,
    request: RouteActionRequest,
    credentials: BackstageCredentials,
    options: ApplyRouteActionOptions,
  ): Promise<RouteActionResult> {
    const { target, operation } = request;
    const { access } = this.options;
    const { ref, entity } = await access.authorize(
      entityRef,
      options.permission ?? permissionFor(operation),
      credentials,
      options.permission ? 'request traffic changes of' : 'move traffic of',
    );
    const kind: RouteKind = target.kind ?? 'VirtualService';
    const { cache, vs, annotations } = await this.locator.locate(ref, entity, {
      cluster: target.cluster,
      namespace: target.namespace,
      name: target.virtualService,
      kind,
    });
    assertNotControllerManaged(vs, kind);
    const binding = await access.binding(entity);
    const finishing = operation.type === 'finish' && operation.scaleDownOld;
    if (finishing) {
      // Before the route is written: finish must not move traffic and then
      // fail on the scale permission.
      await access.authorize(
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
        access.assertRouteWritable(
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
        // The versions of the route as it will be, resolved by the router.
        warnings.push(
          ...unreadyOverrides(
            router.versionsGaining(plan, vs),
            request.allowUnready,
          ),
        );
      },
    });

    warnings.push(...gitOpsWarnings(vs, kind));
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
      const { scaledDown, keptRunning } = await this.scaler.scaleDownRemoved({
        kind,
        vs,
        plan: outcome.plan,
        cache,
        binding,
        dryRun: Boolean(request.dryRun),
      });
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
      result.drift = await watchForRevert({
        router,
        vs,
        plan: outcome.plan,
        ourVersion: outcome.resourceVersionAfter!,
        tool: vs.trackedBy[0].tool,
        watchMs: this.driftWatchMs,
      });
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
