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
import { RolloutStrategy } from '../types';
import { KubeObject } from '../kube/types';
import { toClusterObjects } from '../__testUtils__/loadYaml';
import {
  describeIfShared,
  dir,
  files,
  lenientFiles,
  parsed,
  routes,
  views,
  withFolder,
} from '../__testUtils__/realFixtures';
import { buildVirtualServiceViews } from './buildRolloutView';

// Every file of ../shared/fixtures/real classifies; Bookinfo's samples in detail.

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

describeIfShared('real fixtures: every VirtualService classifies', () => {
  it('finds the fixture files, and parses all but one strictly', () => {
    expect(files.length).toBeGreaterThan(50);
    // Flagger's CRD file is not strict YAML 1.2; it holds only CRDs, so no
    // VirtualService is lost by reading it leniently.
    expect(lenientFiles).toEqual(['flagger/crd.yaml']);
    expect(
      parsed
        .get(path.join(dir, 'flagger/crd.yaml'))
        ?.map(o => (o as KubeObject).kind),
    ).toEqual(Array(3).fill('CustomResourceDefinition'));
  });

  // A loop, not it.each: it.each rejects an empty table, which is what a
  // clone without ../shared has while jest still collects skipped tests.
  for (const file of files) {
    it(`${path.relative(dir, file)}, alone and with its folder`, () => {
      const own = toClusterObjects(parsed.get(file) ?? []);
      for (const objects of [own, withFolder(file)]) {
        const result = buildVirtualServiceViews(objects);
        expect(result).toHaveLength(own.virtualServices.length);
        for (const view of result) {
          expect(view.warnings.map(w => w.code)).not.toContain('view-failed');
          for (const route of view.routes) {
            expect(STRATEGIES).toContain(route.strategy);
            expect(route.explanation).not.toBe('');
          }
        }
      }
    });
  }
});

describeIfShared('real fixtures: Istio Bookinfo', () => {
  it('virtual-service-all-v1: every service on its single v1', () => {
    const all = views('istio-bookinfo/virtual-service-all-v1.yaml');
    expect(all.map(v => [v.name, ...routes(v)])).toEqual([
      ['productpage', 'rolling productpage/v1=100'],
      ['reviews', 'rolling reviews/v1=100'],
      ['ratings', 'rolling ratings/v1=100'],
      ['details', 'rolling details/v1=100'],
    ]);
    expect(all[1].routes[0].explanation).toBe(
      'Single version v1, rolled out by RollingUpdate',
    );
    expect(all[1].versions[0].workloads.map(w => w.images)).toEqual([
      ['registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3'],
    ]);
    // Manifests carry no status: nothing is ready.
    expect(all[1].routes[0].warnings.map(w => w.code)).toEqual([
      'version-no-ready-pods',
    ]);
  });

  it.each([
    [
      'virtual-service-reviews-50-v3.yaml',
      'reviews/v1=50 reviews/v3=50',
      'Canary: 50% of traffic goes to v3, 50% stays on v1',
    ],
    [
      'virtual-service-reviews-80-20.yaml',
      'reviews/v1=80 reviews/v2=20',
      'Canary: 20% of traffic goes to v2, 80% stays on v1',
    ],
    [
      'virtual-service-reviews-90-10.yaml',
      'reviews/v1=90 reviews/v2=10',
      'Canary: 10% of traffic goes to v2, 90% stays on v1',
    ],
    [
      'virtual-service-reviews-v2-v3.yaml',
      'reviews/v2=50 reviews/v3=50',
      'Canary: 50% of traffic goes to v3, 50% stays on v2',
    ],
  ])('%s: canary %s', (file, split, explanation) => {
    const [reviews] = views(`istio-bookinfo/${file}`);
    expect(routes(reviews)).toEqual([`canary ${split}`]);
    expect(reviews.routes[0].explanation).toBe(explanation);
  });

  it.each([
    ['virtual-service-reviews-jason-v2-v3.yaml', 'reviews/v3', 'v3'],
    ['virtual-service-reviews-test-v2.yaml', 'reviews/v1', 'v1'],
  ])('%s: jason targeted to v2, everyone else on %s', (file, key, label) => {
    const [reviews] = views(`istio-bookinfo/${file}`);
    expect(routes(reviews)).toEqual([
      'targeted reviews/v2=100',
      `rolling ${key}=100`,
    ]);
    expect(reviews.routes.map(r => r.explanation)).toEqual([
      'Targeted: requests with header end-user = jason go to v2',
      `Everyone else: single version ${label}, rolled out by RollingUpdate`,
    ]);
  });

  it('single versions, also of versions with no Deployment in the sample', () => {
    expect(
      routes(views('istio-bookinfo/virtual-service-reviews-v3.yaml')[0]),
    ).toEqual(['rolling reviews/v3=100']);
    const [details] = views('istio-bookinfo/virtual-service-details-v2.yaml');
    expect(routes(details)).toEqual(['unknown details/v2=100']);
    expect(details.routes[0].warnings.map(w => w.code)).toEqual([
      'version-no-workload',
    ]);
    for (const [file, subset] of [
      ['virtual-service-ratings-db.yaml', 'v2'],
      ['virtual-service-ratings-mysql.yaml', 'v2-mysql'],
      ['virtual-service-ratings-mysql-vm.yaml', 'v2-mysql-vm'],
    ]) {
      const list = views(`istio-bookinfo/${file}`);
      expect(list.map(v => routes(v)[0])).toEqual([
        'rolling reviews/v3=100',
        `unknown ratings/${subset}=100`,
      ]);
      expect(list[1].versions[0].labels).toEqual({ version: subset });
    }
  });

  it('fault injection: not a release strategy, but reported', () => {
    for (const file of [
      'virtual-service-ratings-test-abort.yaml',
      'virtual-service-ratings-test-delay.yaml',
    ]) {
      const [ratings] = views(`istio-bookinfo/${file}`);
      expect(routes(ratings)).toEqual([
        'rolling ratings/v1=100',
        'rolling ratings/v1=100',
      ]);
      expect(ratings.routes[0].warnings.map(w => w.code)).toContain(
        'fault-injection',
      );
    }
    const [details] = views('istio-bookinfo/fault-injection-details-v1.yaml');
    expect(details.routes[0].warnings.map(w => w.message)).toContain(
      'VirtualService default/details, route 0 injects faults (abort (HTTP 555)) into all requests.',
    );
    expect(details.routes[1].warnings.map(w => w.code)).toContain(
      'route-unreachable',
    );
  });

  it('gateways and egress: host-split single versions and external hosts', () => {
    const [bookinfo] = views('istio-bookinfo/bookinfo-gateway.yaml');
    expect(routes(bookinfo)).toEqual(['rolling productpage=100']);
    expect(bookinfo.routes[0].destinations[0].port).toBe(9080);
    expect(bookinfo.routes[0].match).toHaveLength(5);
    expect(bookinfo.versions[0].workloads.map(w => w.name)).toEqual([
      'productpage-v1',
    ]);
    const [google] = views('istio-bookinfo/egress-rule-google-apis.yaml');
    expect(routes(google)).toEqual(['unknown www.googleapis.com=100']);
    expect(google.routes[0].warnings).toEqual([]);
    const [certManager] = views('istio-bookinfo/certmanager-gateway.yaml');
    expect(certManager.namespace).toBe('istio-system');
  });
});
