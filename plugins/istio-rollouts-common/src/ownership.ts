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

// Trust: which cluster objects an entity may CHANGE. The catalog says who
// owns an entity, but anyone who can publish a catalog-info.yaml can write
// any annotation, so annotations only decide what the tab SHOWS. A write
// also needs the cluster to agree: the object, or its namespace (namespaces
// are platform-owned), carries the Kubernetes plugin's own label
// `backstage.io/kubernetes-id=<the entity's id>`. Pure: the backend passes
// look-ups into its watch cache.

import type { RoutingObjectKind } from './actions';
import { parseServiceFqdn, resolveHost } from './kube/hosts';

/**
 * The label that binds a cluster object (or its namespace) to an entity:
 * the Kubernetes plugin's own, so one label serves both plugins.
 *
 * @public
 */
export const OWNERSHIP_LABEL = 'backstage.io/kubernetes-id';

/**
 * How writes are scoped (`istioRollouts.ownership.mode`):
 * `cluster-label` (default) — only objects the cluster binds to the entity
 * may change; `catalog` — the entity's annotations alone decide, as before
 * (an explicit, logged opt-in for clusters where nobody else can publish
 * catalog entities).
 *
 * @public
 */
export type OwnershipMode = 'cluster-label' | 'catalog';

/**
 * What the cluster needs to say for an entity's writes, decided once per
 * request from the entity and the catalog.
 *
 * @public
 */
export interface EntityBinding {
  mode: OwnershipMode;
  /** The label looked for on objects and namespaces. */
  label: string;
  /**
   * The value that binds an object to this entity: its
   * `backstage.io/kubernetes-id` annotation, when no other entity claims it.
   */
  id?: string;
  /** Why nothing can be bound to this entity (no id, or a contested id). */
  problem?: string;
}

/**
 * Look-ups into a cluster's objects that binding decisions need.
 *
 * @public
 */
export interface BindingLookup {
  /** Labels of a namespace; undefined when the namespace is not known. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Labels of a Service; undefined when it does not exist. */
  serviceLabels(
    namespace: string,
    name: string,
  ): Record<string, string> | undefined;
}

/**
 * Decides the binding of an entity from its kubernetes-id annotation and the
 * entities that claim the same id (including itself).
 *
 * @public
 */
export function entityBinding(options: {
  mode: OwnershipMode;
  label?: string;
  entityRef: string;
  kubernetesId?: string;
  /** Refs of every catalog entity whose kubernetes-id annotation is the same. */
  claimants?: string[];
}): EntityBinding {
  const label = options.label ?? OWNERSHIP_LABEL;
  const base = { mode: options.mode, label };
  if (options.mode === 'catalog') return base;
  const id = options.kubernetesId;
  if (!id) {
    return {
      ...base,
      problem: `${options.entityRef} has no backstage.io/kubernetes-id annotation, so no cluster object can be bound to it; add one, and label its objects or namespace ${label}=<that id>`,
    };
  }
  const others = (options.claimants ?? []).filter(
    ref =>
      ref.toLocaleLowerCase('en-US') !==
      options.entityRef.toLocaleLowerCase('en-US'),
  );
  if (others.length) {
    // Fail closed: a second claim must not borrow the first one's objects,
    // and neither entity moves traffic until the catalog is put right.
    return {
      ...base,
      problem: `backstage.io/kubernetes-id '${id}' is claimed by ${others.join(
        ', ',
      )} as well as ${
        options.entityRef
      }; objects labelled ${label}=${id} cannot be changed through either until only one entity claims it`,
    };
  }
  return { ...base, id };
}

/**
 * Why the cluster does not bind an object to the entity, or undefined when
 * it does (the object's own label, or its namespace's).
 *
 * @public
 */
export function objectBindingRefusal(
  binding: EntityBinding,
  object: {
    kind: string;
    namespace: string;
    name: string;
    labels?: Record<string, string>;
  },
  lookup: BindingLookup,
): string | undefined {
  if (binding.mode === 'catalog') return undefined;
  const what = `${object.kind} ${object.namespace}/${object.name}`;
  if (!binding.id) {
    return `The cluster does not bind ${what} to this entity: ${binding.problem}`;
  }
  const own = object.labels?.[binding.label];
  const ns = lookup.namespaceLabels(object.namespace)?.[binding.label];
  if (own === binding.id || ns === binding.id) return undefined;
  const boundTo = [own, ns].filter(Boolean);
  return `The cluster does not bind ${what} to this entity (${
    boundTo.length
      ? `it is labelled ${binding.label}=${boundTo.join(' / ')}`
      : `neither it nor namespace ${object.namespace} carries ${binding.label}`
  }); to bind it, a platform admin labels it or its namespace ${
    binding.label
  }=${binding.id}`;
}

/**
 * Every host an http route (raw JSON, as in `spec.http`) sends traffic or
 * copies of requests to: its destinations, its `mirror` and every one of
 * its `mirrors`.
 *
 * @public
 */
export function routeHosts(route: unknown): string[] {
  const r = route as any;
  const hosts: unknown[] = [
    ...(Array.isArray(r?.route) ? r.route : []).map(
      (d: any) => d?.destination?.host,
    ),
    r?.mirror?.host,
    ...(Array.isArray(r?.mirrors) ? r.mirrors : []).map(
      (m: any) => m?.destination?.host,
    ),
  ];
  return hosts.filter((h): h is string => typeof h === 'string' && !!h);
}

