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
import { randomBytes } from 'crypto';
import fs from 'fs';
import knexFactory from 'knex';
import os from 'os';
import path from 'path';
import request from 'supertest';
import {
  dropDatabases,
  postgresConnectionString,
} from './__testUtils__/postgres';
import { startBackend } from './__testUtils__/realBackend';

// Releases in flight against real parts: the catalog ingests the entities,
// the permission backend runs the demo policy (carol is platform, bob is
// team-mobile, alice team-bookinfo), the plugin watches the local
// kube-apiserver, and its database is the real test PostgreSQL, so an old
// audit record can be written the way a long-running installation has one.

jest.setTimeout(240_000);

const CAROL = mockCredentials.user.header('user:default/carol');
const BOB = mockCredentials.user.header('user:default/bob');
const ALICE = mockCredentials.user.header('user:default/alice');
const DAY = 86_400_000;

let ns: string;
let server: any;
let stopBackend: () => Promise<void>;
let pluginDb: ReturnType<typeof knexFactory>;
let prefix: string;

function entities() {
  const component = (
    name: string,
    owner: string,
    extra: { labels?: Record<string, string>; id?: string } = {},
  ) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      ...(extra.labels && { labels: extra.labels }),
      annotations: {
        'backstage.io/kubernetes-id': extra.id ?? name,
        'backstage.io/kubernetes-namespace': ns,
      },
    },
    spec: { type: 'service', lifecycle: 'production', owner },
  });
  return [
    component('rel-web', 'team-bookinfo'),
    component('rel-other', 'team-mobile'),
    // Only its owners and platform teams may read it (the demo policy).
    component('rel-secret', 'team-bookinfo', {
      labels: { 'istio-rollouts.demo/restricted': 'true' },
    }),
    component('rel-copied', 'team-bookinfo'),
    // bob's copy of rel-copied's id: the route must not become his.
    component('bob-copycat', 'team-mobile', { id: 'rel-copied' }),
  ];
}

