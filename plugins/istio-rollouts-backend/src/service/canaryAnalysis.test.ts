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
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  istioRolloutsReadPermission,
  istioRolloutsRequestPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { createTestNamespace, kubectl } from '@internal/test-cluster';
import request from 'supertest';
import {
  createWebService,
  readVs,
  serviceEntity,
  startPlugin,
  testScheduler,
  weightsOf,
} from '../__testUtils__/fixtures';
import {
  TestPrometheus,
  startPrometheus,
  startWorkloadMetrics,
} from '../__testUtils__/prometheus';
import { waitFor } from '../__testUtils__/waitFor';
import { DatabaseAuditStore } from '../database/DatabaseAuditStore';
import { CANARY_ANALYSIS_ACTOR } from './CanaryAutoRollback';

// The canary analysis in the running plugin: the real local kube-apiserver
// holds `web` (v1 90% / v2 10%), Debian's real Prometheus scrapes Istio
// metrics in which v2 answers half its requests with 503s, and the plugin
// is configured with `istioRollouts.metrics`. Automatic rollback, its
// refusals and the promotion requests' analysis are checked end to end.

jest.setTimeout(120_000);

const API = '/api/istio-rollouts';
const TASK = 'istio-rollouts-canary-auto-rollback';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

let prometheus: TestPrometheus;
let workloads: Awaited<ReturnType<typeof startWorkloadMetrics>>;
// One namespace per scenario, all scraped from the start.
const ns: Record<'rollback' | 'manual' | 'unbound', string> = {} as any;

beforeAll(async () => {
  for (const scenario of Object.keys({
    rollback: 1,
    manual: 1,
    unbound: 1,
  }) as Array<keyof typeof ns>) {
    ns[scenario] = await createTestNamespace(`analysis-${scenario}`);
    await createWebService(ns[scenario]);
  }
  // Nothing binds this namespace's objects to the entity any more.
  await kubectl([
    'label',
    'namespace',
    ns.unbound,
    'backstage.io/kubernetes-id-',
  ]);
  workloads = await startWorkloadMetrics(
    Object.values(ns).flatMap(namespace => [
      {
        namespace,
        workload: 'web-v1',
        service: `web.${namespace}.svc.cluster.local`,
        requestsPerSecond: 18,
        errorRatio: 0,
        latencyMs: 20,
      },
      {
        namespace,
        workload: 'web-v2',
        service: `web.${namespace}.svc.cluster.local`,
        requestsPerSecond: 6,
        errorRatio: 0.5,
        latencyMs: 600,
      },
    ]),
  );
  prometheus = await startPrometheus({ targets: [workloads.target] });
  await prometheus.waitForScrapes(13);
});

afterAll(async () => {
  await prometheus?.stop();
  await workloads?.stop();
});

const metricsConfig = () => ({
  prometheusUrl: prometheus.url,
  window: '10s',
  analysis: { step: '2s' },
});

async function auditStoreOf(knex: Awaited<ReturnType<TestDatabases['init']>>) {
  return DatabaseAuditStore.create({
    database: mockServices.database.mock({ getClient: async () => knex }),
  });
}

// The permission backend with a policy that lets users read and nothing
// else: a user may not roll back here, whatever they own.
const readOnlyPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'read-only-policy',
  register(env) {
    env.registerInit({
      deps: { policy: policyExtensionPoint, logger: coreServices.logger },
      async init({ policy }) {
        policy.setPolicy({
          async handle({ permission }) {
            return {
              result:
                permission.name === istioRolloutsReadPermission.name ||
                permission.name === istioRolloutsRequestPermission.name
                  ? AuthorizeResult.ALLOW
                  : AuthorizeResult.DENY,
            };
          },
        });
      },
    });
  },
});

