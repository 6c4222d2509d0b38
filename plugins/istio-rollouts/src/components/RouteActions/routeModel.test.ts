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
  actionableVersions,
  canaryInfo,
  describeSnapshot,
  isBlueGreen,
  ownerRouteOf,
  routeNoun,
  routeTarget,
  stableOf,
  targetedRoutesOf,
} from './routeModel';
import {
  httpRouteRule,
  httpRouteView,
  route,
  serviceVersion,
  version,
  vsView,
} from '../../__testUtils__/views';

const STEPS = [10, 25, 50, 100];

describe('routeModel', () => {
  it('takes the first listed destination as stable (start-canary appends the canary)', () => {
    expect(canaryInfo(route([90, 10]), STEPS)).toMatchObject({
      stable: { subset: 'v1' },
      canary: { subset: 'v2' },
      next: 25,
    });
    // Past 50% the weights cannot tell; the order still does.
    expect(canaryInfo(route([25, 75]), STEPS)).toMatchObject({
      stable: { subset: 'v1' },
      canary: { subset: 'v2' },
      next: 100,
    });
    expect(canaryInfo(route([50, 50]), STEPS)).toMatchObject({
      stable: { subset: 'v1' },
      next: 100,
    });
    // Between steps: the next step above the current weight.
    expect(canaryInfo(route([88, 12]), STEPS)?.next).toBe(25);
  });

  it('reads weights as proportions, as Istio and the backend do', () => {
    expect(canaryInfo(route([5, 5]), STEPS)).toMatchObject({
      current: 50,
      next: 100,
    });
    expect(canaryInfo(route([3, 1]), STEPS)).toMatchObject({
      current: 25,
      next: 50,
    });
    expect(canaryInfo(route([0, 7]), STEPS)).toBeUndefined();
    expect(isBlueGreen(route([1, 0]))).toBe(true);
  });

  it('sees no canary on one destination, three, or a 100/0 pair', () => {
    expect(canaryInfo(route([100]), STEPS)).toBeUndefined();
    expect(canaryInfo(route([80, 10, 10]), STEPS)).toBeUndefined();
    expect(canaryInfo(route([100, 0]), STEPS)).toBeUndefined();
  });

  it('recognises a blue-green pair', () => {
    expect(isBlueGreen(route([100, 0]))).toBe(true);
    expect(isBlueGreen(route([0, 100]))).toBe(true);
    expect(isBlueGreen(route([90, 10]))).toBe(false);
    expect(isBlueGreen(route([100]))).toBe(false);
    expect(stableOf(route([0, 100]))?.subset).toBe('v1');
  });

  it("finds a route's targeted routes, and a targeted route's owner", () => {
    const t1 = route([100], { index: 0, name: 'istio-rollouts-target-a' });
    const other = route([100], { index: 1, name: 'by-hand' });
    const t2 = route([100], { index: 2, name: 'istio-rollouts-target-b' });
    const t3 = route([100], { index: 3, name: 'istio-rollouts-target-c' });
    const main = route([90, 10], { index: 4, name: 'primary' });
    const vs = vsView([t1, other, t2, t3, main]);

    expect(targetedRoutesOf(vs, main).map(r => r.name)).toEqual([
      'istio-rollouts-target-b',
      'istio-rollouts-target-c',
    ]);
    expect(ownerRouteOf(vs, t2)?.name).toBe('primary');
    expect(ownerRouteOf(vs, t1)?.name).toBe('by-hand');
  });

  it('names the kind in the target of an HTTPRoute rule, and only there', () => {
    const vs = vsView([route([90, 10])]);
    // Absent, not undefined: a backend that knows VirtualServices only
    // reads the request as before.
    expect(routeTarget('local', vs, vs.routes[0])).toStrictEqual({
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'reviews',
      route: 'primary',
    });
    const http = httpRouteView([httpRouteRule([90, 10])]);
    expect(routeTarget('local', http, http.routes[0])).toStrictEqual({
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'inventory',
      route: 0,
      kind: 'HTTPRoute',
    });
    expect(routeTarget('local', http, { index: 3 })).toMatchObject({
      route: 3,
      kind: 'HTTPRoute',
    });
    expect([routeNoun('HTTPRoute'), routeNoun('VirtualService')]).toEqual([
      'rule',
      'route',
    ]);
    expect(routeNoun(undefined)).toBe('route');
  });

  it("offers an HTTPRoute's Services as versions, not its backends of other kinds", () => {
    const pool = {
      ...serviceVersion('llm'),
      key: 'inferencepool:llm',
      label: 'InferencePool llm',
      host: 'InferencePool:llm',
    };
    const elsewhere = { ...serviceVersion('legacy'), host: 'legacy.old.svc' };
    const http = httpRouteView([httpRouteRule([100])], {
      versions: [serviceVersion('inventory-v1'), pool, elsewhere],
    });
    expect(actionableVersions(http).map(v => v.host)).toEqual([
      'inventory-v1',
      'legacy.old.svc',
    ]);
    // A VirtualService's versions are all offered, whatever their host.
    const vs = vsView([route([100])], { versions: [version('v1'), pool] });
    expect(actionableVersions(vs)).toHaveLength(2);
  });

  it('describes a snapshot with version labels and the mirror', () => {
    expect(
      describeSnapshot([version('v1'), version('v2')], {
        index: 0,
        destinations: [
          { host: 'reviews.demo.svc.cluster.local', subset: 'v1', weight: 75 },
          { host: 'reviews', subset: 'v2', weight: 25 },
        ],
        mirror: { host: 'reviews', subset: 'v2', percentage: 5 },
      }),
    ).toBe('v1 75% · v2 25% · mirror 5% to v2');
  });
});
