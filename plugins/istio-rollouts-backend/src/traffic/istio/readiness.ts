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
  RouteChangePlan,
  VersionView,
  buildVirtualServiceViews,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../../cluster/ClusterObjectCache';
import { destinationsGaining } from '../destinationsGaining';
import { RoutedObject } from '../TrafficRouter';
import { serviceNamespaces } from './subsets';

/**
 * The versions a planned change starts sending traffic (or mirrored
 * traffic) to, with their readiness: destinations that gain weight, a new
 * mirror, and the destinations of a targeted route the change inserts. They
 * are read like the view reads them (subset → labels → workloads), so a
 * version the route does not use yet is resolved too.
 */
export function versionsGaining(
  cache: ClusterObjectCache,
  plan: RouteChangePlan,
  vs: RoutedObject,
): VersionView[] {
  // A targeted route that the change inserts sends its users elsewhere too.
  const added = ((plan.addedRoute?.route as any)?.route ?? []).map(
    (r: any) => ({
      host: String(r?.destination?.host ?? ''),
      subset: r?.destination?.subset,
      port: r?.destination?.port?.number,
    }),
  );
  const gaining = destinationsGaining(plan, vs.namespace, added);
  if (gaining.length === 0) return [];
  const probe = {
    apiVersion: vs.apiVersion,
    kind: 'VirtualService',
    metadata: { name: vs.name, namespace: vs.namespace },
    spec: {
      hosts: vs.hosts,
      http: [
        {
          route: gaining.map(d => ({
            destination: {
              host: d.host,
              subset: d.subset,
              port: d.port ? { number: d.port } : undefined,
            },
            weight: Math.round(100 / gaining.length),
          })),
        },
      ],
    },
  };
  // The gaining versions' workloads are looked up in the cluster, in the
  // namespaces of their Services: a ready version that no route sends
  // traffic to yet is not among the entity's selected objects, and must
  // not read as "0 of 0 ready".
  const namespaces = serviceNamespaces(
    cache,
    gaining.map(d => d.host),
    vs.namespace,
  );
  const [probeView] = buildVirtualServiceViews({
    ...cache.objectsIn(namespaces),
    virtualServices: [probe as any],
  });
  return probeView?.versions ?? [];
}
