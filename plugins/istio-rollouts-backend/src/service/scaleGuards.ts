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

import { NotAllowedError } from '@backstage/errors';
import {
  RoutingObjectKind,
  describePodTrafficRoute,
  findRoutesToPods,
  findScaleControllers,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeApiError } from '../cluster/KubeApi';
import { RouteConflictError, UnprocessableError } from '../errors';

// Checks made before a Deployment's replicas are set by hand.
//
// Status codes: a Deployment that a route still needs, or whose replicas
// an HPA, an owning controller, a Flagger Canary or an Argo Rollout sets,
// is a conflict with the cluster's current state (409, like a
// VirtualService driven by Argo Rollouts or Flagger): it can succeed once
// that state changes, and a manual scale would only be undone by, or
// fight with, the other controller. When the plugin cannot tell whether an
// autoscaler manages the Deployment it refuses (fails closed): 403 when
// its Kubernetes identity may not list HorizontalPodAutoscalers (the
// answer the plugin gives for its other RBAC gaps), 422 when the list
// fails otherwise.

/**
 * A route about to be changed: read as it will be, not as the watch cache
 * still holds it (the change may be a dry run, or not cached yet).
 */
export interface PendingRoute {
  /** Absent: a VirtualService route (`spec.http`); else an HTTPRoute rule (`spec.rules`). */
  kind?: RoutingObjectKind;
  namespace: string;
  name: string;
  index: number;
  /** The http route as it will be stored. */
  route: unknown;
  /** Its name, to check the cache has the same route at `index`. */
  routeName?: string;
}

function withPending(
  objects: any[],
  kind: RoutingObjectKind,
  pending?: PendingRoute,
): any[] {
  if (!pending || (pending.kind ?? 'VirtualService') !== kind) return objects;
  const list = kind === 'HTTPRoute' ? 'rules' : 'http';
  return objects.map(vs => {
    const http = vs?.spec?.[list];
    if (
      vs?.metadata?.namespace !== pending.namespace ||
      vs?.metadata?.name !== pending.name ||
      !Array.isArray(http) ||
      (http[pending.index]?.name ?? null) !== (pending.routeName ?? null)
    ) {
      return vs;
    }
    const next = [...http];
    next[pending.index] = pending.route;
    return { ...vs, spec: { ...vs.spec, [list]: next } };
  });
}

/**
 * Why the Deployment may not be scaled to `replicas` by hand, as the error
 * to answer with, or undefined when it may: to 0 only when no route of any
 * VirtualService or HTTPRoute of the cluster still sends its pods traffic, and never
 * when something else sets its replicas. Nothing is changed either way.
 */
export async function scaleRefusal(
  cache: ClusterObjectCache,
  target: { namespace: string; deployment: string; replicas: number },
  pending?: PendingRoute,
): Promise<Error | undefined> {
  const { namespace, deployment: name, replicas } = target;
  const what = `Deployment ${namespace}/${name} on cluster ${cache.name}`;
  const deployment = cache.find('deployments', namespace, name);
  if (!deployment) {
    return new RouteConflictError(
      `${what} is not in the plugin's copy of the cluster yet, so what routes to it cannot be checked; nothing was changed, try again`,
    );
  }
  const local = cache.objectsIn([namespace]);

  const reasons: string[] = [];
  if (replicas === 0) {
    // Every VirtualService of the cluster may route here (any namespace can
    // name `web.ns`), and so may every DestinationRule define its subsets.
    const routes = findRoutesToPods(
      {
        virtualServices: withPending(
          Array.from(cache.all('virtualServices')),
          'VirtualService',
          pending,
        ),
        httpRoutes: withPending(
          Array.from(cache.all('httpRoutes')),
          'HTTPRoute',
          pending,
        ),
        destinationRules: Array.from(cache.all('destinationRules')),
        services: local.services,
      },
      {
        namespace,
        labels: deployment.spec?.template?.metadata?.labels ?? {},
      },
    );
    if (routes.length) {
      reasons.push(
        `routes still send its pods traffic: ${routes
          .map(describePodTrafficRoute)
          .join(', ')}; move that traffic elsewhere before scaling it to 0`,
      );
    }
  }

  let autoscalers: unknown[] | undefined;
  let listError: unknown;
  try {
    autoscalers = (
      await cache.api.list<unknown>(
        `/apis/autoscaling/v2/namespaces/${encodeURIComponent(
          namespace,
        )}/horizontalpodautoscalers`,
      )
    ).items;
  } catch (error) {
    listError = error;
  }
  const controllers = findScaleControllers(deployment, {
    horizontalPodAutoscalers: autoscalers ?? [],
    canaries: local.canaries,
    rollouts: local.rollouts,
  });
  if (controllers.length) {
    reasons.unshift(
      `${controllers.map(c => c.description).join(', ')}; scale it through ${
        controllers.length === 1 ? 'that' : 'those'
      }, not here`,
    );
  }
  if (reasons.length) {
    return new RouteConflictError(
      `${what} cannot be scaled${replicas === 0 ? ' to 0' : ''}: ${reasons.join(
        '; ',
      )}`,
    );
  }
  if (listError) {
    const cannot = `${what} was not scaled: the plugin cannot check for HorizontalPodAutoscalers that scale it`;
    if (listError instanceof KubeApiError && listError.statusCode === 403) {
      return new NotAllowedError(
        `${cannot}, because its Kubernetes identity may not list them (RBAC: grant get and list on horizontalpodautoscalers of API group autoscaling): ${listError.message}`,
      );
    }
    return new UnprocessableError(
      `${cannot}: ${(listError as Error)?.message ?? String(listError)}`,
    );
  }
  return undefined;
}
