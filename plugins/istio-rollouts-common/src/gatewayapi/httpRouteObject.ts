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

import { RolloutWarning } from '../types';
import { ControllerOwnership, managedByWarning } from '../domain/controllers';
import { findTrackers, trackerWarnings } from '../domain/gitops';
import { GatewayHttpRouteModel, isServiceRef } from './readHttpRoute';

/**
 * The hosts and gateways of an HTTPRoute, as a VirtualService would name
 * them: its hostnames and Service parents; its Gateways, and `mesh` for a
 * Service parent.
 *
 * @internal
 */
export function parentsOf(route: GatewayHttpRouteModel) {
  const ns = route.meta.namespace;
  const short = (p: { namespace: string; name: string }) =>
    p.namespace === ns ? p.name : `${p.namespace}/${p.name}`;
  const services = route.parents.filter(isServiceRef);
  const gateways = route.parents
    .filter(p => !isServiceRef(p))
    .map(p => (p.kind === 'Gateway' ? short(p) : `${p.kind} ${short(p)}`));
  // A Service parent is mesh routing (GAMMA): like an Istio VirtualService
  // bound to `mesh`, for requests to that Service's host.
  if (services.length) gateways.push('mesh');
  const hosts = [
    ...route.hostnames,
    ...services.map(p =>
      p.namespace === ns ? p.name : `${p.name}.${p.namespace}`,
    ),
  ];
  return { hosts: [...new Set(hosts)], gateways: [...new Set(gateways)] };
}

/**
 * Caveats of an HTTPRoute as a whole: unreadable fields, no rules, no
 * parents, a controller that drives it, a GitOps tool that tracks it.
 *
 * @internal
 */
export function routeWarnings(
  route: GatewayHttpRouteModel,
  ref: string,
  ownership: ControllerOwnership | undefined,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = route.problems.map(problem => ({
    code: 'malformed-field',
    severity: 'warning',
    message: `HTTPRoute ${ref}: ${problem}; that part is ignored.`,
  }));
  if (!route.rules.length) {
    warnings.push({
      code: 'no-routes',
      severity: 'warning',
      message: `HTTPRoute ${ref} has no rules.`,
    });
  }
  if (!route.parents.length) {
    warnings.push({
      code: 'no-parents',
      severity: 'warning',
      message: `HTTPRoute ${ref} has no parentRefs, so no Gateway or Service uses it.`,
    });
  }
  if (ownership) {
    warnings.push(managedByWarning(`HTTPRoute ${ref}`, ownership.managedBy));
  }
  const trackedBy = findTrackers(route.meta);
  warnings.push(...trackerWarnings(route.meta, trackedBy));
  return warnings;
}
