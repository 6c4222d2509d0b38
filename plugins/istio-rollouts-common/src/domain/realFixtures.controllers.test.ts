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
import { ClusterObjects } from '../kube/types';
import { loadYaml, toClusterObjects } from '../__testUtils__/loadYaml';
import {
  byName,
  describeIfShared,
  dir,
  routes,
  views,
} from '../__testUtils__/realFixtures';
import { buildVirtualServiceViews } from './buildRolloutView';

describeIfShared('real fixtures: Argo Rollouts', () => {
  it.each([
    [
      'e2e-istio/istio-host-split.yaml',
      'istio-host-split-vsvc',
      'istio-host-split',
      'istio-host-split-stable=100 istio-host-split-canary=0',
    ],
    [
      'e2e-istio/istio-host-http-tls-split.yaml',
      'istio-host-split-vsvc',
      'istio-host-split',
      'istio-host-split-stable=100 istio-host-split-canary=0',
    ],
    [
      'e2e-istio/istio-subset-split.yaml',
      'istio-subset-split-vsvc',
      'istio-subset-split',
      'istio-subset-split/stable=100 istio-subset-split/canary=0',
    ],
    [
      'e2e-istio/istio-subset-split-single-route.yaml',
      'istio-subset-split-single-route-vsvc',
      'istio-subset-split-single-route',
      'istio-subset-split-single-route/stable=100 istio-subset-split-single-route/canary=0',
    ],
    [
      'examples-istio/istio-mirror.yaml',
      'istio-host-split-vsvc',
      'istio-host-split',
      'istio-host-split-stable=100 istio-host-split-canary=0',
    ],
    [
      'examples-istio/istio-subset-split.yaml',
      'istio-subset-split-vsvc',
      'istio-subset-split',
      'istio-subset-split/stable=100 istio-subset-split/canary=0',
    ],
    [
      'getting-started-istio/multipleVirtualsvc.yaml',
      'rollouts-demo-vsvc1',
      'rollouts-demo',
      'rollouts-demo-stable=100 rollouts-demo-canary=0',
    ],
    [
      'getting-started-istio/multipleVirtualsvc.yaml',
      'rollouts-demo-vsvc2',
      'rollouts-demo',
      'rollouts-demo-stable=100 rollouts-demo-canary=0',
    ],
  ])('%s: %s is managed by Rollout %s', (file, vsName, rollout, split) => {
    const view = byName(views(`argo-rollouts/${file}`), vsName);
    const { argo, ...managedBy } = view.managedBy ?? {};
    expect(managedBy).toEqual({
      controller: 'argo-rollouts',
      namespace: 'default',
      name: rollout,
      strategy: 'canary',
    });
    // A manifest, not a live object: no step runs, and with no
    // resourceVersion to pin a write to, no action is offered.
    expect(argo?.strategy).toBe('canary');
    expect(argo?.steps.length).toBeGreaterThan(0);
    expect(argo?.steps.every(s => s.state === 'pending')).toBe(true);
    expect(argo?.actions.filter(a => a.available)).toEqual([]);
    expect(routes(view)).toEqual([`managed ${split}`]);
    expect(view.versions[0].workloads.map(w => `${w.kind}/${w.name}`)).toEqual([
      `Rollout/${rollout}`,
    ]);
  });

  it('a tls-only VirtualService is still the Rollout’s', () => {
    const [view] = views(
      'argo-rollouts/e2e-istio/istio-host-only-tls-split.yaml',
    );
    expect(view.managedBy?.name).toBe('istio-host-split-tls');
    expect(view.routes).toEqual([]);
    expect(view.nonHttpRoutes.map(r => r.protocol)).toEqual(['tls']);
  });

  it('virtualsvc.yaml is not named by rollout.yaml (it names vsvc1 and vsvc2), so it is a plain blue-green', () => {
    const [view] = views('argo-rollouts/getting-started-istio/virtualsvc.yaml');
    expect(view.managedBy).toBeUndefined();
    expect(routes(view)).toEqual([
      'blue-green rollouts-demo-stable=100 rollouts-demo-canary=0',
    ]);
  });
});

