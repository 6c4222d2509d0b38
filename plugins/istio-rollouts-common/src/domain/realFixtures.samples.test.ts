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
  byName,
  describeIfShared,
  routes,
  views,
} from '../__testUtils__/realFixtures';

describeIfShared('real fixtures: Kiali, Istio test data, delegates', () => {
  it("Kiali's wizard output", () => {
    const [shifting] = views('kiali/bookinfo-traffic-shifting-reviews.yaml');
    expect(routes(shifting)).toEqual(['canary reviews/v1=50 reviews/v2=50']);
    expect(shifting.warnings.map(w => w.code)).toEqual(['kiali-wizard']);
    const [timeouts] = views('kiali/bookinfo-request-timeouts-reviews.yaml');
    expect(routes(timeouts)).toEqual([
      'canary reviews/v1=33 reviews/v2=33 reviews/v3=34',
    ]);
    const [mirroring] = views('kiali/bookinfo-reviews-mirroring.yaml');
    expect(routes(mirroring)).toEqual([
      'mirror reviews/reviews-mirroring-dr-v1=100',
    ]);
    expect(mirroring.routes[0].mirror).toEqual({
      versionKey: 'reviews/reviews-mirroring-dr-v2',
      host: 'reviews',
      subset: 'reviews-mirroring-dr-v2',
      percentage: 100,
    });
    expect(mirroring.versions.map(v => v.labels)).toEqual([
      { version: 'v1' },
      { version: 'v2' },
    ]);
  });

  it('Istio test data', () => {
    expect(routes(views('istio-testdata/rule-weighted-route.yaml')[0])).toEqual(
      ['canary c-weighted.extsvc.com/v1=75 c-weighted.extsvc.com/v2=25'],
    );
    expect(routes(views('istio-testdata/rule-content-route.yaml')[0])).toEqual([
      'targeted c-weighted.extsvc.com/v2=100',
      'unknown c-weighted.extsvc.com/v1=100',
    ]);
    const [all] = views('istio-testdata/virtual-service-all.yaml');
    expect(routes(all)).toEqual([
      'targeted service3.default=100',
      'canary service3.default/v1=80 service3.default/v2=20',
    ]);
    expect(all.routes[0].explanation).toBe(
      'Targeted: requests with cookie user = dev-123 go to service3.default',
    );
    const rules = views('istio-testdata/virtualservice_destinationrules.yaml');
    expect(
      byName(rules, 'reviews-bogussubset').routes[0].warnings.map(w => w.code),
    ).toEqual(['subset-undefined']);
    expect(
      byName(rules, 'reviews-mirror-bogussubset').routes[0].warnings.map(
        w => w.code,
      ),
      // No Deployment in that folder runs reviews v1 either.
    ).toEqual(['version-no-workload', 'subset-undefined']);
    const dup = views('istio-testdata/virtualservice_dupmatches.yaml');
    expect(byName(dup, 'duplicate-tcp-match').nonHttpRoutes).toHaveLength(2);
  });

  it('Riskified: a root VirtualService delegating to another namespace', () => {
    const [root, delegate] = views(
      'riskified-dynamic-environment/00-assert.yaml',
    );
    expect(routes(root)).toEqual([
      'targeted test-app-service.delegate-virtual-service/default-dynamicenv-delegate-virtual-service=100',
      'rolling test-app-service.delegate-virtual-service/shared=100',
      'unknown ',
      'unknown ',
    ]);
    expect(root.routes[2].delegate).toEqual({
      name: 'test-app-vs-delegated',
      namespace: 'delegate-virtual-service',
    });
    expect(
      root.versions[1].workloads.map(w => `${w.namespace}/${w.name}`),
    ).toEqual(['delegate-virtual-service/test-app']);
    expect(delegate.warnings.map(w => w.code)).toEqual([
      'delegate-virtual-service',
    ]);
  });
});
