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

import { RolloutAnnotations, VirtualServiceRef } from '../annotations';
import { asArray, dig } from '../kube/guards';
import { serviceFqdn } from '../kube/hosts';
import { labelsInclude, matchesLabelSelector } from '../kube/labels';
import { readMeta } from '../kube/readMeta';
import { indexClusterObjects, ObjectIndex } from '../domain/objectIndex';
import {
  entityRequirements,
  ownedByRollouts,
} from '../domain/selectEntityVirtualServices';
import { findWorkloads } from '../domain/workloads';
import {
  BackendModel,
  GatewayHttpRouteModel,
  isServiceRef,
  readHttpRoutes,
} from './readHttpRoute';
import { HttpRouteClusterObjects } from './types';
import { argoHttpRouteRefs } from './argoGatewayApi';

/**
 * The HTTPRoutes of an entity on one cluster and the objects their view
 * needs: a small bag to pass to `buildHttpRouteViews`, plus what could not
 * be found.
 *
 * @public
 */
export interface EntityHttpRouteObjects extends HttpRouteClusterObjects {
  /**
   * Names from `istio-rollouts/virtual-services` that are no HTTPRoute on
   * this cluster. The annotation names VirtualServices and HTTPRoutes
   * alike, so a name is missing only when `selectEntityVirtualServices`
   * reports it too.
   */
  notFound: VirtualServiceRef[];
  /** Problems with the discovery annotations, e.g. an unreadable label selector. */
  problems: string[];
}

// Every Service a route refers to: backends, mirrors and Service parents.
function serviceRefs(route: GatewayHttpRouteModel): BackendModel[] {
  return [
    ...route.parents,
    ...route.rules.flatMap(r => [...r.backends, ...r.mirrors]),
  ].filter(isServiceRef);
}

// Discovery: routes labelled for the entity, routes that send to (or are
// attached to) the entity's Services, and routes a Flagger Canary of the
// entity drives (named after its Service, as Flagger generates them).
function discover(
  index: ObjectIndex,
  routes: GatewayHttpRouteModel[],
  annotations: RolloutAnnotations,
  problems: string[],
): GatewayHttpRouteModel[] {
  const requirements = entityRequirements(annotations, problems);
  const inScope = (namespace: string) =>
    !annotations.namespace || namespace === annotations.namespace;
  const mine = (labels: Record<string, string>, namespace: string) =>
    inScope(namespace) && matchesLabelSelector(labels, requirements);
  const workloads = index.workloads.filter(w =>
    mine(w.meta.labels, w.meta.namespace),
  );
  const services = new Set(
    index.services
      .filter(
        s =>
          mine(s.meta.labels, s.meta.namespace) ||
          (inScope(s.meta.namespace) &&
            workloads.some(
              w =>
                w.meta.namespace === s.meta.namespace &&
                labelsInclude(w.podLabels, s.selector),
            )),
      )
      .map(s => `${s.meta.namespace}/${s.meta.name}`),
  );
  // Routes a controller of the entity drives, by namespace/name.
  const controlled = new Set(
    index.canaries
      .filter(
        c =>
          mine(c.meta.labels, c.meta.namespace) ||
          workloads.some(
            w =>
              w.meta.namespace === c.meta.namespace &&
              w.meta.name === c.targetName,
          ),
      )
      .map(c => `${c.meta.namespace}/${c.serviceName ?? c.targetName}`),
  );
  for (const rollout of index.rollouts) {
    if (mine(rollout.meta.labels, rollout.meta.namespace)) {
      argoHttpRouteRefs(rollout).forEach(r =>
        controlled.add(`${r.namespace}/${r.name}`),
      );
    }
  }
  return routes.filter(
    route =>
      mine(route.meta.labels, route.meta.namespace) ||
      controlled.has(`${route.meta.namespace}/${route.meta.name}`) ||
      serviceRefs(route).some(s => services.has(`${s.namespace}/${s.name}`)),
  );
}

