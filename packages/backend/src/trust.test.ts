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

import { mockCredentials } from '@backstage/backend-test-utils';
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { startBackend } from './__testUtils__/realBackend';

// The attacker's tests of the trust model: bob (team-mobile) publishes
// catalog entities of his own and tries to move other teams' traffic through
// them. Everything is real: the catalog ingests the entities, the permission
// backend runs the demo policy (owners apply), and the plugin talks to the
// local kube-apiserver. The last test shows the first attack going through
// under the explicit catalog-only opt-in, the behaviour before the trust
// model; every attack here was also run against the code before it, where
// each one went through.

jest.setTimeout(180_000);

const BOB = mockCredentials.user.header('user:default/bob');
const ALICE = mockCredentials.user.header('user:default/alice');

let ns: string;
let catalogFile: string;

function catalogEntities(namespace: string) {
  const component = (name: string, annotations: Record<string, string>) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-mobile' },
  });
  return [
    // bob's own service, with objects the cluster binds to it.
    component('mobile-web', {
      'backstage.io/kubernetes-id': 'mobile-web',
      'backstage.io/kubernetes-namespace': namespace,
      'backstage.io/kubernetes-cluster': 'local',
      'istio-rollouts/virtual-services': `${namespace}/web,${namespace}/gateway`,
    }),
    // bob claims team-bookinfo's reviews route by annotation only.
    component('mobile-claims-reviews', {
      'backstage.io/kubernetes-id': 'mobile-claims-reviews',
      'istio-rollouts/virtual-services': 'demo/reviews',
    }),
    // bob copies reviews' own kubernetes-id.
    component('mobile-copycat', {
      'backstage.io/kubernetes-id': 'reviews',
      'istio-rollouts/virtual-services': 'demo/reviews',
    }),
    // An unqualified name: it means the entity's namespace, not every one.
    component('mobile-unqualified', {
      'backstage.io/kubernetes-id': 'mobile-unqualified',
      'istio-rollouts/virtual-services': 'reviews',
    }),
  ];
}

