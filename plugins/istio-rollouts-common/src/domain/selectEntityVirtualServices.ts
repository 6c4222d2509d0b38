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
  KUBERNETES_ANNOTATIONS,
  RolloutAnnotations,
  VirtualServiceRef,
} from '../annotations';
import { asArray, asString, dig } from '../kube/guards';
import { hostMatches, parseServiceFqdn, serviceFqdn } from '../kube/hosts';
import {
  LabelRequirement,
  labelsInclude,
  matchesLabelSelector,
  parseLabelSelector,
} from '../kube/labels';
import { readMeta } from '../kube/readMeta';
import { VirtualServiceModel } from '../kube/readIstio';
import { ClusterObjects } from '../kube/types';
import { findController } from './controllers';
import { indexClusterObjects, ObjectIndex } from './objectIndex';
import { findSubset } from './versions';
import { findWorkloads } from './workloads';

/**
 * The objects of a cluster that belong to an entity: a small bag to pass to
 * `buildVirtualServiceViews`, plus what could not be found.
 *
 * @public
 */
export interface EntityClusterObjects extends ClusterObjects {
  /** VirtualServices the annotation names that this cluster does not have. */
  notFound: VirtualServiceRef[];
  /** Problems with the discovery annotations, e.g. an unreadable label selector. */
  problems: string[];
}

/**
 * The entity's label requirements: its label selector, else its
 * kubernetes-id label, as the Kubernetes plugin matches objects. An
 * unreadable selector is reported in `problems` and selects nothing.
 * Shared by the VirtualService and the HTTPRoute discovery.
 */
export function entityRequirements(
  annotations: RolloutAnnotations,
  problems: string[],
): LabelRequirement[] {
  if (annotations.labelSelector) {
    const parsed = parseLabelSelector(annotations.labelSelector);
    if ('error' in parsed) {
      problems.push(
        `${KUBERNETES_ANNOTATIONS.labelSelector}: ${parsed.error}; nothing is discovered from it`,
      );
      return [];
    }
    return parsed.requirements;
  }
  return annotations.kubernetesId
    ? [
        {
          key: KUBERNETES_ANNOTATIONS.id,
          operator: 'in',
          values: [annotations.kubernetesId],
        },
      ]
    : [];
}

function routeHosts(index: ObjectIndex, vs: VirtualServiceModel): string[] {
  const ns = vs.meta.namespace;
  return [
    ...vs.hosts,
    ...[...vs.http, ...vs.tcp, ...vs.tls].flatMap(r =>
      r.destinations.map(d => d.host),
    ),
    ...vs.http.flatMap(r => r.mirrors.map(m => m.host)),
  ].map(host => index.resolve(host, ns));
}

// Discovery: the entity's Services (labelled, or selecting its labelled
// workloads), then the VirtualServices for those hosts or routing to them.
function discover(
  index: ObjectIndex,
  annotations: RolloutAnnotations,
  problems: string[],
): VirtualServiceModel[] {
  const requirements = entityRequirements(annotations, problems);
  const inScope = (namespace: string) =>
    !annotations.namespace || namespace === annotations.namespace;
  const mine = (labels: Record<string, string>, namespace: string) =>
    inScope(namespace) && matchesLabelSelector(labels, requirements);

  const workloads = index.workloads.filter(w =>
    mine(w.meta.labels, w.meta.namespace),
  );
  const fqdns = new Set(
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
      .map(s => serviceFqdn(s.meta.name, s.meta.namespace)),
  );
  const controlled = new Set<string>();
  for (const rollout of index.rollouts) {
    if (mine(rollout.meta.labels, rollout.meta.namespace)) {
      rollout.virtualServices.forEach(r =>
        controlled.add(`${r.namespace}/${r.name}`),
      );
    }
  }
  for (const canary of index.canaries) {
    const target = canary.targetName;
    if (
      mine(canary.meta.labels, canary.meta.namespace) ||
      workloads.some(
        w =>
          w.meta.namespace === canary.meta.namespace && w.meta.name === target,
      )
    ) {
      controlled.add(
        `${canary.meta.namespace}/${canary.serviceName ?? canary.targetName}`,
      );
    }
  }
  return index.virtualServices.filter(
    vs =>
      controlled.has(`${vs.meta.namespace}/${vs.meta.name}`) ||
      routeHosts(index, vs).some(host =>
        [...fqdns].some(
          fqdn => host === fqdn || (host !== '*' && hostMatches(host, fqdn)),
        ),
      ),
  );
}

function byName(
  index: ObjectIndex,
  annotations: RolloutAnnotations,
  notFound: VirtualServiceRef[],
): VirtualServiceModel[] {
  const found: VirtualServiceModel[] = [];
  for (const ref of annotations.virtualServices) {
    // Names are qualified (readRolloutAnnotations): never "this name in
    // every namespace", which would claim any team's same-named object.
    const matches = index.virtualServices.filter(
      vs => vs.meta.name === ref.name && vs.meta.namespace === ref.namespace,
    );
    if (!matches.length) {
      notFound.push(ref);
    }
    found.push(...matches.filter(vs => !found.includes(vs)));
  }
  return found;
}

