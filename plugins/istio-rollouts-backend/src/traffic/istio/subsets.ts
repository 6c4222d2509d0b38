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
  RouteOperation,
  parseServiceFqdn,
  resolveHost,
  routeHosts,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../../cluster/ClusterObjectCache';
import { RoutingObjectRef } from '../TrafficRouter';

/**
 * Subsets a change may use, from the DestinationRules Istio would apply:
 * those of the VirtualService's namespace and of each destination's own
 * Service namespace (a DestinationRule usually lives beside its Service,
 * which may be another namespace than the route's).
 */
export function knownSubsets(
  cache: ClusterObjectCache,
  vs: RoutingObjectRef,
  operation: RouteOperation,
): Record<string, string[]> {
  const namespaces = serviceNamespaces(
    cache,
    destinationHosts(
      cache.find('virtualServices', vs.namespace, vs.name),
      operation,
    ),
    vs.namespace,
  );
  const subsets: Record<string, string[]> = {};
  for (const dr of cache.objectsIn(namespaces).destinationRules as any[]) {
    const host = dr.spec?.host;
    if (typeof host !== 'string') continue;
    const names = (dr.spec?.subsets ?? [])
      .map((s: any) => s?.name)
      .filter(Boolean);
    // As written, and fully qualified the way Istio reads a DestinationRule's
    // host: relative to the DestinationRule's own namespace.
    for (const key of new Set([
      host,
      resolveHost(host, dr.metadata?.namespace ?? vs.namespace),
    ])) {
      subsets[key] = [...(subsets[key] ?? []), ...names];
    }
  }
  return subsets;
}

// Hosts a change may touch: the route destinations and mirrors the
// VirtualService has, and those the operation names.
function destinationHosts(vs: any, operation: RouteOperation): string[] {
  const named = operation as {
    canary?: { host?: string };
    to?: { host?: string };
    weights?: Array<{ host?: string }>;
  };
  const hosts: Array<string | undefined> = [
    ...(vs?.spec?.http ?? []).flatMap(routeHosts),
    named.canary?.host,
    named.to?.host,
    ...(named.weights ?? []).map(w => w?.host),
  ];
  return hosts.filter((h): h is string => typeof h === 'string' && !!h);
}

/**
 * The namespaces of the Services these hosts name, as seen from `namespace`
 * (`name.ns` counts when `ns` is a namespace of the cluster), and
 * `namespace` itself: where their DestinationRules and workloads are.
 */
export function serviceNamespaces(
  cache: ClusterObjectCache,
  hosts: string[],
  namespace: string,
): Set<string> {
  const namespaces = new Set([namespace]);
  for (const host of hosts) {
    const second = host.split('.')[1];
    const known = new Set(
      second && cache.find('namespaces', '', second) ? [second] : [],
    );
    const service = parseServiceFqdn(
      resolveHost(host, namespace, { namespaces: known }),
    );
    if (service) namespaces.add(service.namespace);
  }
  return namespaces;
}