async function seed(namespace: string) {
  const bound = (id: string) => ({ 'backstage.io/kubernetes-id': id });
  const deployment = (app: string, version: string, id: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${app}-${version}`,
      namespace,
      labels: { app, ...bound(id) },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app, version } },
      template: {
        metadata: { labels: { app, version } },
        spec: {
          containers: [{ name: app, image: `example/${app}:${version}` }],
        },
      },
    },
  });
  const service = (app: string, id: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, namespace, labels: bound(id) },
    spec: { selector: { app }, ports: [{ port: 80 }] },
  });
  const rule = (app: string) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: app, namespace },
    spec: {
      host: app,
      subsets: ['v1', 'v2'].map(v => ({ name: v, labels: { version: v } })),
    },
  });
  const to = (host: string, subset: string, weight?: number) => ({
    destination: { host, subset },
    ...(weight === undefined ? {} : { weight }),
  });
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        service('web', 'mobile-web'),
        service('other', 'someone-else'),
        rule('web'),
        rule('other'),
        deployment('web', 'v1', 'mobile-web'),
        deployment('web', 'v2', 'mobile-web'),
        deployment('other', 'v1', 'someone-else'),
        deployment('other', 'v2', 'someone-else'),
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'web', namespace, labels: bound('mobile-web') },
          spec: {
            hosts: ['web'],
            http: [
              {
                name: 'primary',
                route: [to('web', 'v1', 90), to('web', 'v2', 10)],
              },
            ],
          },
        },
        // A shared gateway VirtualService, bound to no entity: one route
        // per team.
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'gateway', namespace },
          spec: {
            hosts: ['shop.example.com'],
            http: [
              {
                name: 'web-route',
                match: [{ uri: { prefix: '/web' } }],
                route: [to('web', 'v1')],
              },
              {
                name: 'other-route',
                route: [to('other', 'v1', 50), to('other', 'v2', 50)],
              },
            ],
          },
        },
      ],
    }),
  });
  for (const name of ['web-v1', 'web-v2', 'other-v1', 'other-v2']) {
    await apiRequest(
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            replicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            updatedReplicas: 1,
            observedGeneration: 1,
          },
        },
      },
    );
  }
}

beforeAll(async () => {
  ns = await createTestNamespace('trust');
  await seed(ns);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-catalog-'));
  catalogFile = path.join(dir, 'attacker.yaml');
  fs.writeFileSync(
    catalogFile,
    catalogEntities(ns)
      .map(e => JSON.stringify(e))
      .join('\n---\n'),
  );
});

async function start(istioRollouts: Record<string, unknown> = {}) {
  const { server } = await startBackend({
    locations: [catalogFile],
    clusters: [
      clusterConfig('plugin', 'local'),
      clusterConfig('plugin', 'prod'),
    ],
    istioRollouts,
  });
  return server;
}

function act(
  server: any,
  entity: string,
  target: Record<string, unknown>,
  operation: object,
  options: { user?: string; dryRun?: boolean } = {},
) {
  return request(server)
    .post(
      `/api/istio-rollouts/entities/default/component/${entity}/route-actions`,
    )
    .set('Authorization', options.user ?? BOB)
    .send({
      target: { cluster: 'local', ...target },
      operation,
      dryRun: options.dryRun ?? false,
    });
}

// The catalog ingests files asynchronously: wait until the entity is there.
async function untilIngested(server: any, entity: string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await request(server)
      .get(`/api/istio-rollouts/entities/default/component/${entity}/view`)
      .set('Authorization', BOB);
    if (res.status === 200) return res.body;
    if (Date.now() > deadline) {
      throw new Error(`${entity} never appeared: ${res.status} ${res.text}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

async function reviewsWeights() {
  const vs = (
    await apiRequest(
      'GET',
      '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews',
    )
  ).body;
  return {
    resourceVersion: vs.metadata.resourceVersion,
    weights: vs.spec.http[0].route.map((r: any) => r.weight),
  };
}

const REVIEWS = { namespace: 'demo', virtualService: 'reviews', route: 0 };
const TO_V2 = {
  type: 'set-weights',
  weights: [
    { host: 'reviews', subset: 'v1', weight: 0 },
    { host: 'reviews', subset: 'v2', weight: 100 },
  ],
};

describe('trust: traffic moves only where the cluster agrees the service is yours', () => {
  let server: any;
  beforeAll(async () => {
    server = await start();
    for (const e of ['mobile-web', 'mobile-claims-reviews', 'mobile-copycat']) {
      await untilIngested(server, e);
    }
  });

  it("refuses another team's VirtualService claimed by annotation, and leaves the cluster unchanged", async () => {
    const before = await reviewsWeights();
    const res = await act(server, 'mobile-claims-reviews', REVIEWS, TO_V2);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      'The cluster does not bind VirtualService demo/reviews to this entity',
    );
    expect(res.body.error.message).toContain(
      'backstage.io/kubernetes-id=mobile-claims-reviews',
    );
    expect(await reviewsWeights()).toEqual(before);

    // The view still shows what the annotation selects, read-only, saying why.
    const view = await untilIngested(server, 'mobile-claims-reviews');
    const reviews = view.clusters
      .flatMap((c: any) => c.virtualServices)
      .find((v: any) => v.name === 'reviews');
    expect(reviews.readOnly).toContain('does not bind');
    expect(reviews.routes[0].readOnly).toContain('does not bind');

    // Nor may he scale reviews' Deployments through it.
    const scale = await request(server)
      .post(
        '/api/istio-rollouts/entities/default/component/mobile-claims-reviews/scale',
      )
      .set('Authorization', BOB)
      .send({
        cluster: 'local',
        namespace: 'demo',
        deployment: 'reviews-v1',
        replicas: 0,
      });
    expect(scale.status).toBe(403);
    expect(scale.body.error.message).toContain('Deployment demo/reviews-v1');
  });

  it("refuses an entity that copies another service's kubernetes-id: a contested id binds nothing", async () => {
    const before = await reviewsWeights();
    const res = await act(server, 'mobile-copycat', REVIEWS, TO_V2);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      "backstage.io/kubernetes-id 'reviews' is claimed by",
    );
    expect(await reviewsWeights()).toEqual(before);
    // Fail closed: the real owners are held too until the catalog is put
    // right, rather than anyone guessing which claim is genuine.
    const alice = await act(server, 'reviews', REVIEWS, TO_V2, {
      user: ALICE,
      dryRun: true,
    });
    expect(alice.status).toBe(403);
    expect(alice.body.error.message).toContain("'reviews' is claimed by");
  });

  it('reads an unqualified VirtualService name in the entity namespace, not in every namespace', async () => {
    const view = await untilIngested(server, 'mobile-unqualified');
    expect(view.clusters.flatMap((c: any) => c.virtualServices)).toHaveLength(
      0,
    );
    const res = await act(server, 'mobile-unqualified', REVIEWS, TO_V2);
    expect(res.status).toBe(404);
  });

  it("lets bob move his own service's traffic (the control)", async () => {
    const res = await act(
      server,
      'mobile-web',
      { namespace: ns, virtualService: 'web', route: 'primary' },
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 70 },
          { host: 'web', subset: 'v2', weight: 30 },
        ],
      },
      { dryRun: true },
    );
    expect(res.status).toBe(200);
  });

  it("adds no other team's Service as a destination: mirror, targeted users, canary", async () => {
    const primary = { namespace: ns, virtualService: 'web', route: 'primary' };
    const mirror = await act(server, 'mobile-web', primary, {
      type: 'set-mirror',
      to: { host: 'other', subset: 'v1' },
      percentage: 100,
    });
    expect(mirror.status).toBe(403);
    expect(mirror.body.error.message).toContain('Destination other');
    const target = await act(server, 'mobile-web', primary, {
      type: 'target-users',
      match: { kind: 'header', name: 'end-user', value: 'jason' },
      to: { host: 'other', subset: 'v2' },
    });
    expect(target.status).toBe(403);
    expect(target.body.error.message).toContain('Destination other');
    const webRoute = {
      namespace: ns,
      virtualService: 'gateway',
      route: 'web-route',
    };
    const canary = await act(server, 'mobile-web', webRoute, {
      type: 'start-canary',
      canary: { host: `other.${ns}.svc.cluster.local`, subset: 'v2' },
    });
    expect(canary.status).toBe(403);
    expect(canary.body.error.message).toContain(`Service ${ns}/other`);
    // His own canary on the shared VirtualService's route to his Service is fine.
    const own = await act(
      server,
      'mobile-web',
      webRoute,
      { type: 'start-canary', canary: { host: 'web', subset: 'v2' } },
      { dryRun: true },
    );
    expect(own.status).toBe(200);
  });

  it("changes a shared VirtualService only on the entity's own routes", async () => {
    const otherRoute = {
      namespace: ns,
      virtualService: 'gateway',
      route: 'other-route',
    };
    // Another team's route: neither its split nor a mirror of its requests
    // (cookies, auth headers) to bob's own Service.
    const weights = await act(server, 'mobile-web', otherRoute, {
      type: 'set-weights',
      weights: [
        { host: 'other', subset: 'v1', weight: 0 },
        { host: 'other', subset: 'v2', weight: 100 },
      ],
    });
    expect(weights.status).toBe(403);
    expect(weights.body.error.message).toContain('shared');
    const mirror = await act(server, 'mobile-web', otherRoute, {
      type: 'set-mirror',
      to: { host: 'web', subset: 'v1' },
      percentage: 100,
    });
    expect(mirror.status).toBe(403);
    expect(mirror.body.error.message).toContain('Destination other');
    const view = await untilIngested(server, 'mobile-web');
    const gateway = view.clusters[0].virtualServices.find(
      (v: any) => v.name === 'gateway',
    );
    expect(gateway.readOnly).toBeUndefined();
    expect(
      gateway.routes.map((r: any) => [r.name, Boolean(r.readOnly)]),
    ).toEqual([
      ['web-route', false],
      ['other-route', true],
    ]);
  });

  it("holds the entity's cluster pin on reads, writes and scaling", async () => {
    const view = await untilIngested(server, 'mobile-web');
    expect(view.clusters.map((c: any) => c.cluster)).toEqual(['local']);
    const res = await act(
      server,
      'mobile-web',
      {
        cluster: 'prod',
        namespace: ns,
        virtualService: 'web',
        route: 'primary',
      },
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 0 },
          { host: 'web', subset: 'v2', weight: 100 },
        ],
      },
    );
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("pinned to cluster 'local'");
    const scale = await request(server)
      .post('/api/istio-rollouts/entities/default/component/mobile-web/scale')
      .set('Authorization', BOB)
      .send({
        cluster: 'prod',
        namespace: ns,
        deployment: 'web-v2',
        replicas: 3,
      });
    expect(scale.status).toBe(404);
  });
});