function sameObject(raw: unknown, namespace: string, name: string): boolean {
  const meta = readMeta(raw);
  return meta?.namespace === namespace && meta.name === name;
}

/**
 * Picks the VirtualServices of an entity, and the DestinationRules,
 * Services, workloads, Rollouts and Canaries they need, from a cluster's
 * objects. VirtualServices named by `istio-rollouts/virtual-services` win;
 * otherwise they are discovered through the entity's Kubernetes labels.
 * Pure, and never throws.
 *
 * @public
 */
export function selectEntityVirtualServices(
  annotations: RolloutAnnotations,
  objects: ClusterObjects,
): EntityClusterObjects {
  const index = indexClusterObjects(objects);
  const notFound: VirtualServiceRef[] = [];
  const problems: string[] = [];
  const selected = annotations.virtualServices.length
    ? byName(index, annotations, notFound)
    : discover(index, annotations, problems);
  // A route delegated elsewhere is only understood with its delegate.
  for (const vs of [...selected]) {
    for (const route of vs.http) {
      const d = route.delegate;
      const delegate =
        d &&
        index.virtualServices.find(
          o => o.meta.name === d.name && o.meta.namespace === d.namespace,
        );
      if (delegate && !selected.includes(delegate)) {
        selected.push(delegate);
      }
    }
  }

  const ruleKeys = new Set<string>();
  const services = new Set<string>();
  const workloads = new Set<string>();
  const controllers = new Set<string>();
  for (const vs of selected) {
    const ns = vs.meta.namespace;
    const owner = findController(index, vs)?.managedBy;
    if (owner) controllers.add(`${owner.namespace}/${owner.name}`);
    const targets = [
      ...[...vs.http, ...vs.tcp, ...vs.tls].flatMap(r => r.destinations),
      ...vs.http.flatMap(r => r.mirrors),
    ];
    for (const { host, subset } of targets) {
      const fqdn = index.resolve(host, ns);
      const service = parseServiceFqdn(fqdn);
      if (service) services.add(`${service.namespace}/${service.name}`);
      const found = subset
        ? findSubset(index, fqdn, subset, [ns, service?.namespace ?? ns])
        : undefined;
      if (found) {
        ruleKeys.add(`${found.rule.meta.namespace}/${found.rule.meta.name}`);
      }
      for (const w of findWorkloads(
        index,
        fqdn,
        service?.namespace,
        found?.labels ?? {},
      )) {
        workloads.add(`${w.kind}/${w.meta.namespace}/${w.meta.name}`);
      }
    }
  }
  const keep = (field: keyof ClusterObjects, keys: Set<string>, prefix = '') =>
    asArray(dig(objects, field)).filter(raw => {
      const meta = readMeta(raw);
      return (
        meta !== undefined &&
        keys.has(`${prefix}${meta.namespace}/${meta.name}`)
      );
    }) as never[];
  const rollouts = keep('rollouts', controllers);
  const allRollouts = [
    ...rollouts,
    ...keep('rollouts', workloads, 'Rollout/').filter(
      r => !rollouts.includes(r),
    ),
  ];
  const owned = (field: 'replicaSets' | 'analysisRuns') =>
    ownedByRollouts(objects, allRollouts, field);
  return {
    virtualServices: asArray(dig(objects, 'virtualServices')).filter(raw =>
      selected.some(vs => sameObject(raw, vs.meta.namespace, vs.meta.name)),
    ) as never[],
    destinationRules: keep('destinationRules', ruleKeys),
    deployments: keep('deployments', workloads, 'Deployment/'),
    services: keep('services', services),
    rollouts: allRollouts,
    canaries: keep('canaries', controllers),
    replicaSets: owned('replicaSets'),
    analysisRuns: owned('analysisRuns'),
    notFound,
    problems,
  };
}

/**
 * The ReplicaSets or AnalysisRuns of the given Rollouts: matched by their
 * owner's uid, or, for objects without one, by the owner's name. Shared by
 * the VirtualService and the HTTPRoute selections.
 */
export function ownedByRollouts(
  objects: unknown,
  rollouts: unknown[],
  field: 'replicaSets' | 'analysisRuns',
): never[] {
  const owners = new Set<string>();
  for (const raw of rollouts) {
    const meta = readMeta(raw);
    const uid = asString(dig(raw, 'metadata', 'uid'));
    if (meta) owners.add(uid ?? `${meta.namespace}/Rollout/${meta.name}`);
  }
  return asArray(dig(objects, field)).filter(raw => {
    const namespace = readMeta(raw)?.namespace;
    return asArray(dig(raw, 'metadata', 'ownerReferences')).some(ref => {
      const uid = asString(dig(ref, 'uid'));
      return (
        (uid !== undefined && owners.has(uid)) ||
        owners.has(
          `${namespace}/${asString(dig(ref, 'kind'))}/${asString(
            dig(ref, 'name'),
          )}`,
        )
      );
    });
  }) as never[];
}