function byName(
  routes: GatewayHttpRouteModel[],
  annotations: RolloutAnnotations,
  notFound: VirtualServiceRef[],
): GatewayHttpRouteModel[] {
  const found: GatewayHttpRouteModel[] = [];
  for (const ref of annotations.virtualServices) {
    const match = routes.find(
      r => r.meta.name === ref.name && r.meta.namespace === ref.namespace,
    );
    if (!match) notFound.push(ref);
    else if (!found.includes(match)) found.push(match);
  }
  return found;
}

/**
 * Picks the Gateway API HTTPRoutes of an entity, and the Services,
 * workloads, Rollouts, ReplicaSets and Canaries their view needs, from a
 * cluster's objects. The same annotations as for VirtualServices apply:
 * names in `istio-rollouts/virtual-services` win (they may name either
 * kind); otherwise routes are discovered through the entity's Kubernetes
 * labels: labelled routes, routes whose backendRefs, mirrors or Service
 * parentRefs are the entity's Services, and routes its Flagger Canary
 * drives. Pure, and never throws.
 *
 * @public
 */
export function selectEntityHttpRoutes(
  annotations: RolloutAnnotations,
  objects: HttpRouteClusterObjects,
): EntityHttpRouteObjects {
  const index = indexClusterObjects(objects);
  const all = readHttpRoutes(objects);
  const notFound: VirtualServiceRef[] = [];
  const problems: string[] = [];
  const selected = annotations.virtualServices.length
    ? byName(all, annotations, notFound)
    : discover(index, all, annotations, problems);

  const services = new Set<string>();
  const workloads = new Set<string>();
  const canaries = new Set<string>();
  for (const route of selected) {
    canaries.add(`${route.meta.namespace}/${route.meta.name}`);
    for (const s of serviceRefs(route)) {
      services.add(`${s.namespace}/${s.name}`);
      const fqdn = serviceFqdn(s.name, s.namespace);
      for (const w of findWorkloads(index, fqdn, s.namespace, {})) {
        workloads.add(`${w.kind}/${w.meta.namespace}/${w.meta.name}`);
      }
    }
  }
  const keep = <T>(
    field: keyof HttpRouteClusterObjects,
    keys: Set<string>,
    key: (namespace: string, name: string, raw: unknown) => string = (
      ns,
      name,
    ) => `${ns}/${name}`,
  ): T[] =>
    asArray(dig(objects, field)).filter(raw => {
      const meta = readMeta(raw);
      return (
        meta !== undefined && keys.has(key(meta.namespace, meta.name, raw))
      );
    }) as T[];
  const selectedKeys = new Set(
    selected.map(r => `${r.meta.namespace}/${r.meta.name}`),
  );
  const canaryObjects = asArray(objects.canaries).filter(raw => {
    const canary = index.canaries.find(
      c =>
        c.meta.namespace === readMeta(raw)?.namespace &&
        c.meta.name === readMeta(raw)?.name,
    );
    return (
      canary !== undefined &&
      canaries.has(
        `${canary.meta.namespace}/${canary.serviceName ?? canary.targetName}`,
      )
    );
  });
  // Rollouts behind the backends, and those whose Gateway API plugin
  // drives a selected route.
  for (const rollout of index.rollouts) {
    if (
      argoHttpRouteRefs(rollout).some(r =>
        selectedKeys.has(`${r.namespace}/${r.name}`),
      )
    ) {
      workloads.add(`Rollout/${rollout.meta.namespace}/${rollout.meta.name}`);
    }
  }
  const rollouts = keep<unknown>(
    'rollouts',
    workloads,
    (ns, name) => `Rollout/${ns}/${name}`,
  );
  const owned = (field: 'replicaSets' | 'analysisRuns') =>
    ownedByRollouts(objects, rollouts, field);
  return {
    httpRoutes: keep('httpRoutes', selectedKeys),
    services: keep('services', services),
    deployments: keep(
      'deployments',
      workloads,
      (ns, name) => `Deployment/${ns}/${name}`,
    ),
    rollouts: rollouts as never[],
    canaries: canaryObjects as never[],
    replicaSets: owned('replicaSets'),
    analysisRuns: owned('analysisRuns'),
    notFound,
    problems,
  };
}
