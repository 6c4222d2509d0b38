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

import path from 'path';
import { RolloutStrategy, VirtualServiceView } from '../types';
import { KubeObject } from '../kube/types';
import { loadYaml } from '../__testUtils__/loadYaml';
import {
  describeIfShared,
  dir,
  files,
  parsed,
  routes,
} from '../__testUtils__/realFixtures';
import { toHttpRouteObjects } from './__testUtils__/builders';
import { buildHttpRouteViews } from './buildHttpRouteViews';
import { selectEntityHttpRoutes } from './selectEntityHttpRoutes';

// The public HTTPRoute samples in ../shared/fixtures/real (Istio's Bookinfo
// and helloworld Gateway API variants), and the demo cluster's inventory.

const isRoute = (o: unknown) => (o as KubeObject | null)?.kind === 'HTTPRoute';

// A file's HTTPRoutes with the other objects of its folder and the folder
// above (the samples keep their Services and Deployments there).
function httpRouteViews(relative: string): VirtualServiceView[] {
  const file = path.join(dir, relative);
  const near = [path.dirname(file), path.dirname(path.dirname(file))];
  const others = files
    .filter(f => f !== file && near.includes(path.dirname(f)))
    .flatMap(f => parsed.get(f) ?? [])
    .filter(o => !isRoute(o));
  return buildHttpRouteViews(
    toHttpRouteObjects([...(parsed.get(file) ?? []), ...others]),
  );
}

const STRATEGIES: RolloutStrategy[] = [
  'canary',
  'blue-green',
  'targeted',
  'mirror',
  'rolling',
  'recreate',
  'managed',
  'unknown',
];

