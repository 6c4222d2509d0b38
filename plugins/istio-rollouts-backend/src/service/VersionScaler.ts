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

import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  EntityBinding,
  KeptRunning,
  RouteChangePlan,
  ScaleRequest,
  ScaleResult,
  VirtualServiceView,
  istioRolloutsScalePermission,
  sameVersion,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeApiError, KubeRequestError } from '../cluster/KubeApi';
import {
  ClusterUnavailableError,
  RouteConflictError,
  WriteOutcomeUnknownError,
  clusterFailure,
} from '../errors';
import { FIELD_MANAGER } from '../fieldManager';
import { RouteKind } from '../traffic/TrafficRouter';
import { EntityAccess } from './EntityAccess';
import { EntityRouteLocator } from './EntityRouteLocator';
import { PendingRoute, scaleRefusal } from './scaleGuards';

/**
 * Sets the replicas of the Deployments that run an entity's versions: by
 * hand (the scale action), or to 0 for the versions a finished canary
 * removed from its route. Either way only a Deployment the cluster binds
 * to the entity, and that the guards of scaleGuards.ts let go.
 */
export class VersionScaler {
  constructor(
    private readonly options: {
      access: EntityAccess;
      locator: EntityRouteLocator;
    },
  ) {}

  async scaleVersion(
    entityRef: CompoundEntityRef,
    request: ScaleRequest,
    credentials: BackstageCredentials,
  ): Promise<ScaleResult> {
    const { access, locator } = this.options;
    const { ref, entity } = await access.authorize(
      entityRef,
      istioRolloutsScalePermission,
      credentials,
      'scale versions of',
    );
    const { cache, views } = await locator.views(ref, entity, request.cluster);
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
      await access.binding(entity),
      request,
    );
    if (refusal) throw refusal;
    return this.scale(cache, request);
  }

  // The last step of a canary: the versions the route no longer names get
  // no traffic from it, so their Deployments go to 0 (scale permission
  // required, checked by the caller before the route is written) — unless
  // another route (of any VirtualService) still sends them traffic or
  // something else sets their replicas (an HPA, an owning controller,
  // Flagger, Argo Rollouts; see scaleGuards.ts). Those are kept running and
  // reported with the reason, not refused: the route change is made (or,
  // dry, would be) before scaling, it is right on its own, and failing the
  // request after the write would hide that it happened. Other errors
  // (RBAC, a concurrent scale) still fail the request, as before.
  async scaleDownRemoved(options: {
    kind: RouteKind;
    vs: VirtualServiceView;
    plan: RouteChangePlan;
    cache: ClusterObjectCache;
    binding: EntityBinding;
    dryRun: boolean;
  }): Promise<{ scaledDown: ScaleResult[]; keptRunning: KeptRunning[] }> {
    const { kind, vs, plan, cache, binding, dryRun } = options;
    const removed = plan.before.destinations.filter(
      b => !plan.after.destinations.some(a => sameVersion(a, b, vs.namespace)),
    );
    // The versions as the entity's route had them before the change (the
    // cache may already show the route without them).
    const deployments = removed.flatMap(d =>
      vs.versions
        .filter(v => sameVersion(d, v, vs.namespace))
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
}