// Flagger writes the VirtualService itself, so the fixtures have none: build
// what Flagger generates for each Canary (its istio router), in the Canary's
// namespace, with the primary Deployment and the Services it creates.
function flaggerCluster(file: string): ClusterObjects {
  const objects = toClusterObjects(loadYaml(path.join(dir, 'flagger', file)));
  const canary = objects.canaries[0] as any;
  const ns = canary.metadata.namespace;
  const name = canary.spec.service.name;
  const [podinfo] = loadYaml(
    path.join(dir, 'flagger/podinfo-deployment.yaml'),
  ) as any[];
  const target = {
    ...podinfo,
    metadata: { ...podinfo.metadata, namespace: ns },
  };
  const primary = JSON.parse(
    JSON.stringify(target).replace(
      /"app":"podinfo"/g,
      '"app":"podinfo-primary"',
    ),
  );
  primary.metadata.name = `${name}-primary`;
  const svc = (n: string, app: string) => ({
    kind: 'Service',
    metadata: { name: n, namespace: ns },
    spec: { selector: { app } },
  });
  const dest = (host: string, weight: number) => ({
    destination: { host },
    weight,
  });
  const base = {
    match: canary.spec.service.match,
    rewrite: canary.spec.service.rewrite,
    timeout: canary.spec.service.timeout,
  };
  const http = canary.spec.analysis.match
    ? [
        {
          ...base,
          match: canary.spec.analysis.match.map((m: object) => ({
            ...m,
            ...canary.spec.service.match[0],
          })),
          route: [dest(`${name}-primary`, 0), dest(`${name}-canary`, 100)],
        },
        {
          ...base,
          route: [dest(`${name}-primary`, 100), dest(`${name}-canary`, 0)],
        },
      ]
    : [
        {
          ...base,
          route: [dest(`${name}-primary`, 100), dest(`${name}-canary`, 0)],
        },
      ];
  return {
    ...objects,
    deployments: [target, primary],
    services: [
      svc(name, 'podinfo-primary'),
      svc(`${name}-primary`, 'podinfo-primary'),
      svc(`${name}-canary`, 'podinfo'),
    ],
    virtualServices: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace: ns },
        spec: {
          hosts: [name, ...canary.spec.service.hosts],
          gateways: canary.spec.service.gateways,
          http,
        },
      },
    ],
  };
}

describeIfShared('real fixtures: Flagger', () => {
  it('istio-canary.yaml: a progressive canary', () => {
    const [view] = buildVirtualServiceViews(
      flaggerCluster('istio-canary.yaml'),
    );
    const { flagger, ...managedBy } = view.managedBy ?? {};
    expect(managedBy).toEqual({
      controller: 'flagger',
      namespace: 'test',
      name: 'podinfo',
      strategy: 'canary',
    });
    // Its webhooks are a pre-rollout test and a load test: no gate.
    expect(flagger).toEqual({ resourceVersion: '', threshold: 10, gates: [] });
    expect(routes(view)).toEqual([
      'managed podinfo-primary=100 podinfo-canary=0',
    ]);
    expect(view.routes[0].explanation).toBe(
      'Managed by Flagger (canary): all traffic on podinfo-primary; podinfo-canary at 0%',
    );
    expect(view.versions.map(v => v.workloads.map(w => w.name))).toEqual([
      ['podinfo-primary'],
      ['podinfo'],
    ]);
  });

  it('istio-abtest.yaml: A/B testing on a cookie and a user agent', () => {
    const [view] = buildVirtualServiceViews(
      flaggerCluster('istio-abtest.yaml'),
    );
    expect(view.managedBy).toMatchObject({
      controller: 'flagger',
      strategy: 'A/B testing',
    });
    expect(routes(view)).toEqual([
      'managed podinfo-primary=0 podinfo-canary=100',
      'managed podinfo-primary=100 podinfo-canary=0',
    ]);
    expect(view.routes[0].match[0]).toContainEqual({
      kind: 'cookie',
      name: 'type',
      operator: 'exact',
      value: 'insider',
    });
  });
});
