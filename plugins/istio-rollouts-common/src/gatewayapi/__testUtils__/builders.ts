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

import { ArgoRollout, KubeObject, KubeObjectMeta } from '../../kube/types';
import { deployment, service } from '../../__testUtils__/builders';
import { toClusterObjects } from '../../__testUtils__/loadYaml';
import {
  GatewayHttpRoute,
  GatewayHttpRouteRule,
  HttpRouteClusterObjects,
} from '../types';

// Test-only builders for HTTPRoutes.

export function httpRoute(
  name: string,
  rules: GatewayHttpRouteRule[],
  options: {
    namespace?: string;
    parentRefs?: NonNullable<GatewayHttpRoute['spec']>['parentRefs'];
    hostnames?: string[];
    metadata?: Partial<KubeObjectMeta>;
  } = {},
): GatewayHttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      resourceVersion: '7',
      ...options.metadata,
    },
    spec: {
      parentRefs: options.parentRefs ?? [
        { group: '', kind: 'Service', name, port: 8080 },
      ],
      ...(options.hostnames ? { hostnames: options.hostnames } : {}),
      rules,
    },
  };
}

/** `checkout` in namespace shop: a parent Service and, per version, a Service and a Deployment. */
export function checkoutApp(versions = ['v1', 'v2']) {
  return {
    services: [
      service('checkout', { app: 'checkout' }, 'shop', {
        'backstage.io/kubernetes-id': 'checkout',
      }),
      ...versions.map(v =>
        service(`checkout-${v}`, { app: 'checkout', version: v }),
      ),
    ],
    deployments: versions.map(v =>
      deployment(
        `checkout-${v}`,
        { app: 'checkout', version: v },
        { labels: { 'backstage.io/kubernetes-id': 'checkout' } },
      ),
    ),
  };
}

/** Backend refs `name=weight`; an undefined weight is left out. */
export function backends(
  weights: Array<[string, number | undefined]>,
): GatewayHttpRouteRule['backendRefs'] {
  return weights.map(([name, weight]) => ({
    name,
    port: 8080,
    ...(weight === undefined ? {} : { weight }),
  }));
}

export function withRoutes(
  parts: Partial<HttpRouteClusterObjects>,
  httpRoutes: GatewayHttpRoute[],
): HttpRouteClusterObjects {
  return { ...parts, httpRoutes };
}

/** Parsed objects sorted into a bag, HTTPRoutes included. */
export function toHttpRouteObjects(
  objects: unknown[],
): HttpRouteClusterObjects {
  return {
    ...toClusterObjects(objects),
    httpRoutes: objects.filter(
      o => (o as KubeObject | null)?.kind === 'HTTPRoute',
    ) as GatewayHttpRoute[],
  };
}

/** An Argo Rollout whose Gateway API plugin drives HTTPRoute `route`, at step 1 of 2. */
export function argoRollout(
  route: string | { httpRoutes: string[] } = 'checkout',
): ArgoRollout {
  // ArgoRollout's typed subset has no `plugins`: the raw object is read.
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: 'checkout',
      namespace: 'shop',
      labels: { 'backstage.io/kubernetes-id': 'checkout' },
    },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { app: 'checkout', track: 'argo' } } },
      strategy: {
        canary: {
          stableService: 'checkout-v1',
          canaryService: 'checkout-v2',
          steps: [{ setWeight: 20 }, { pause: {} }],
          trafficRouting: {
            plugins: {
              'argoproj-labs/gatewayAPI':
                typeof route === 'string'
                  ? { httpRoute: route, namespace: 'shop' }
                  : { httpRoutes: route.httpRoutes.map(name => ({ name })) },
            },
          },
        },
      },
    },
    status: { phase: 'Paused', currentStepIndex: 1 },
  };
  return rollout as unknown as ArgoRollout;
}