describeIfShared('real fixtures: every HTTPRoute classifies', () => {
  const withRoutes = files.filter(f => (parsed.get(f) ?? []).some(isRoute));

  it('finds the Gateway API samples', () => {
    expect(withRoutes.map(f => path.relative(dir, f))).toEqual([
      'istio-bookinfo/gateway-api/bookinfo-gateway.yaml',
      'istio-bookinfo/gateway-api/route-all-v1.yaml',
      'istio-bookinfo/gateway-api/route-reviews-50-v3.yaml',
      'istio-bookinfo/gateway-api/route-reviews-90-10.yaml',
      'istio-bookinfo/gateway-api/route-reviews-v1.yaml',
      'istio-bookinfo/gateway-api/route-reviews-v3.yaml',
      'istio-helloworld/gateway-api/helloworld-route.yaml',
    ]);
  });

  // A loop, not it.each: it.each rejects an empty table (see realFixtures.test.ts).
  for (const file of withRoutes) {
    it(`classifies ${path.relative(dir, file)}`, () => {
      const views = httpRouteViews(path.relative(dir, file));
      expect(views.length).toBe(
        (parsed.get(file) ?? []).filter(isRoute).length,
      );
      for (const view of views) {
        expect(view.kind).toBe('HTTPRoute');
        expect(view.warnings.map(w => w.code)).not.toContain('view-failed');
        for (const route of view.routes) {
          expect(STRATEGIES).toContain(route.strategy);
          expect(route.explanation).not.toBe('');
        }
      }
    });
  }

  it('Bookinfo: splits between per-version Services, with their Deployments', () => {
    const [split] = httpRouteViews(
      'istio-bookinfo/gateway-api/route-reviews-90-10.yaml',
    );
    expect(routes(split)).toEqual(['canary reviews-v1=90 reviews-v2=10']);
    expect(split.routes[0].explanation).toBe(
      'Canary: 10% of traffic goes to reviews-v2, 90% stays on reviews-v1',
    );
    // The manifests carry no status, so no pod is ready.
    expect(split.routes[0].warnings.map(w => w.code)).toEqual([
      'version-no-ready-pods',
      'version-no-ready-pods',
    ]);
    expect(split.hosts).toEqual(['reviews']);
    expect(split.gateways).toEqual(['mesh']);
    expect(split.versions.map(v => v.workloads.map(w => w.name))).toEqual([
      ['reviews-v1'],
      ['reviews-v2'],
    ]);
    expect(
      routes(
        httpRouteViews(
          'istio-bookinfo/gateway-api/route-reviews-50-v3.yaml',
        )[0],
      ),
    ).toEqual(['canary reviews-v1=50 reviews-v3=50']);
    expect(
      routes(
        httpRouteViews('istio-bookinfo/gateway-api/route-reviews-v3.yaml')[0],
      ),
    ).toEqual(['rolling reviews-v3=100']);
    expect(
      httpRouteViews('istio-bookinfo/gateway-api/route-all-v1.yaml').map(v =>
        routes(v).join(),
      ),
    ).toEqual([
      'rolling reviews-v1=100',
      'rolling productpage-v1=100',
      'rolling ratings-v1=100',
      'rolling details-v1=100',
    ]);
  });

  it('Bookinfo: the ingress route with five path matches', () => {
    const [ingress] = httpRouteViews(
      'istio-bookinfo/gateway-api/bookinfo-gateway.yaml',
    );
    expect(ingress.gateways).toEqual(['bookinfo-gateway']);
    expect(routes(ingress)).toEqual(['rolling productpage=100']);
    expect(ingress.routes[0].match.map(m => m.map(r => r.value))).toEqual([
      ['/productpage'],
      ['/static'],
      ['/login'],
      ['/logout'],
      ['/api/v1/products'],
    ]);
    // productpage selects every version's pods (app: productpage).
    expect(ingress.versions[0].workloads.map(w => w.name)).toEqual([
      'productpage-v1',
    ]);
  });

  it('helloworld: a 90/10 split between its per-version Services', () => {
    const [hello] = httpRouteViews(
      'istio-helloworld/gateway-api/helloworld-route.yaml',
    );
    expect(routes(hello)).toEqual(['canary helloworld-v1=90 helloworld-v2=10']);
    expect(hello.versions.map(v => [v.fqdn, v.workloads[0]?.name])).toEqual([
      ['helloworld-v1.default.svc.cluster.local', 'helloworld-v1'],
      ['helloworld-v2.default.svc.cluster.local', 'helloworld-v2'],
    ]);
    // Without its versions file, both Services are missing: HTTP 500.
    const routeOnly = buildHttpRouteViews(
      toHttpRouteObjects(
        parsed.get(
          path.join(dir, 'istio-helloworld/gateway-api/helloworld-route.yaml'),
        ) ?? [],
      ),
    );
    expect(routeOnly[0].routes[0].warnings.map(w => w.code)).toEqual([
      'backend-not-found',
      'backend-not-found',
    ]);
  });
});

describe('the demo cluster’s inventory HTTPRoute', () => {
  const seed = path.resolve(
    __dirname,
    '../../../../test/cluster/seed/95-inventory-httproute.yaml',
  );
  const objects = toHttpRouteObjects(loadYaml(seed));

  it('is found for the inventory entity and shows its 90/10 canary', () => {
    const selected = selectEntityHttpRoutes(
      {
        virtualServices: [],
        canarySteps: [10, 25, 50, 100],
        problems: [],
        kubernetesId: 'inventory',
      },
      objects,
    );
    const [view] = buildHttpRouteViews(selected);
    expect(view).toMatchObject({
      kind: 'HTTPRoute',
      namespace: 'demo',
      name: 'inventory',
      hosts: ['inventory'],
      gateways: ['mesh'],
      warnings: [],
    });
    expect(routes(view)).toEqual(['canary inventory-v1=90 inventory-v2=10']);
    expect(view.routes[0].explanation).toBe(
      'Canary: 10% of traffic goes to inventory-v2, 90% stays on inventory-v1',
    );
    expect(view.versions.map(v => v.workloads[0]?.images)).toEqual([
      ['ghcr.io/example/inventory:7.0.0'],
      ['ghcr.io/example/inventory:7.1.0'],
    ]);
  });
});
