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

import { mockServices } from '@backstage/backend-test-utils';
import { planRouteChange } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { createTrafficRouter } from './createTrafficRouter';
import { RouteKind } from './TrafficRouter';

// Never started: these calls read only the objects they are given (and the
// kind's API path), never the cluster.
function unstartedCache() {
  return new ClusterObjectCache({
    cluster: { name: 'c1', url: 'https://127.0.0.1:1', skipTLSVerify: true },
    logger: mockServices.logger.mock(),
    onChange: () => {},
  });
}

const vs = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { namespace: 'shop', name: 'web', resourceVersion: '7' },
  spec: {
    hosts: ['web'],
    http: [
      {
        name: 'jason',
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: [{ destination: { host: 'web', subset: 'v2' } }],
      },
      {
        name: 'primary',
        route: [
          { destination: { host: 'web', subset: 'v1' }, weight: 90 },
          { destination: { host: 'web-canary.other' }, weight: 10 },
        ],
        mirror: { host: 'web-shadow' },
      },
    ],
  },
};

describe('createTrafficRouter', () => {
  it('gives the Istio router for VirtualServices, at their API path', () => {
    const router = createTrafficRouter({
      kind: 'VirtualService',
      cache: unstartedCache(),
    });
    expect(router.kind).toBe('VirtualService');
    expect(router.objectPath({ namespace: 'shop', name: 'web' })).toBe(
      '/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web',
    );
  });

  it('gives the Gateway API router for HTTPRoutes, at their API path', () => {
    const router = createTrafficRouter({
      kind: 'HTTPRoute',
      cache: unstartedCache(),
    });
    expect(router.kind).toBe('HTTPRoute');
    expect(router.objectPath({ namespace: 'shop', name: 'web' })).toBe(
      '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web',
    );
  });

  it('refuses a kind it has no router for instead of falling back to Istio', () => {
    expect(() =>
      createTrafficRouter({
        kind: 'TCPRoute' as RouteKind,
        cache: unstartedCache(),
      }),
    ).toThrow('No traffic router for routes of kind TCPRoute');
  });

  it('reads a route by name or index, and undefined for a missing one', () => {
    const router = createTrafficRouter({
      kind: 'VirtualService',
      cache: unstartedCache(),
    });
    expect(router.readRoute(vs, 'primary')).toEqual({
      index: 1,
      name: 'primary',
      destinations: [
        { host: 'web', subset: 'v1', weight: 90 },
        { host: 'web-canary.other', weight: 10 },
      ],
      mirror: { host: 'web-shadow', percentage: 100 },
    });
    expect(router.readRoute(vs, 0)?.name).toBe('jason');
    expect(router.readRoute(vs, 'gone')).toBeUndefined();
    expect(router.readRoute(vs, 2)).toBeUndefined();
    expect(router.readRoute({}, 0)).toBeUndefined();
  });

  it('names every host a planned change touches, the mirror included', () => {
    const router = createTrafficRouter({
      kind: 'VirtualService',
      cache: unstartedCache(),
    });
    const plan = planRouteChange({
      virtualService: vs,
      route: 'primary',
      operation: { type: 'promote-full' },
    });
    if (!plan.ok) throw new Error(plan.message);
    expect(new Set(router.hostsOfChange(plan, vs))).toEqual(
      new Set(['web', 'web-canary.other', 'web-shadow']),
    );
  });
});