it("rolls a failing canary back with the plugin's own credentials, which the policy never judges", async () => {
  const knex = await databases.init('SQLITE_3');
  const audits: Array<{ event: any; outcome?: string; details?: any }> = [];
  const scheduler = testScheduler();
  const { server } = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns.rollback}/web`,
        'istio-rollouts/analysis': JSON.stringify({ autoRollback: true }),
      }),
    ],
    database: knex,
    audits,
    scheduler,
    // Backstage's real permission client and permission backend.
    permissionsService: permissionsServiceFactory,
    features: [permissionPlugin, readOnlyPolicy],
    config: {
      permission: { enabled: true },
      istioRollouts: { driftWatchSeconds: 1, metrics: metricsConfig() },
    },
  });
  const target = {
    cluster: 'local',
    namespace: ns.rollback,
    virtualService: 'web',
    route: 'primary',
  };

  // A user is judged by the policy, which refuses.
  const byUser = await request(server)
    .post(`${API}/entities/default/component/web/route-actions`)
    .set('Authorization', mockCredentials.user.header(ALICE))
    .send({ target, operation: { type: 'rollback' } });
  expect(byUser.status).toBe(403);
  expect(byUser.body.error.message).toMatch(
    /You may not move traffic of component:default\/web \(permission istio-rollouts\.rollback\)/,
  );
  expect(weightsOf(await readVs(ns.rollback))).toEqual([90, 10]);

  await scheduler.triggerTask(TASK);

  expect(weightsOf(await readVs(ns.rollback))).toEqual([100, 0]);
  const store = await auditStoreOf(knex);
  const records = (
    await store.list({ entityRef: 'component:default/web', action: 'rollback' })
  ).items;
  expect(records.map(r => [r.actor, r.outcome])).toEqual([
    [CANARY_ANALYSIS_ACTOR, 'applied'],
    [ALICE, 'denied'],
  ]);
  const [rolledBack] = records;
  expect(rolledBack).toMatchObject({
    cluster: 'local',
    namespace: ns.rollback,
    virtualService: 'web',
    route: 'primary',
  });
  expect(rolledBack.reason).toMatch(
    /^Canary analysis verdict fail: request-success-rate is \d+(\.\d+)?, below the minimum of 99\./,
  );
  expect(
    (rolledBack.weightsBefore as any).destinations.map((d: any) => d.weight),
  ).toEqual([90, 10]);
  expect(
    (rolledBack.weightsAfter as any).destinations.map((d: any) => d.weight),
  ).toEqual([100, 0]);
  // The auditor event carries the whole analysis.
  const event = audits.find(a => a.event.eventId === 'canary-auto-rollback');
  expect(event?.outcome).toBe('success');
  expect(event?.event.meta).toMatchObject({
    actor: CANARY_ANALYSIS_ACTOR,
    analysis: {
      verdict: 'fail',
      canaryVersionKey: expect.stringMatching(/v2$/),
      autoRollback: true,
    },
  });

  // Once the plugin sees the route all on stable, there is nothing to
  // analyse, and the next run leaves it alone.
  await waitFor(
    'the view without a canary',
    async () => {
      const view = await request(server)
        .get(`${API}/entities/default/component/web/view`)
        .set('Authorization', mockCredentials.user.header(ALICE));
      const vs = view.body.clusters?.[0]?.virtualServices?.[0];
      return vs && vs.routes[1].destinations[1].weight === 0 && !vs.analysis;
    },
    10_000,
  );
  await scheduler.triggerTask(TASK);
  const after = (
    await store.list({ entityRef: 'component:default/web', action: 'rollback' })
  ).items;
  expect(after).toHaveLength(2);
});

it('leaves a failing canary to people without the opt-in, and shows them the analysis', async () => {
  const knex = await databases.init('SQLITE_3');
  const audits: Array<{ event: any; outcome?: string; details?: any }> = [];
  const scheduler = testScheduler();
  const { server } = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns.manual}/web`,
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
    database: knex,
    audits,
    scheduler,
    // Alice owns the entity; Bob may only ask.
    permission: (name: string, user?: string) =>
      name === 'istio-rollouts.promotion.apply' && user !== ALICE
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    config: {
      istioRollouts: { driftWatchSeconds: 1, metrics: metricsConfig() },
    },
  });
  const as = (user: string) => mockCredentials.user.header(user);

  await scheduler.triggerTask(TASK);
  expect(weightsOf(await readVs(ns.manual))).toEqual([90, 10]);

  const view = await request(server)
    .get(`${API}/entities/default/component/web/view`)
    .set('Authorization', as(BOB));
  const vs = view.body.clusters[0].virtualServices[0];
  expect(vs.analysis).toMatchObject({
    route: 1,
    verdict: 'fail',
    autoRollback: false,
  });
  expect(vs.observed.versions.map((v: any) => v.versionKey)).toEqual(
    vs.routes[1].destinations.map((d: any) => d.versionKey),
  );

  // A request made while the analysis fails is made, with a warning.
  const created = await request(server)
    .post(`${API}/entities/default/component/web/requests`)
    .set('Authorization', as(BOB))
    .send({
      target: {
        cluster: 'local',
        namespace: ns.manual,
        virtualService: 'web',
        route: 'primary',
      },
      change: { type: 'promote-next' },
      reason: 'ship it',
    });
  expect(created.status).toBe(201);
  expect(created.body.analysis.verdict).toBe('fail');
  expect(created.body.warnings).toEqual([
    expect.objectContaining({
      code: 'canary-analysis-fail',
      message: expect.stringMatching(
        /^The canary analysis of this route fails \(request-success-rate/,
      ),
    }),
  ]);

  // Pending requests carry the analysis of their route, fresh.
  const listed = await request(server)
    .get(`${API}/entities/default/component/web/requests`)
    .set('Authorization', as(ALICE));
  expect(listed.body.items).toEqual([
    expect.objectContaining({
      id: created.body.id,
      status: 'pending',
      analysis: expect.objectContaining({ verdict: 'fail', route: 1 }),
    }),
  ]);

  // The owner approves anyway: the record says what the analysis said.
  const approved = await request(server)
    .post(`${API}/requests/${created.body.id}/approve`)
    .set('Authorization', as(ALICE))
    .send({});
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({
    status: 'applied',
    analysis: { verdict: 'fail' },
  });
  expect(weightsOf(await readVs(ns.manual))).toEqual([75, 25]);
  const store = await auditStoreOf(knex);
  const [record] = (
    await store.list({ requestId: created.body.id, outcome: 'applied' })
  ).items;
  expect(record).toMatchObject({ actor: BOB, approver: ALICE });
  expect(record.reason).toMatch(
    /^ship it \[canary analysis when approved: fail: request-success-rate is .*\]$/,
  );
  const event = audits.find(
    a => a.event.eventId === 'promotion-request-approve',
  );
  expect(event?.event.meta.analysis).toMatchObject({ verdict: 'fail' });
});

