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
  EntityClusterObjects,
  EntityHttpRouteObjects,
  RolloutAnnotations,
  matchesLabelSelector,
  parseLabelSelector,
  selectEntityHttpRoutes,
  selectEntityVirtualServices,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';

const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

/**
 * The namespaces where an entity's objects can be, found with cheap label
 * and name look-ups, so the view is computed from those namespaces only.
 * Deliberately generous: the common package's selection decides precisely.
 */
export function entityNamespaces(
  annotations: RolloutAnnotations,
  cache: ClusterObjectCache,
): Set<string> {
  if (annotations.namespace) {
    return new Set([annotations.namespace]);
  }
  const namespaces = new Set<string>();
  for (const ref of annotations.virtualServices) namespaces.add(ref.namespace);

  let matches: ((labels: Record<string, string>) => boolean) | undefined;
  if (annotations.labelSelector) {
    const parsed = parseLabelSelector(annotations.labelSelector);
    if ('requirements' in parsed) {
      matches = labels => matchesLabelSelector(labels, parsed.requirements);
    }
  } else if (annotations.kubernetesId) {
    const id = annotations.kubernetesId;
    matches = labels => labels[KUBERNETES_ID_LABEL] === id;
  }
  if (matches) {
    for (const kind of ['services', 'deployments', 'rollouts'] as const) {
      for (const object of cache.all(kind)) {
        if (matches(object.metadata?.labels ?? {}))
          namespaces.add(object.metadata.namespace);
      }
    }
  }
  return namespaces;
}

/**
 * Namespaces that the selected VirtualServices route to (`name.namespace`
 * hosts), so versions in another namespace than their VirtualService are
 * found too.
 */
export function routedNamespaces(
  virtualServices: any[],
  known: Set<string>,
  cache: ClusterObjectCache,
): Set<string> {
  const extra = new Set<string>();
  for (const vs of virtualServices) {
    const routes = [
      ...(vs.spec?.http ?? []),
      ...(vs.spec?.tcp ?? []),
      ...(vs.spec?.tls ?? []),
    ];
    for (const route of routes) {
      for (const dest of [
        ...(route.route ?? []),
        ...(route.mirror ? [{ destination: route.mirror }] : []),
      ]) {
        const parts = String(dest?.destination?.host ?? '').split('.');
        if (
          parts.length >= 2 &&
          !known.has(parts[1]) &&
          cache.hasNamespace('services', parts[1])
        ) {
          extra.add(parts[1]);
        }
      }
    }
  }
  return extra;
}

/**
 * The entity's VirtualServices on one cluster and the objects they need,
 * read from the entity's namespaces only: the cost of a page view must not
 * grow with the size of the cluster.
 */
export function selectEntityObjects(
  annotations: RolloutAnnotations,
  cache: ClusterObjectCache,
): EntityClusterObjects {
  const namespaces = entityNamespaces(annotations, cache);
  const selected = selectEntityVirtualServices(
    annotations,
    cache.objectsIn(namespaces),
  );
  const more = routedNamespaces(selected.virtualServices, namespaces, cache);
  return more.size
    ? selectEntityVirtualServices(
        annotations,
        cache.objectsIn([...namespaces, ...more]),
      )
    : selected;
}

/**
 * The entity's Gateway API HTTPRoutes on one cluster and the objects their
 * views need, from the entity's namespaces only (as for VirtualServices).
 */
export function selectEntityHttpRouteObjects(
  annotations: RolloutAnnotations,
  cache: ClusterObjectCache,
): EntityHttpRouteObjects {
  const namespaces = entityNamespaces(annotations, cache);
  // Most namespaces hold no HTTPRoute: then nothing else is read (the
  // selection still says which named routes were not found).
  if (![...namespaces].some(ns => cache.hasNamespace('httpRoutes', ns))) {
    return selectEntityHttpRoutes(annotations, { httpRoutes: [] });
  }
  const objects = cache.objectsIn(namespaces);
  return selectEntityHttpRoutes(annotations, {
    ...objects,
    httpRoutes: objects.httpRoutes ?? [],
  });
}