async function seed() {
  const bound = (id: string) => ({ 'backstage.io/kubernetes-id': id });
  const deployment = (app: string, version: string, id?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${app}-${version}`,
      namespace: ns,
      labels: { app, ...(id ? bound(id) : {}) },
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
  const service = (app: string, id?: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, namespace: ns, ...(id && { labels: bound(id) }) },
    spec: { selector: { app }, ports: [{ port: 80 }] },
  });
  const rule = (app: string, subsets = ['v1', 'v2']) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: app, namespace: ns },
    spec: {
      host: app,
      subsets: subsets.map(v => ({ name: v, labels: { version: v } })),
    },
  });
  const to = (host: string, subset: string, weight?: number) => ({
    destination: { host, subset },
    ...(weight === undefined ? {} : { weight }),
  });
  const vs = (name: string, http: unknown[], id?: string) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: ns, ...(id && { labels: bound(id) }) },
    spec: { hosts: [name], http },
  });
  const apps: Array<[string, string | undefined]> = [
    ['web', 'rel-web'],
    ['bg', 'rel-web'],
    ['idle', 'rel-web'],
    ['other', 'rel-other'],
    ['stray', undefined],
    ['secret', 'rel-secret'],
    ['copied', 'rel-copied'],
  ];
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        ...apps.flatMap(([app, id]) => [
          service(app, id),
          rule(app),
          deployment(app, 'v1', id),
          deployment(app, 'v2', id),
        ]),
        vs(
          'web',
          [
            {
              name: 'primary',
              route: [to('web', 'v1', 90), to('web', 'v2', 10)],
            },
          ],
          'rel-web',
        ),
        vs(
          'pinned',
          [
            {
              name: 'jason',
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              route: [to('web', 'v2')],
            },
            { name: 'default', route: [to('web', 'v1')] },
          ],
          'rel-web',
        ),
        // At rest: one version takes everything.
        vs('calm', [{ route: [to('web', 'v1')] }], 'rel-web'),
        // Blue-green with the idle version running (in flight), and one
        // whose idle version is scaled to nothing (at rest).
        vs(
          'bg',
          [{ route: [to('bg', 'v1', 100), to('bg', 'v2', 0)] }],
          'rel-web',
        ),
        vs(
          'idle',
          [{ route: [to('idle', 'v1', 100), to('idle', 'v2', 0)] }],
          'rel-web',
        ),
        // Shared, bound to no entity: one route per team's Services.
        vs('gateway', [
          {
            name: 'other-route',
            match: [{ uri: { prefix: '/other' } }],
            route: [to('other', 'v1', 50), to('other', 'v2', 50)],
          },
          {
            name: 'stray-route',
            route: [to('stray', 'v1', 70), to('stray', 'v2', 30)],
          },
        ]),
        // Generated by Flagger without the binding label; its Canary has it.
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          metadata: {
            name: 'flagged',
            namespace: ns,
            labels: bound('rel-web'),
          },
          spec: {
            provider: 'istio',
            targetRef: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'flagged',
            },
            service: { port: 80 },
            analysis: {
              interval: '1m',
              threshold: 5,
              maxWeight: 50,
              stepWeight: 10,
            },
          },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'flagged', namespace: ns },
          spec: {
            hosts: ['flagged'],
            http: [
              {
                route: [
                  { destination: { host: 'flagged-primary' }, weight: 80 },
                  { destination: { host: 'flagged-canary' }, weight: 20 },
                ],
              },
            ],
          },
        },
        vs(
          'secret',
          [{ route: [to('secret', 'v1', 80), to('secret', 'v2', 20)] }],
          'rel-secret',
        ),
        vs(
          'copied',
          [{ route: [to('copied', 'v1', 95), to('copied', 'v2', 5)] }],
          'rel-copied',
        ),
      ],
    }),
  });
  for (const [app] of apps) {
    for (const version of ['v1', 'v2']) {
      // idle-v2 has no ready pods: a standby definition, not a release.
      const ready = app === 'idle' && version === 'v2' ? 0 : 1;
      await apiRequest(
        'PATCH',
        `/apis/apps/v1/namespaces/${ns}/deployments/${app}-${version}/status`,
        {
          contentType: 'application/merge-patch+json',
          body: {
            status: {
              replicas: 1,
              readyReplicas: ready,
              availableReplicas: ready,
              updatedReplicas: 1,
              observedGeneration: 1,
            },
          },
        },
      );
    }
  }
}

function list(user: string, query: Record<string, string> = {}) {
  return request(server)
    .get('/api/istio-rollouts/releases')
    .query({ namespace: ns, ...query })
    .set('Authorization', user);
}

// Until the catalog has ingested the file and the caches have the seed.
async function untilRows(user: string, count: number) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await list(user);
    const settled =
      res.status === 200 &&
      res.body.total === count &&
      res.body.items.every(
        (r: any) =>
          r.unbound === undefined || !r.unbound.includes('no catalog entity'),
      );
    if (settled || Date.now() > deadline) return res;
    await new Promise(r => setTimeout(r, 500));
  }
}

const summary = (items: any[]) =>
  items
    .map(
      r =>
        `${r.name}/${r.route.name ?? r.route.index} ${r.strategy} ${
          r.entity ? `${r.entity.ref} (${r.entity.owner})` : 'unbound'
        }`,
    )
    .sort();

beforeAll(async () => {
  ns = await createTestNamespace('releases');
  await seed();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'releases-catalog-'));
  const file = path.join(dir, 'entities.yaml');
  fs.writeFileSync(
    file,
    entities()
      .map(e => JSON.stringify(e))
      .join('\n---\n'),
  );
  const connectionString = postgresConnectionString();
  prefix = `releases_${randomBytes(4).toString('hex')}_`;
  const backend = await startBackend({
    locations: [file],
    clusters: [clusterConfig('plugin', 'local')],
    postgres: { connectionString, prefix },
  });
  server = backend.server;
  stopBackend = () => backend.stop();
  const url = new URL(connectionString);
  url.pathname = `/${prefix}istio-rollouts`;
  pluginDb = knexFactory({ client: 'pg', connection: url.toString() });
});

afterAll(async () => {
  await pluginDb?.destroy();
  await stopBackend?.();
  if (prefix) await dropDatabases(postgresConnectionString(), prefix);
});

describe('GET /releases', () => {
  it('lists, for a platform user, every route not at rest with its entity and owner', async () => {
    const res = await untilRows(CAROL, 8);
    expect(res.status).toBe(200);
    expect(summary(res.body.items)).toEqual([
      'bg/0 blue-green component:default/rel-web (group:default/team-bookinfo)',
      'copied/0 canary unbound',
      'flagged/0 managed component:default/rel-web (group:default/team-bookinfo)',
      'gateway/other-route canary component:default/rel-other (group:default/team-mobile)',
      'gateway/stray-route canary unbound',
      'pinned/jason targeted component:default/rel-web (group:default/team-bookinfo)',
      'secret/0 canary component:default/rel-secret (group:default/team-bookinfo)',
      'web/primary canary component:default/rel-web (group:default/team-bookinfo)',
    ]);
    const web = res.body.items.find((r: any) => r.name === 'web');
    expect(web).toMatchObject({
      cluster: 'local',
      kind: 'VirtualService',
      split: [
        { label: 'v1', weight: 90 },
        { label: 'v2', weight: 10 },
      ],
      stale: false,
      pendingRequests: 0,
    });
    // No record yet: dated by the object's managedFields, seconds ago.
    expect(web.sinceSource).toBe('managed-fields');
    expect(Date.now() - Date.parse(web.since)).toBeLessThan(10 * 60_000);
    const copied = res.body.items.find((r: any) => r.name === 'copied');
    expect(copied.unbound).toMatch(
      /claimed by .*bob-copycat.*rel-copied|claimed by .*rel-copied.*bob-copycat/,
    );
    const stray = res.body.items.find(
      (r: any) => r.route.name === 'stray-route',
    );
    expect(stray.unbound).toMatch(/bound to no entity/);
    expect(res.body).toMatchObject({
      total: 8,
      staleTotal: 0,
      staleAfterDays: 7,
      clusterErrors: [],
    });
  });

  it('shows bob only the routes of entities he may read: no restricted entity, nothing unbound, not a copied id', async () => {
    const res = await untilRows(BOB, 5);
    expect(res.status).toBe(200);
    expect(summary(res.body.items)).toEqual([
      'bg/0 blue-green component:default/rel-web (group:default/team-bookinfo)',
      'flagged/0 managed component:default/rel-web (group:default/team-bookinfo)',
      'gateway/other-route canary component:default/rel-other (group:default/team-mobile)',
      'pinned/jason targeted component:default/rel-web (group:default/team-bookinfo)',
      'web/primary canary component:default/rel-web (group:default/team-bookinfo)',
    ]);
    // alice owns rel-secret, so she reads it.
    const alice = await list(ALICE);
    expect(summary(alice.body.items)).toContain(
      'secret/0 canary component:default/rel-secret (group:default/team-bookinfo)',
    );
  });

  it('filters by strategy and owner, and pages with a cursor without gaps or repeats', async () => {
    const targeted = await list(CAROL, { strategy: 'targeted' });
    expect(summary(targeted.body.items)).toEqual([
      'pinned/jason targeted component:default/rel-web (group:default/team-bookinfo)',
    ]);
    const mobile = await list(CAROL, { owner: 'team-mobile' });
    expect(summary(mobile.body.items)).toEqual([
      'gateway/other-route canary component:default/rel-other (group:default/team-mobile)',
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(CAROL, { limit: '3', ...(cursor && { cursor }) });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(8);
      seen.push(...page.body.items.map((r: any) => r.key));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(8);
  });

  it('answers 400 with the reason for bad filters', async () => {
    for (const [query, reason] of [
      [{ limit: '0' }, /limit/],
      [{ limit: '501' }, /limit/],
      [{ strategy: 'rolling' }, /strategy/],
      [{ namespace: 'a/b' }, /namespace/],
      [{ minAgeDays: '-1' }, /minAgeDays/],
      [{ staleOnly: 'yes' }, /staleOnly/],
      [{ cursor: 'not-a-cursor' }, /cursor/],
      [{ owner: 'user:' }, /owner/],
      [{ unknown: 'x' }, /unknown|Unrecognized/i],
    ] as Array<[Record<string, string>, RegExp]>) {
      const res = await list(CAROL, query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.error.message).toMatch(reason);
    }
  });

  it('dates a route by its audit record: a record older than the threshold makes it stale', async () => {
    // A record from ten days ago, as an installation running for weeks has.
    await pluginDb('istio_rollouts_audit_records').insert({
      created_at: new Date(Date.now() - 10 * DAY),
      actor: 'user:default/alice',
      entity_ref: 'component:default/rel-web',
      action: 'start-canary',
      outcome: 'applied',
      cluster: 'local',
      namespace: ns,
      virtual_service: 'web',
      route: 'primary',
    });
    const res = await list(CAROL);
    const web = res.body.items.find((r: any) => r.name === 'web');
    expect(web).toMatchObject({ sinceSource: 'audit', stale: true });
    expect(Date.now() - Date.parse(web.since)).toBeGreaterThan(9.9 * DAY);
    // Oldest first, and the stale filters find it alone.
    expect(res.body.items[0].name).toBe('web');
    expect(res.body.staleTotal).toBe(1);
    const filters: Array<Record<string, string>> = [
      { staleOnly: 'true' },
      { minAgeDays: '9' },
    ];
    for (const query of filters) {
      const only = await list(CAROL, query);
      expect(summary(only.body.items)).toEqual([
        'web/primary canary component:default/rel-web (group:default/team-bookinfo)',
      ]);
    }
  });

  it('a change through the plugin and a pending request show at once', async () => {
    const asked = await request(server)
      .post('/api/istio-rollouts/entities/default/component/rel-web/requests')
      .set('Authorization', BOB)
      .send({
        target: {
          cluster: 'local',
          namespace: ns,
          virtualService: 'web',
          route: 'primary',
        },
        change: { type: 'promote-full' },
        reason: 'v2 looks fine',
      });
    expect(asked.status).toBe(201);
    const promoted = await request(server)
      .post(
        '/api/istio-rollouts/entities/default/component/rel-web/route-actions',
      )
      .set('Authorization', ALICE)
      .send({
        target: {
          cluster: 'local',
          namespace: ns,
          virtualService: 'web',
          route: 'primary',
        },
        operation: { type: 'promote-next' },
        dryRun: false,
      });
    expect(promoted.status).toBe(200);
    const deadline = Date.now() + 30_000;
    let web: any;
    let bg: any;
    do {
      const res = await list(CAROL);
      web = res.body.items.find((r: any) => r.name === 'web');
      bg = res.body.items.find((r: any) => r.name === 'bg');
      if (web?.split[1]?.weight === 25) break;
      await new Promise(r => setTimeout(r, 300));
    } while (Date.now() < deadline);
    expect(web).toMatchObject({
      sinceSource: 'audit',
      stale: false,
      split: [
        { label: 'v1', weight: 75 },
        { label: 'v2', weight: 25 },
      ],
    });
    expect(Date.now() - Date.parse(web.since)).toBeLessThan(60_000);
    expect(web.pendingRequests).toBe(1);
    expect(bg.pendingRequests).toBe(0);
  });
});
