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
  DestinationRef,
  RouteChangePlan,
  RouteOperation,
  VersionView,
  buildHttpRouteViews,
  planHttpRouteChange,
  snapshotHttpRouteRule,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { destinationsGaining } from '../destinationsGaining';
import {
  JsonPatchTrafficRouter,
  pickFromList,
} from '../JsonPatchTrafficRouter';
import { RoutedObject } from '../TrafficRouter';

/**
 * Reads and sets rules of Gateway API HTTPRoutes (`spec.rules`): weights of
 * `backendRefs`, a canary Service, targeted rules, RequestMirror filters.
 * Versions are Services, so there are no subsets to check; the patch is
 * pinned by `test` operations like a VirtualService's.
 */
export class GatewayApiTrafficRouter extends JsonPatchTrafficRouter {
  readonly kind = 'HTTPRoute';
  protected readonly cacheKey = 'httpRoutes';

  protected planner() {
    return (object: unknown, route: number | string, op: RouteOperation) =>
      planHttpRouteChange({ httpRoute: object, route, operation: op });
  }

  protected pickRoute(object: any, route: number | string) {
    return pickFromList(object?.spec?.rules, route);
  }

  protected snapshot(raw: unknown, index: number, object: any) {
    return snapshotHttpRouteRule(raw, index, namespaceOf(object));
  }

  // A missing weight is 1 (Gateway API's default).
  protected weightsAsWritten(raw: any): number[] {
    const refs: any[] = Array.isArray(raw?.backendRefs) ? raw.backendRefs : [];
    return refs.map(b => (typeof b?.weight === 'number' ? b.weight : 1));
  }

  routeHosts(object: any, index: number): string[] {
    return ruleHosts(object?.spec?.rules?.[index], namespaceOf(object));
  }

  // Every backend a change touches, from the rules as written (before and
  // after, a targeted rule it inserts, the rules it removes), as hosts the
  // binding rules read: `name`, or `name.ns.svc` in another namespace.
  hostsOfChange(plan: RouteChangePlan, object: unknown): string[] {
    const rules: any[] = (object as any)?.spec?.rules ?? [];
    const namespace = namespaceOf(object);
    return [
      rules[plan.before.index],
      plan.resultingRoute,
      plan.addedRoute?.route,
      ...(plan.removedRoutes ?? []).map(r => rules[r.index]),
    ].flatMap(rule => ruleHosts(rule, namespace));
  }

  // Read as the view reads them (Service → selector → workloads), through
  // a probe HTTPRoute of the gaining Services: a Service no rule uses yet
  // resolves too.
  versionsGaining(plan: RouteChangePlan, object: RoutedObject): VersionView[] {
    const added: DestinationRef[] = (
      snapshotHttpRouteRule(plan.addedRoute?.route, 0, object.namespace)
        .destinations ?? []
    ).map(({ weight, ...ref }) => ref);
    const gaining = destinationsGaining(plan, object.namespace, added);
    if (gaining.length === 0) return [];
    const namespaces = new Set([object.namespace]);
    const probe = {
      apiVersion: object.apiVersion,
      kind: 'HTTPRoute',
      metadata: { name: object.name, namespace: object.namespace },
      spec: {
        rules: [
          {
            backendRefs: gaining.map(d => {
              const [name, namespace, svc] = d.host.split('.');
              const ref: Record<string, unknown> = { name, weight: 1 };
              if (namespace && svc === 'svc') {
                ref.namespace = namespace;
                namespaces.add(namespace);
              }
              if (d.port) ref.port = d.port;
              return ref;
            }),
          },
        ],
      },
    };
    const [view] = buildHttpRouteViews({
      ...this.cache.objectsIn(namespaces),
      httpRoutes: [probe as any],
    });
    return view?.versions ?? [];
  }
}

function namespaceOf(object: any): string {
  return object?.metadata?.namespace ?? 'default';
}

// The hosts of a rule's backendRefs and RequestMirror backends; a backend
// of another kind is named `Kind:name`, which no binding accepts.
function ruleHosts(rule: any, namespace: string): string[] {
  const backends: any[] = [
    ...(Array.isArray(rule?.backendRefs) ? rule.backendRefs : []),
    ...(Array.isArray(rule?.filters) ? rule.filters : [])
      .filter((f: any) => f?.type === 'RequestMirror')
      .map((f: any) => f?.requestMirror?.backendRef),
  ];
  return backends.flatMap(b => {
    if (typeof b?.name !== 'string' || !b.name) return [];
    const kind = b.kind ?? 'Service';
    const group = b.group ?? '';
    if (kind !== 'Service' || (group !== '' && group !== 'core')) {
      return [`${kind}:${b.name}`];
    }
    const ns = b.namespace ?? namespace;
    return [ns === namespace ? b.name : `${b.name}.${ns}.svc`];
  });
}
