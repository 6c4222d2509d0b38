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
  deriveCanaryPlan,
  isTargetRouteName,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type {
  DestinationRef,
  DestinationView,
  RouteOperation,
  RouteSnapshot,
  RouteTarget,
  RouteView,
  VersionView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// Pure helpers behind the action buttons: which buttons a route gets, what
// they would do, and how results read. The backend re-checks everything;
// these only decide what to offer and how to label it.

export type { DestinationRef, RouteOperation };

/** A targeted route this plugin inserted (named istio-rollouts-target-…). */
export function isTargetRoute(route: RouteView): boolean {
  return isTargetRouteName(route.name);
}

/** What one of its routes is called: an HTTPRoute has rules, a VirtualService http routes. */
export function routeNoun(kind?: string): 'rule' | 'route' {
  return kind === 'HTTPRoute' ? 'rule' : 'route';
}

/**
 * Names a route for the API: by name when it has one (stable across
 * inserts), else by index. The kind is sent only for an HTTPRoute, so a
 * backend that knows VirtualServices alone reads the request as before.
 */
export function routeTarget(
  cluster: string,
  vs: VirtualServiceView,
  route: { name?: string; index: number },
): RouteTarget {
  return {
    cluster,
    namespace: vs.namespace,
    virtualService: vs.name,
    route: route.name ?? route.index,
    ...(vs.kind === 'HTTPRoute' ? { kind: 'HTTPRoute' as const } : {}),
  };
}

// A Service backendRef as the view names it: `name`, or `name.ns.svc` for
// a Service in another namespace. Other backends (`Kind:name`) do not match.
const SERVICE_HOST =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.svc)?$/;

/**
 * The versions an action may send traffic to. A VirtualService's are all of
 * its versions (host and subset); an HTTPRoute's are Services, so backends
 * of other kinds, which the plugin shows but never writes, are left out.
 */
export function actionableVersions(vs: VirtualServiceView): VersionView[] {
  return vs.kind === 'HTTPRoute'
    ? vs.versions.filter(v => !v.subset && SERVICE_HOST.test(v.host))
    : vs.versions;
}

export function toRef(d: {
  host: string;
  subset?: string;
  port?: number;
}): DestinationRef {
  const ref: DestinationRef = { host: d.host };
  if (d.subset) ref.subset = d.subset;
  if (d.port !== undefined) ref.port = d.port;
  return ref;
}

export function versionRef(v: VersionView): DestinationRef {
  return toRef(v);
}

/**
 * The version a destination sends traffic to: by key when the view says,
 * else by subset and host (snapshots and audit records name hosts as the
 * VirtualService does, short or fully qualified).
 */
export function findVersion(
  versions: VersionView[],
  d: { versionKey?: string; host: string; subset?: string },
): VersionView | undefined {
  return (
    (d.versionKey && versions.find(v => v.key === d.versionKey)) ||
    versions.find(
      v =>
        (v.subset ?? '') === (d.subset ?? '') &&
        (v.host === d.host || v.fqdn === d.host),
    )
  );
}

/** The short label of a destination (`v2`), falling back to subset or host. */
export function labelOf(
  versions: VersionView[],
  d: { versionKey?: string; host: string; subset?: string },
): string {
  const found = findVersion(versions, d);
  return found ? found.label : d.subset ?? d.host;
}

export interface CanaryInfo {
  stable: DestinationView;
  canary: DestinationView;
  /** The canary's share of the traffic now, in percent (weights read as Istio reads them: 5/5 is 50). */
  current: number;
  /** The canary's share after "promote to next step". */
  next: number;
}

/**
 * Stable and canary of a two-destination route whose canary has some but not
 * all traffic. Stable = the first listed destination: start-canary appends
 * the canary after it, and the weights alone cannot tell past 50%. The UI
 * sends this choice as \`stable\`, so the backend acts on what was shown.
 */
export function canaryInfo(
  route: RouteView,
  steps: readonly number[],
): CanaryInfo | undefined {
  if (route.destinations.length !== 2) return undefined;
  const [stable, canary] = route.destinations;
  // The backend's own arithmetic, so the button says what will be written.
  const derived = deriveCanaryPlan({
    destinations: route.destinations,
    steps,
    stable,
  });
  if (!derived.ok) return undefined;
  const { current, next } = derived.plan;
  if (current <= 0 || current >= 100) return undefined;
  return { stable, canary, current, next };
}

/** Blue-green: exactly two destinations, one with all the traffic (100/0, or 1/0 read as Istio does). */
export function isBlueGreen(route: RouteView): boolean {
  const weights = route.destinations.map(d => d.weight).sort((a, b) => a - b);
  return weights.length === 2 && weights[0] === 0 && weights[1] > 0;
}

/** The version that keeps all traffic after a rollback: the first listed (see canaryInfo). */
export function stableOf(route: RouteView): DestinationView | undefined {
  return route.destinations[0];
}

/** A destination as the write API names it. */
export function destinationRef(d: {
  host: string;
  subset?: string;
  port?: number;
}) {
  return {
    host: d.host,
    ...(d.subset ? { subset: d.subset } : {}),
    ...(d.port ? { port: d.port } : {}),
  };
}

/**
 * The targeted routes this plugin inserted for `route`: they sit directly
 * before it (each new one is inserted just before the route), so walk back
 * over the contiguous run of them.
 */
export function targetedRoutesOf(
  vs: VirtualServiceView,
  route: RouteView,
): RouteView[] {
  const before = vs.routes
    .filter(r => r.index < route.index)
    .sort((a, b) => b.index - a.index);
  const found: RouteView[] = [];
  for (const r of before) {
    if (!isTargetRoute(r)) break;
    found.unshift(r);
  }
  return found;
}

/** The route a targeted route belongs to: the first non-targeted route after it. */
export function ownerRouteOf(
  vs: VirtualServiceView,
  targeted: RouteView,
): RouteView | undefined {
  return vs.routes
    .filter(r => r.index > targeted.index)
    .sort((a, b) => a.index - b.index)
    .find(r => !isTargetRoute(r));
}

/** "v1 75% · v2 25%", plus the mirror when there is one. */
export function describeSnapshot(
  versions: VersionView[],
  snapshot: RouteSnapshot,
): string {
  const weights = snapshot.destinations
    .map(d => `${labelOf(versions, d)} ${d.weight}%`)
    .join(' · ');
  const mirror = snapshot.mirror
    ? ` · mirror ${snapshot.mirror.percentage}% to ${labelOf(
        versions,
        snapshot.mirror,
      )}`
    : '';
  return `${weights}${mirror}`;
}