describe('permissions mean what they say, and guards hold, through the real backends', () => {
  let server: any;
  const primary = () => ({
    namespace: ns,
    virtualService: 'web',
    route: 'primary',
  });
  const scale = (deployment: string, replicas: number) =>
    request(server)
      .post('/api/istio-rollouts/entities/default/component/mobile-web/scale')
      .set('Authorization', BOB)
      .send({
        cluster: 'local',
        namespace: ns,
        deployment,
        replicas,
        dryRun: true,
      });
  beforeAll(async () => {
    server = await start();
    await untilIngested(server, 'mobile-web');
  });

  it('refuses a rollback whose stable names the canary: that would be a promotion', async () => {
    const res = await act(server, 'mobile-web', primary(), {
      type: 'rollback',
      stable: { host: 'web', subset: 'v2' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(
      "only returns traffic to the route's stable version web subset v1",
    );
  });

  it('scales to 0 no version a route still sends traffic to, naming the route', async () => {
    const res = await scale('web-v1', 0);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(`${ns}/web route 'primary'`);
    // Another replica count is fine.
    expect((await scale('web-v1', 3)).status).toBe(200);
  });

  it('refuses to scale a Deployment that a HorizontalPodAutoscaler scales', async () => {
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web-v2', namespace: ns },
        spec: {
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web-v2',
          },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: 80 },
              },
            },
          ],
        },
      }),
    });
    const res = await scale('web-v2', 3);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('HorizontalPodAutoscaler');
  });

  it('reads weights as proportions: promoting a 5/5 route never lowers the canary', async () => {
    await apiRequest(
      'PATCH',
      `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`,
      {
        contentType: 'application/json-patch+json',
        body: [
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 5 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 5 },
        ],
      },
    );
    // Once the plugin's watch has brought the change to its view.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const view = await untilIngested(server, 'mobile-web');
      const web = view.clusters[0].virtualServices.find(
        (v: any) => v.name === 'web',
      );
      const now = web.routes[0].destinations.map((d: any) => d.weight);
      if (now.join() === '5,5') break;
      if (Date.now() > deadline) throw new Error(`still ${now}`);
      await new Promise(r => setTimeout(r, 50));
    }
    const res = await act(
      server,
      'mobile-web',
      primary(),
      { type: 'promote-next' },
      { dryRun: true },
    );
    expect(res.status).toBe(200);
    expect(res.body.after.destinations.map((d: any) => d.weight)).toEqual([
      0, 100,
    ]);
  });

  it("hides an entity's history and requests when the catalog does not show the entity", async () => {
    for (const what of ['history', 'requests']) {
      const res = await request(server)
        .get(
          `/api/istio-rollouts/entities/default/component/not-in-the-catalog/${what}`,
        )
        .set('Authorization', BOB);
      expect(res.status).toBe(404);
    }
  });
});

