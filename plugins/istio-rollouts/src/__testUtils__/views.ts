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

import type {
  ClusterRolloutView,
  EntityRolloutView,
  RouteView,
  VersionView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// Builders of the rollout view as the backend sends it, for the component
// and hook tests (not shipped: nothing outside tests imports src/__testUtils__).
// Two demo services: reviews (a VirtualService with subsets v1, v2, …) and
// inventory (an HTTPRoute whose backends are the Services inventory-v1, …).

/** Version `subset` of reviews: a two-replica Deployment. */
export function version(subset: string, ready = 2): VersionView {
  return {
    key: `reviews/${subset}`,
    label: subset,
    host: 'reviews',
    fqdn: 'reviews.demo.svc.cluster.local',
    subset,
    labels: { version: subset },
    workloads: [
      {
        kind: 'Deployment',
        namespace: 'demo',
        name: `reviews-${subset}`,
        images: [`example/reviews:${subset}`],
        replicas: { desired: 2, ready, updated: 2, available: ready },
        updateStrategy: 'RollingUpdate',
      },
    ],
    ready,
    desired: 2,
  };
}

/**
 * Route `primary` of reviews, splitting traffic between v1, v2, … by
 * `weights`, with the sentence the backend writes for a two-way canary.
 */
export function route(
  weights: number[],
  overrides: Partial<RouteView> = {},
): RouteView {
  return {
    index: 0,
    name: 'primary',
    match: [],
    destinations: weights.map((weight, i) => ({
      versionKey: `reviews/v${i + 1}`,
      host: 'reviews',
      subset: `v${i + 1}`,
      weight,
    })),
    strategy: 'canary',
    explanation: `Canary: ${weights[1] ?? 0}% of traffic goes to v2, ${
      weights[0]
    }% stays on v1`,
    warnings: [],
    ...overrides,
  };
}

/** An unnamed route sending the requests of user jason to v2 only. */
export function targetedRoute(overrides: Partial<RouteView> = {}): RouteView {
  return {
    index: 0,
    match: [
      [{ kind: 'header', name: 'end-user', operator: 'exact', value: 'jason' }],
    ],
    destinations: [
      { versionKey: 'reviews/v2', host: 'reviews', subset: 'v2', weight: 100 },
    ],
    strategy: 'targeted',
    explanation: 'Targeted: requests with header end-user = jason go to v2',
    warnings: [],
    ...overrides,
  };
}

/** The VirtualService demo/reviews with versions v1 and v2. */
export function vsView(
  routes: RouteView[],
  overrides: Partial<VirtualServiceView> = {},
): VirtualServiceView {
  return {
    namespace: 'demo',
    name: 'reviews',
    apiVersion: 'networking.istio.io/v1',
    resourceVersion: '42',
    hosts: ['reviews'],
    gateways: [],
    versions: [version('v1'), version('v2')],
    routes,
    nonHttpRoutes: [],
    warnings: [],
    ...overrides,
  };
}

/**
 * A Service behind an HTTPRoute, as buildHttpRouteViews shows it: key,
 * label and host are the Service's name, with no subset.
 */
export function serviceVersion(name: string, ready = 1): VersionView {
  return {
    key: name,
    label: name,
    host: name,
    fqdn: `${name}.demo.svc.cluster.local`,
    labels: { app: 'inventory', version: name.replace(/^inventory-/, '') },
    workloads: [
      {
        kind: 'Deployment',
        namespace: 'demo',
        name,
        images: [`ghcr.io/example/inventory:${name}`],
        replicas: { desired: 1, ready, updated: 1, available: ready },
        updateStrategy: 'RollingUpdate',
      },
    ],
    ready,
    desired: 1,
  };
}

/**
 * A rule of the demo's HTTPRoute demo/inventory: backendRefs to the
 * Services inventory-v1, inventory-v2, … on port 8080, in that order.
 */
export function httpRouteRule(
  weights: number[],
  overrides: Partial<RouteView> = {},
): RouteView {
  return {
    index: 0,
    match: [],
    destinations: weights.map((weight, i) => ({
      versionKey: `inventory-v${i + 1}`,
      host: `inventory-v${i + 1}`,
      port: 8080,
      weight,
    })),
    strategy: 'canary',
    explanation: `Canary: ${
      weights[1] ?? 0
    }% of traffic goes to inventory-v2, ${weights[0]}% stays on inventory-v1`,
    warnings: [],
    ...overrides,
  };
}

/** The demo's HTTPRoute demo/inventory (seed 95-inventory-httproute.yaml). */
export function httpRouteView(
  rules: RouteView[],
  overrides: Partial<VirtualServiceView> = {},
): VirtualServiceView {
  return {
    kind: 'HTTPRoute',
    namespace: 'demo',
    name: 'inventory',
    apiVersion: 'gateway.networking.k8s.io/v1',
    resourceVersion: '7',
    hosts: ['inventory'],
    gateways: [],
    versions: [serviceVersion('inventory-v1'), serviceVersion('inventory-v2')],
    routes: rules,
    nonHttpRoutes: [],
    warnings: [],
    ...overrides,
  };
}

/** The view of component:default/reviews across `clusters`. */
export function entityRolloutView(
  clusters: ClusterRolloutView[],
  overrides: Partial<EntityRolloutView> = {},
): EntityRolloutView {
  return {
    entityRef: 'component:default/reviews',
    clusters,
    generatedAt: '2026-11-26T00:00:00Z',
    ...overrides,
  };
}

/** The view of reviews on the single cluster `local`, showing `routes`. */
export function localRolloutView(
  routes: RouteView[] = [route([90, 10])],
): EntityRolloutView {
  return entityRolloutView([
    { cluster: 'local', virtualServices: [vsView(routes)] },
  ]);
}
