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

import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import type {
  ApprovalPolicy,
  PromotionRequest,
  RouteActionResult,
  RouteView,
  VersionView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ReactNode } from 'react';
import {
  IstioRolloutsApi,
  istioRolloutsApiRef,
} from '../../../api/IstioRolloutsApi';

// Builders shared by the RouteActions tests (not shipped: nothing imports
// this outside tests).

let entityCount = 0;

/**
 * A service entity with a fresh name: usePermission caches decisions per
 * (permission, entity ref) across renders, so each test gets its own ref.
 */
export function testEntity(annotations: Record<string, string> = {}): Entity {
  entityCount += 1;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `reviews-${entityCount}`,
      annotations: {
        'istio-rollouts/virtual-services': 'demo/reviews',
        ...annotations,
      },
    },
    spec: { type: 'service', owner: 'team-bookinfo', lifecycle: 'production' },
  };
}

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
    explanation: 'test route',
    warnings: [],
    ...overrides,
  };
}

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

/** A successful (or dry-run) result that leaves the route at `weights`. */
export function result(weights: number[], dryRun = false): RouteActionResult {
  const destinations = weights.map((weight, i) => ({
    host: 'reviews',
    subset: `v${i + 1}`,
    weight,
  }));
  return {
    dryRun,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      {
        op: 'replace',
        path: '/spec/http/0/route/0/weight',
        value: weights[0],
      },
    ],
    before: { index: 0, name: 'primary', destinations },
    after: { index: 0, name: 'primary', destinations },
    resultingRoute: {},
    resourceVersionBefore: '42',
    resourceVersionAfter: dryRun ? undefined : '43',
    warnings: [],
  };
}

/** A result on rule 0 of demo/inventory that leaves it at `weights`. */
export function httpRouteResult(
  weights: number[],
  dryRun = false,
): RouteActionResult {
  const destinations = weights.map((weight, i) => ({
    host: `inventory-v${i + 1}`,
    port: 8080,
    weight,
  }));
  return {
    dryRun,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      {
        op: 'replace',
        path: '/spec/rules/0/backendRefs/0/weight',
        value: weights[0],
      },
    ],
    before: { index: 0, destinations },
    after: { index: 0, destinations },
    resultingRoute: {},
    resourceVersionBefore: '7',
    resourceVersionAfter: dryRun ? undefined : '8',
    warnings: [],
  };
}

/** The error the client throws for a backend answer (see IstioRolloutsClient). */
export function responseError(
  status: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  const response = new Response(
    JSON.stringify({
      error: { name, message },
      response: { statusCode: status },
    }),
    { status, headers: { 'content-type': 'application/json' } },
  );
  return ResponseError.fromResponse(response as any);
}

/** The approval policy of the demo: owners apply, four-eyes on, one day to decide. */
export const POLICY: ApprovalPolicy = {
  fourEyes: true,
  ownersApplyDirectly: true,
  requestTtlSeconds: 86_400,
};

/**
 * A complete API whose unmocked methods answer as an entity with no
 * clusters, requests or history would, so that each test mocks only what
 * it is about.
 */
export function testApi(api: Partial<IstioRolloutsApi> = {}): IstioRolloutsApi {
  const unexpected = async () => {
    throw new Error('not expected');
  };
  return {
    getHealth: async () => ({ status: 'ok' }),
    getEntityView: async () => ({
      entityRef: 'component:default/reviews',
      clusters: [],
      generatedAt: '2026-11-26T00:00:00Z',
    }),
    applyRouteAction: async () => result([90, 10]),
    controllerAction: unexpected,
    scaleVersion: unexpected,
    listRequests: async () => ({ items: [], policy: POLICY }),
    createRequest: unexpected,
    approveRequest: unexpected,
    rejectRequest: unexpected,
    cancelRequest: unexpected,
    getHistory: async () => ({ items: [] }),
    listAudit: async () => ({ items: [] }),
    exportAudit: unexpected,
    listReleasesInFlight: unexpected,
    ...api,
  };
}

type Decision = 'ALLOW' | 'DENY';

/** A pending request by `requestedBy` to promote v2 from 10% to 25%. */
export function promotionRequest(
  overrides: Partial<PromotionRequest> = {},
): PromotionRequest {
  return {
    id: 'req-1',
    entityRef: 'component:default/reviews',
    target: {
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'reviews',
      route: 'primary',
    },
    change: { type: 'promote-next', steps: [10, 25, 50, 100] },
    reason: 'error rate flat for an hour',
    status: 'pending',
    requestedBy: 'user:default/bob',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 23 * 3_600_000).toISOString(),
    before: result([90, 10]).after,
    plannedAfter: result([75, 25]).after,
    resourceVersion: '42',
    ...overrides,
  };
}

/**
 * Wraps children in the APIs the actions need. `decide` answers per
 * permission name. The permission API's ref comes from the test-utils
 * factory, because plugin-permission-react is no dependency of this package.
 */
export function Providers({
  api,
  entity,
  decide = () => 'ALLOW',
  apis = [],
  children,
}: {
  api: Partial<IstioRolloutsApi>;
  entity: Entity;
  decide?: (permissionName: string) => Decision;
  /** More [ref, implementation] pairs, e.g. the identity API. */
  apis?: any[];
  children: ReactNode;
}) {
  const full = testApi(api);
  const permission = mockApis.permission.factory({
    // AuthorizeResult's values are these strings; its enum lives in
    // plugin-permission-common, which this package does not depend on.
    authorize: request => decide(request.permission.name) as any,
  });
  return (
    <TestApiProvider
      apis={[
        [istioRolloutsApiRef, full],
        [permission.api, permission.factory({})],
        ...apis,
      ]}
    >
      <EntityProvider entity={entity}>{children}</EntityProvider>
    </TestApiProvider>
  );
}