// The Service a destination host names, or undefined for hosts outside the
// cluster. `name.ns` is a Service only when `ns` is a namespace of this
// cluster.
function serviceOfHost(
  host: string,
  fromNamespace: string,
  lookup: BindingLookup,
): { namespace: string; name: string } | undefined {
  const second = host.split('.')[1];
  const namespaces = new Set(
    second && lookup.namespaceLabels(second) ? [second] : [],
  );
  return parseServiceFqdn(resolveHost(host, fromNamespace, { namespaces }));
}

// Why a destination host is not one of the entity's own Services, or
// undefined when the cluster binds it. Hosts outside the cluster (external
// names, wildcards) are never the entity's.
function hostBindingRefusal(
  binding: EntityBinding,
  host: string,
  fromNamespace: string,
  lookup: BindingLookup,
): string | undefined {
  if (binding.mode === 'catalog') return undefined;
  const service = serviceOfHost(host, fromNamespace, lookup);
  if (!service) {
    return `Destination ${host} is not a Service of this cluster, so the cluster cannot bind it to this entity`;
  }
  const labels = lookup.serviceLabels(service.namespace, service.name);
  if (!labels) {
    return `Destination ${host}: Service ${service.namespace}/${service.name} does not exist`;
  }
  const refusal = objectBindingRefusal(
    binding,
    { kind: 'Service', ...service, labels },
    lookup,
  );
  return refusal && `Destination ${host}: ${refusal}`;
}

function boundToAnyone(
  binding: EntityBinding,
  object: { namespace: string; labels?: Record<string, string> },
  lookup: BindingLookup,
): boolean {
  return Boolean(
    object.labels?.[binding.label] ||
      lookup.namespaceLabels(object.namespace)?.[binding.label],
  );
}

/**
 * Why a route of a VirtualService may not be changed for the entity, or
 * undefined when it may: the VirtualService is bound to the entity, or is
 * bound to no entity at all (a shared, platform-owned one, such as a gateway
 * VirtualService with many teams' routes); and every destination and mirror
 * the route has, or the change gives it, is one of the entity's own
 * Services. So a shared VirtualService changes only on the entity's routes,
 * and no write adds another team's Service.
 *
 * @public
 */
export function routeWriteRefusal(
  binding: EntityBinding,
  virtualService: {
    namespace: string;
    name: string;
    labels?: Record<string, string>;
    /** The routing object's kind; absent: VirtualService. */
    kind?: RoutingObjectKind;
  },
  hosts: string[],
  lookup: BindingLookup,
): string | undefined {
  if (binding.mode === 'catalog') return undefined;
  const { kind = 'VirtualService', ...object } = virtualService;
  const vsRefusal = objectBindingRefusal(binding, { kind, ...object }, lookup);
  // Bound to another entity: that entity's team decides, whatever the route.
  if (
    vsRefusal &&
    (!binding.id || boundToAnyone(binding, virtualService, lookup))
  ) {
    return vsRefusal;
  }
  for (const host of new Set(hosts)) {
    const refusal = hostBindingRefusal(
      binding,
      host,
      virtualService.namespace,
      lookup,
    );
    if (refusal) {
      return vsRefusal
        ? `${kind} ${virtualService.namespace}/${virtualService.name} is shared (bound to no entity), so only routes to this entity's own Services may change. ${refusal}`
        : refusal;
    }
  }
  return undefined;
}

/**
 * Which entity id the cluster binds a route to, read the other way round
 * from {@link routeWriteRefusal}: the routing object's own label, else its
 * namespace's; for a shared object (bound to nothing), the id that every
 * destination Service of the route shares. `problem` says why there is none.
 *
 * @public
 */
export function routeBoundId(
  label: string,
  object: {
    kind: string;
    namespace: string;
    name: string;
    labels?: Record<string, string>;
  },
  hosts: string[],
  lookup: BindingLookup,
): { id: string } | { problem: string } {
  const own = object.labels?.[label];
  if (own) return { id: own };
  const ns = lookup.namespaceLabels(object.namespace)?.[label];
  if (ns) return { id: ns };
  const what = `${object.kind} ${object.namespace}/${object.name}`;
  const ids = new Set<string>();
  for (const host of new Set(hosts)) {
    const service = serviceOfHost(host, object.namespace, lookup);
    const labels =
      service && lookup.serviceLabels(service.namespace, service.name);
    const id =
      labels &&
      (labels[label] || lookup.namespaceLabels(service.namespace)?.[label]);
    if (!id) {
      return {
        problem: `${what} is bound to no entity (neither it nor namespace ${object.namespace} carries ${label}), and destination ${host} is not a Service bound to one`,
      };
    }
    ids.add(id);
  }
  if (ids.size === 1) return { id: [...ids][0] };
  return {
    problem: ids.size
      ? `${what} is shared (bound to no entity) and this route's destinations are bound to different entities (${[
          ...ids,
        ].join(', ')})`
      : `${what} is bound to no entity (neither it nor namespace ${object.namespace} carries ${label})`,
  };
}
