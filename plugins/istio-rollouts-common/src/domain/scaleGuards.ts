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

import { ClusterObjects } from '../kube/types';
import { asArray, asString, dig } from '../kube/guards';
import { parseServiceFqdn, serviceFqdn } from '../kube/hosts';
import { isServiceRef, readHttpRoutes } from '../gatewayapi/readHttpRoute';
import { labelsInclude } from '../kube/labels';
import { DestinationModel, MirrorModel } from '../kube/readIstio';
import { readMeta } from '../kube/readMeta';
import { indexClusterObjects } from './objectIndex';
import { findSubset } from './versions';

// What must hold before a Deployment's replicas are changed by hand: no
// route may still send traffic to pods it would remove, and nothing else
// (an autoscaler, an owning controller, a progressive-delivery controller)
// may be in charge of its replicas.

/**
 * One route (or mirror) that sends traffic to some pods.
 *
 * @public
 */
export interface PodTrafficRoute {
  /** Namespace and name of the VirtualService (or HTTPRoute). */
  namespace: string;
  virtualService: string;
  /** Set for a Gateway API HTTPRoute; `index` is then a rule's. */
  routeKind?: 'HTTPRoute';
  protocol: 'http' | 'tcp' | 'tls';
  /** Position in `spec.http` (or `spec.tcp` / `spec.tls`). */
  index: number;
  name?: string;
  /** A route destination, or a mirror (traffic copied, answers dropped). */
  kind: 'route' | 'mirror';
  /** Effective weight of the destination, or the mirror's percentage. */
  weight: number;
  /** Set when no destination of the route has a weight above 0. */
  weightUnknown?: boolean;
  host: string;
  subset?: string;
}

/**
 * The routes of any VirtualService of `objects` that send traffic to pods
 * of `pods.namespace` carrying `pods.labels` (a Deployment's pod template
 * labels): destinations with an effective weight above 0 (a lone
 * destination takes all traffic whatever its weight; with several, a
 * missing weight is 0; when none has a weight above 0 the split is
 * unknown and every destination counts) and mirrors above 0%, whose host resolves (relative
 * to the VirtualService's namespace) to a Service of that namespace whose
 * selector the labels satisfy, and whose subset, if any, resolves through a
 * DestinationRule to labels the pods carry. An undefined subset gets no
 * pods (Istio answers 503), so it sends these pods nothing.
 *
 * `objects` must hold every VirtualService and DestinationRule that may
 * route there and the Services of `pods.namespace`.
 *
 * @public
 */
export function findRoutesToPods(
  objects: Partial<ClusterObjects>,
  pods: { namespace: string; labels: Record<string, string> },
): PodTrafficRoute[] {
  const index = indexClusterObjects(objects);
  const reaches = (
    host: string,
    subset: string | undefined,
    vsNamespace: string,
  ): boolean => {
    const fqdn = index.resolve(host, vsNamespace);
    const service = parseServiceFqdn(fqdn);
    if (!service || service.namespace !== pods.namespace) return false;
    const selector = index.serviceByFqdn.get(fqdn)?.selector ?? {};
    // A Service without a selector has no pods of ours behind it.
    if (!labelsInclude(pods.labels, selector)) return false;
    if (!subset) return true;
    const found = findSubset(index, fqdn, subset, [
      vsNamespace,
      service.namespace,
    ]);
    if (!found) return false;
    // A subset without labels is every pod of the Service.
    return (
      !Object.keys(found.labels).length ||
      labelsInclude(pods.labels, found.labels)
    );
  };

  const out: PodTrafficRoute[] = [];
  for (const vs of index.virtualServices) {
    const { namespace, name: virtualService } = vs.meta;
    const routes = [
      ...vs.http.map(r => ({ ...r, protocol: 'http' as const })),
      ...vs.tcp.map(r => ({ ...r, mirrors: [] as MirrorModel[] })),
      ...vs.tls.map(r => ({ ...r, mirrors: [] as MirrorModel[] })),
    ];
    for (const route of routes) {
      const name = 'name' in route ? route.name : undefined;
      const at = {
        namespace,
        virtualService,
        protocol: route.protocol,
        index: route.index,
        ...(name ? { name } : {}),
      };
      // Several destinations whose weights add up to 0 split traffic in a
      // way nobody can tell (the view warns about it): each may get some, so
      // each counts, rather than let a pod set go that may serve requests.
      const unknown =
        route.destinations.length > 1 &&
        route.destinations.every(d => !((d.weight ?? 0) > 0));
      route.destinations.forEach((d: DestinationModel) => {
        const weight = route.destinations.length === 1 ? 100 : d.weight ?? 0;
        if ((unknown || weight > 0) && reaches(d.host, d.subset, namespace)) {
          out.push({
            ...at,
            kind: 'route',
            weight,
            ...(unknown ? { weightUnknown: true } : {}),
            ...target(d),
          });
        }
      });
      for (const m of route.mirrors) {
        if (m.percentage > 0 && reaches(m.host, m.subset, namespace)) {
          out.push({
            ...at,
            kind: 'mirror',
            weight: m.percentage,
            ...target(m),
          });
        }
      }
    }
  }
  out.push(...httpRoutesToPods(objects.httpRoutes, reaches));
  return out;
}