it('records a refused automatic rollback once, not every run', async () => {
  const knex = await databases.init('SQLITE_3');
  const audits: Array<{ event: any; outcome?: string; details?: any }> = [];
  const scheduler = testScheduler();
  await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns.unbound}/web`,
        'istio-rollouts/analysis': JSON.stringify({ autoRollback: true }),
      }),
    ],
    database: knex,
    audits,
    scheduler,
    config: {
      istioRollouts: { driftWatchSeconds: 1, metrics: metricsConfig() },
    },
  });

  await scheduler.triggerTask(TASK);
  await scheduler.triggerTask(TASK);

  // The cluster does not bind the VirtualService to the entity: refused,
  // as it would be for a person, and nothing changed.
  expect(weightsOf(await readVs(ns.unbound))).toEqual([90, 10]);
  const store = await auditStoreOf(knex);
  const records = (await store.list({ actor: CANARY_ANALYSIS_ACTOR })).items;
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    action: 'rollback',
    outcome: 'denied',
    reason: expect.stringMatching(/^Canary analysis verdict fail: /),
  });
  expect(records[0].message).toMatch(/backstage\.io\/kubernetes-id/);
  expect(
    audits.filter(a => a.event.eventId === 'canary-auto-rollback'),
  ).toHaveLength(1);
});
