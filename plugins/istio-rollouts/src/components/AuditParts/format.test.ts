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

import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  httpRouteRule,
  httpRouteView,
  route,
  vsView,
} from '../../__testUtils__/views';
import {
  describeTarget,
  describeWeights,
  routeLabel,
  versionsLookup,
} from './format';

describe('naming routes of each kind', () => {
  it("numbers a VirtualService's routes from 1 and an HTTPRoute's rules as the API does", () => {
    expect(routeLabel(0)).toBe('Route #1');
    expect(routeLabel('primary')).toBe('Route "primary"');
    expect(routeLabel(0, 'VirtualService')).toBe('Route #1');
    expect(routeLabel(0, 'HTTPRoute')).toBe('Rule 0');
    expect(routeLabel('2', 'HTTPRoute')).toBe('Rule 2');
    expect(routeLabel('beta', 'HTTPRoute')).toBe('Rule "beta"');
  });

  it('names the kind of the target of an HTTPRoute record or request', () => {
    const where = {
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'inventory',
      route: '0',
    };
    expect(describeTarget(where)).toBe('local · demo/inventory · Route #1');
    // An audit record carries the kind as routeKind, a request's target as kind.
    expect(describeTarget({ ...where, routeKind: 'HTTPRoute' })).toBe(
      'local · HTTPRoute demo/inventory · Rule 0',
    );
    expect(describeTarget({ ...where, route: 0, kind: 'HTTPRoute' })).toBe(
      'local · HTTPRoute demo/inventory · Rule 0',
    );
    expect(
      describeTarget({
        cluster: 'local',
        namespace: 'demo',
        workload: 'Deployment/inventory-v1',
      }),
    ).toBe('local · demo · Deployment/inventory-v1');
  });

  it('labels destinations from the view of the same kind, even when names clash', () => {
    // A VirtualService and an HTTPRoute, both demo/inventory.
    const vs = vsView([route([90, 10])], { name: 'inventory' });
    const http = httpRouteView([httpRouteRule([90, 10])]);
    const view: EntityRolloutView = {
      entityRef: 'component:default/inventory',
      generatedAt: '2026-11-26T00:00:00Z',
      clusters: [{ cluster: 'local', virtualServices: [vs, http] }],
    };
    const lookup = versionsLookup(view);
    const where = {
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'inventory',
    };

    expect(lookup(where).map(v => v.label)).toEqual(['v1', 'v2']);
    const services = lookup({ ...where, kind: 'HTTPRoute' });
    expect(services.map(v => v.label)).toEqual([
      'inventory-v1',
      'inventory-v2',
    ]);
    expect(lookup({ ...where, routeKind: 'HTTPRoute' })).toBe(services);
    expect(
      describeWeights(
        {
          index: 0,
          destinations: [
            { host: 'inventory-v1', port: 8080, weight: 90 },
            { host: 'inventory-v2', port: 8080, weight: 10 },
          ],
        },
        {
          index: 0,
          destinations: [
            { host: 'inventory-v1', port: 8080, weight: 75 },
            { host: 'inventory-v2', port: 8080, weight: 25 },
          ],
        },
        services,
      ),
    ).toBe(
      'inventory-v1 90% · inventory-v2 10% → inventory-v1 75% · inventory-v2 25%',
    );
    expect(lookup({ ...where, cluster: 'eu-west' })).toEqual([]);
  });
});