describe('where owners must request (ownersApplyDirectly: false), through the real backends', () => {
  it('refuses a canary started at 100% applied directly by an owner', async () => {
    const server = await start({ approvals: { ownersApplyDirectly: false } });
    await untilIngested(server, 'mobile-web');
    const gateway = () =>
      apiRequest(
        'GET',
        `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/gateway`,
      );
    const before = (await gateway()).body.metadata.resourceVersion;
    const res = await act(
      server,
      'mobile-web',
      { namespace: ns, virtualService: 'gateway', route: 'web-route' },
      {
        type: 'start-canary',
        canary: { host: 'web', subset: 'v2' },
        steps: [100],
      },
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('promotion requests');
    expect((await gateway()).body.metadata.resourceVersion).toBe(before);
  });
});

describe('the catalog-only opt-in (the behaviour before the trust model)', () => {
  it('lets the annotation claim through: what the default mode refuses above', async () => {
    const server = await start({ ownership: { mode: 'catalog' } });
    await untilIngested(server, 'mobile-claims-reviews');
    const before = await reviewsWeights();
    const res = await act(server, 'mobile-claims-reviews', REVIEWS, TO_V2, {
      dryRun: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.after.destinations.map((d: any) => d.weight)).toEqual([
      0, 100,
    ]);
    expect(await reviewsWeights()).toEqual(before);
  });
});