// HTTPRoute rules as Gateway API weighs them: a missing weight is 1, a lone
// backend above 0 takes everything, and weights of 0 everywhere send
// nothing (unlike Istio's unknown split). Backends are Services.
function httpRoutesToPods(
  httpRoutes: unknown,
  reaches: (host: string, subset: undefined, namespace: string) => boolean,
): PodTrafficRoute[] {
  const out: PodTrafficRoute[] = [];
  for (const route of readHttpRoutes({ httpRoutes })) {
    const { namespace, name } = route.meta;
    for (const rule of route.rules) {
      const at = {
        namespace,
        virtualService: name,
        routeKind: 'HTTPRoute' as const,
        protocol: 'http' as const,
        index: rule.index,
        ...(rule.name ? { name: rule.name } : {}),
      };
      const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
      for (const b of rule.backends) {
        const host = serviceFqdn(b.name, b.namespace);
        if (!isServiceRef(b) || !(b.weight > 0)) continue;
        if (!reaches(host, undefined, namespace)) continue;
        const weight = Math.round((b.weight / total) * 10000) / 100;
        out.push({ ...at, kind: 'route', weight, host });
      }
      for (const m of rule.mirrors) {
        const host = serviceFqdn(m.name, m.namespace);
        if (
          isServiceRef(m) &&
          m.percentage > 0 &&
          reaches(host, undefined, namespace)
        ) {
          out.push({ ...at, kind: 'mirror', weight: m.percentage, host });
        }
      }
    }
  }
  return out;
}

function target(d: { host: string; subset?: string }) {
  return d.subset ? { host: d.host, subset: d.subset } : { host: d.host };
}

/**
 * `ns/vs route 'name' (weight 90)`, `ns/vs tcp route #0 (mirror 5%)`.
 *
 * @public
 */
export function describePodTrafficRoute(route: PodTrafficRoute): string {
  const which = route.name ? `'${route.name}'` : `#${route.index}`;
  const protocol = route.protocol === 'http' ? '' : `${route.protocol} `;
  let share = `weight ${route.weight}`;
  if (route.kind === 'mirror') share = `mirror ${route.weight}%`;
  if (route.weightUnknown) share = 'split unknown: no destination has a weight';
  if (route.routeKind === 'HTTPRoute') {
    return `HTTPRoute ${route.namespace}/${route.virtualService} rule ${which} (${share})`;
  }
  return `${route.namespace}/${route.virtualService} ${protocol}route ${which} (${share})`;
}

/**
 * Something other than a person that sets a Deployment's replicas.
 *
 * @public
 */
export interface ScaleController {
  kind: 'HorizontalPodAutoscaler' | 'owner' | 'Canary' | 'Rollout';
  /** Namespace of the controlling object; absent for an owner reference. */
  namespace?: string;
  name: string;
  /** Says who, for an answer to a person. */
  description: string;
}

const DEPLOYMENT_GROUPS = ['apps', 'extensions'];

// `apps/v1`, `extensions/v1beta1`, or no apiVersion at all.
function namesDeployment(ref: unknown, name: string): boolean {
  const apiVersion = asString(dig(ref, 'apiVersion'));
  return (
    asString(dig(ref, 'kind')) === 'Deployment' &&
    asString(dig(ref, 'name')) === name &&
    (!apiVersion || DEPLOYMENT_GROUPS.includes(apiVersion.split('/')[0]))
  );
}

/**
 * What else sets the replicas of a Deployment (a raw object): a
 * HorizontalPodAutoscaler whose scaleTargetRef names it, an owner
 * reference with `controller: true`, a Flagger Canary whose
 * `spec.targetRef` names it, an Argo Rollouts Rollout whose
 * `spec.workloadRef` names it. Only objects of the Deployment's namespace
 * count, as these references are namespace-local.
 *
 * @public
 */
export function findScaleControllers(
  deployment: unknown,
  objects: {
    horizontalPodAutoscalers?: unknown[];
    canaries?: unknown[];
    rollouts?: unknown[];
  },
): ScaleController[] {
  const meta = readMeta(deployment);
  if (!meta) return [];
  const { name, namespace } = meta;
  const out: ScaleController[] = [];
  // Namespace-local references to the Deployment, by kind.
  const referrers: Array<{
    kind: 'HorizontalPodAutoscaler' | 'Canary' | 'Rollout';
    objects?: unknown[];
    ref: string[];
    says: (who: string) => string;
  }> = [
    {
      kind: 'HorizontalPodAutoscaler',
      objects: objects.horizontalPodAutoscalers,
      ref: ['spec', 'scaleTargetRef'],
      says: who => `HorizontalPodAutoscaler ${who} sets its replicas`,
    },
    {
      kind: 'Canary',
      objects: objects.canaries,
      ref: ['spec', 'targetRef'],
      says: who =>
        `Flagger Canary ${who} targets it (spec.targetRef) and scales it`,
    },
    {
      kind: 'Rollout',
      objects: objects.rollouts,
      ref: ['spec', 'workloadRef'],
      says: who =>
        `Argo Rollouts Rollout ${who} references it (spec.workloadRef) and scales it`,
    },
  ];
  for (const { kind, objects: list, ref, says } of referrers) {
    for (const raw of asArray(list)) {
      const other = readMeta(raw);
      if (
        other?.namespace === namespace &&
        namesDeployment(dig(raw, ...ref), name)
      ) {
        out.push({
          kind,
          namespace,
          name: other.name,
          description: says(`${namespace}/${other.name}`),
        });
      }
    }
  }
  for (const owner of asArray(dig(deployment, 'metadata', 'ownerReferences'))) {
    if (dig(owner, 'controller') !== true) continue;
    const kind = asString(dig(owner, 'kind')) ?? 'object';
    const ownerName = asString(dig(owner, 'name')) ?? '';
    const apiVersion = asString(dig(owner, 'apiVersion'));
    out.push({
      kind: 'owner',
      name: ownerName,
      description: `its controller ${kind} ${ownerName}${
        apiVersion ? ` (${apiVersion})` : ''
      } manages it`,
    });
  }
  return out;
}
