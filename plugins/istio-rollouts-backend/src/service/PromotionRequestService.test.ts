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

import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { SignalPayload } from '@backstage/plugin-signals-node';
import { apiRequest, createTestNamespace } from '@internal/test-cluster';
import request from 'supertest';
import {
  TestScheduler,
  createWebService,
  readVs,
  serviceEntity,
  startPlugin,
  testScheduler,
  weightsOf,
} from '../__testUtils__/fixtures';

// Promotion requests through the plugin's HTTP API, against the real local
// kube-apiserver: who may ask, who may decide, what is applied (once), and
// what is refused, with the audit trail and notifications each leaves.

jest.setTimeout(60_000);

const ALICE = 'user:default/alice'; // owner: may apply
const BOB = 'user:default/bob'; // may only request
const CAROL = 'user:default/carol'; // another owner
const API = '/api/istio-rollouts';
const EXPIRE_TASK = 'istio-rollouts-expire-promotion-requests';

// Owners apply; everyone reads and requests.
function ownersPolicy(name: string, user?: string) {
  if (
    name === 'istio-rollouts.promotion.apply' ||
    name === 'istio-rollouts.rollback'
  ) {
    return user === ALICE || user === CAROL
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  }
  return AuthorizeResult.ALLOW;
}

async function setUp(
  options: {
    approvals?: Record<string, unknown>;
    permission?: (name: string, user?: string) => AuthorizeResult;
    scheduler?: TestScheduler;
    database?: Awaited<ReturnType<TestDatabases['init']>>;
  } = {},
) {
  const ns = await createTestNamespace('requests');
  await createWebService(ns);
  const notifications: NotificationSendOptions[] = [];
  const signals: SignalPayload[] = [];
  const { server } = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns}/web`,
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
    permission: (options.permission ?? ownersPolicy) as any,
    notifications,
    signals,
    scheduler: options.scheduler,
    database: options.database,
    config: {
      istioRollouts: { driftWatchSeconds: 1, approvals: options.approvals },
    },
  });
  const as = (user: string) => mockCredentials.user.header(user);
  const target = {
    cluster: 'local',
    namespace: ns,
    virtualService: 'web',
    route: 'primary',
  };
  const create = (user: string, body: Record<string, unknown> = {}) =>
    request(server)
      .post(`${API}/entities/default/component/web/requests`)
      .set('Authorization', as(user))
      .send({
        target,
        change: { type: 'promote-next' },
        reason: 'p99 latency flat for an hour',
        ...body,
      });
  const decide = (
    user: string,
    id: string,
    verb: 'approve' | 'reject' | 'cancel',
    body: Record<string, unknown> = {},
  ) =>
    request(server)
      .post(`${API}/requests/${id}/${verb}`)
      .set('Authorization', as(user))
      .send(body);
  const list = (query = '') =>
    request(server)
      .get(`${API}/entities/default/component/web/requests${query}`)
      .set('Authorization', as(BOB));
  const history = async () =>
    (
      await request(server)
        .get(`${API}/entities/default/component/web/history`)
        .set('Authorization', as(ALICE))
    ).body.items as any[];
  const act = (user: string, operation: unknown, extra = {}) =>
    request(server)
      .post(`${API}/entities/default/component/web/route-actions`)
      .set('Authorization', as(user))
      .send({ target, operation, ...extra });
  return {
    ns,
    target,
    server,
    create,
    decide,
    list,
    history,
    act,
    notifications,
    signals,
  };
}

describe('promotion requests', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('a requester asks, an owner approves, the change is applied and recorded', async () => {
    const t = await setUp();

    const created = await t.create(BOB);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      requestedBy: BOB,
      entityRef: 'component:default/web',
      change: { type: 'promote-next' },
      reason: 'p99 latency flat for an hour',
    });
    const id = created.body.id;
    expect(created.body.before.destinations.map((d: any) => d.weight)).toEqual([
      90, 10,
    ]);
    expect(
      created.body.plannedAfter.destinations.map((d: any) => d.weight),
    ).toEqual([75, 25]);
    // Asking changes nothing.
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);
    // The owners hear of it, not the requester.
    expect(t.notifications).toEqual([
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: 'component:default/web',
          excludeEntityRef: BOB,
        },
        payload: expect.objectContaining({
          title: 'Traffic change requested for web',
          link: '/catalog/default/component/web/istio-rollouts',
        }),
      }),
    ]);
    expect(t.notifications[0].payload.description).toContain('90% / v2 10%');

    const listed = await t.list('?status=pending');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((r: any) => r.id)).toEqual([id]);
    expect(listed.body.policy).toEqual({
      fourEyes: true,
      ownersApplyDirectly: true,
      requestTtlSeconds: 86400,
    });

    const approved = await t.decide(ALICE, id, 'approve', {
      reason: 'canary metrics look good',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'applied',
      decidedBy: ALICE,
      decisionReason: 'canary metrics look good',
    });
    const vs = await readVs(t.ns);
    expect(weightsOf(vs)).toEqual([75, 25]);
    expect(approved.body.resourceVersionAfter).toBe(
      vs.metadata.resourceVersion,
    );

    const [record] = await t.history();
    expect(record).toMatchObject({
      actor: BOB,
      approver: ALICE,
      action: 'promote-next',
      outcome: 'applied',
      requestId: id,
      reason: 'p99 latency flat for an hour',
      resourceVersionAfter: vs.metadata.resourceVersion,
    });
    expect(
      (record.weightsAfter as any).destinations.map((d: any) => d.weight),
    ).toEqual([75, 25]);
    // The requester hears of the decision; open tabs get a signal each time.
    expect(t.notifications[1]).toMatchObject({
      recipients: { type: 'entity', entityRef: BOB },
      payload: { title: 'Your traffic change request was applied' },
    });
    // Signals go to everyone, so they name no entity, request or status:
    // only the entity's opaque topic, which its list of requests carries.
    const topic = listed.body.signalTopic;
    expect(topic).toMatch(/^[0-9a-f]{32,}$/);
    const signal = {
      recipients: { type: 'broadcast' },
      channel: 'istio-rollouts:requests',
      message: { topic },
    };
    expect(
      t.signals.filter(s => s.channel === 'istio-rollouts:requests'),
    ).toEqual([signal, signal]);
    expect(JSON.stringify(t.signals)).not.toMatch(/web|pending|applied/);
    expect(JSON.stringify(t.signals)).not.toContain(id);
    // The same entity however its reference is written.
    const spelled = await request(t.server)
      .get(`${API}/entities/Default/Component/WEB/requests`)
      .set('Authorization', mockCredentials.user.header(BOB));
    expect(spelled.body.signalTopic).toBe(topic);

    // Approving again does nothing more.
    const again = await t.decide(CAROL, id, 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/applied/);
    expect(weightsOf(await readVs(t.ns))).toEqual([75, 25]);
  });

  it('four-eyes: the requester cannot approve their own request, unless configured off', async () => {
    const t = await setUp();
    const { body } = await t.create(ALICE, { reason: 'ready' });

    const own = await t.decide(ALICE, body.id, 'approve');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/Four-eyes/);
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);
    const [denied] = await t.history();
    expect(denied).toMatchObject({
      outcome: 'denied',
      actor: ALICE,
      requestId: body.id,
    });
    // Nobody approved anything.
    expect(denied.approver).toBeUndefined();

    expect((await t.decide(CAROL, body.id, 'approve')).status).toBe(200);
    expect(weightsOf(await readVs(t.ns))).toEqual([75, 25]);

    const relaxed = await setUp({ approvals: { fourEyes: false } });
    const mine = await relaxed.create(ALICE, { reason: 'ready' });
    expect((await relaxed.decide(ALICE, mine.body.id, 'approve')).status).toBe(
      200,
    );
    expect(weightsOf(await readVs(relaxed.ns))).toEqual([75, 25]);
  });

  it('four-eyes: the requester under another spelling of their ref is still the requester', async () => {
    // Everyone may apply here: only the four-eyes rule can refuse. Entity
    // refs are case-insensitive, as the catalog compares them.
    const t = await setUp({ permission: () => AuthorizeResult.ALLOW });
    const own = (await t.create(ALICE, { reason: 'ready' })).body;

    const approve = await t.decide('user:default/Alice', own.id, 'approve');
    expect(approve.status).toBe(403);
    expect(approve.body.error.message).toMatch(/Four-eyes/);
    expect(
      (await t.decide('User:Default/ALICE', own.id, 'approve')).status,
    ).toBe(403);
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);
    // Someone else still may.
    expect((await t.decide(CAROL, own.id, 'approve')).status).toBe(200);
  });

  it('the requester cancels their own request whatever the case of their ref', async () => {
    const t = await setUp();
    const { body } = await t.create(BOB);

    const cancelled = await t.decide('user:default/Bob', body.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('only owners approve; a refused approval is recorded as denied', async () => {
    const t = await setUp();
    const { body } = await t.create(BOB);

    const res = await t.decide('user:default/dave', body.id, 'approve');

    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/promotion\.apply/);
    expect((await t.list()).body.items[0].status).toBe('pending');
    const [denied] = await t.history();
    expect(denied).toMatchObject({
      outcome: 'denied',
      actor: 'user:default/dave',
      requestId: body.id,
    });
    expect(denied.approver).toBeUndefined();
  });

  it('goes stale, applying nothing, when the split changed since the request', async () => {
    const t = await setUp();
    const { body } = await t.create(BOB);
    // Someone moves the split by hand in between.
    await apiRequest(
      'PATCH',
      `/apis/networking.istio.io/v1/namespaces/${t.ns}/virtualservices/web`,
      {
        contentType: 'application/json-patch+json',
        body: [
          { op: 'replace', path: '/spec/http/1/route/0/weight', value: 80 },
          { op: 'replace', path: '/spec/http/1/route/1/weight', value: 20 },
        ],
      },
    );

    const res = await t.decide(ALICE, body.id, 'approve');

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /changed since the request.*v1 90% \/ v2 10%.*v1 80% \/ v2 20%/,
    );
    expect(weightsOf(await readVs(t.ns))).toEqual([80, 20]);
    const [stale] = (await t.list()).body.items;
    expect(stale).toMatchObject({ status: 'stale', decidedBy: ALICE });
    expect((await t.history())[0]).toMatchObject({
      outcome: 'stale',
      requestId: body.id,
      weightsAfter: expect.objectContaining({
        destinations: [
          expect.objectContaining({ subset: 'v1', weight: 80 }),
          expect.objectContaining({ subset: 'v2', weight: 20 }),
        ],
      }),
    });
    expect(t.notifications.at(-1)).toMatchObject({
      recipients: { entityRef: BOB },
      payload: { title: 'Your traffic change request is stale' },
    });
  });

  it('goes stale when the approved step is no longer what the change would do', async () => {
    // Two replicas sharing one database, the second with other canary steps:
    // what was requested (75/25) is not what promote-next gives there (50/50).
    const ns = await createTestNamespace('requests');
    await createWebService(ns);
    const database = await databases.init('SQLITE_3');
    const replica = async (steps: string) =>
      (
        await startPlugin({
          entities: [
            serviceEntity('web', {
              'istio-rollouts/virtual-services': `${ns}/web`,
              'istio-rollouts/canary-steps': steps,
            }),
          ],
          database,
          permission: ownersPolicy as any,
        })
      ).server;
    const before = await replica('10,25,50,100');
    const after = await replica('10,50,100');

    const created = await request(before)
      .post(`${API}/entities/default/component/web/requests`)
      .set('Authorization', mockCredentials.user.header(BOB))
      .send({
        target: {
          cluster: 'local',
          namespace: ns,
          virtualService: 'web',
          route: 'primary',
        },
        change: { type: 'promote-next' },
        reason: 'next step',
      });
    const res = await request(after)
      .post(`${API}/requests/${created.body.id}/approve`)
      .set('Authorization', mockCredentials.user.header(ALICE))
      .send({});

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /would now give v1 50% \/ v2 50% instead of the approved v1 75% \/ v2 25%/,
    );
    expect(weightsOf(await readVs(ns))).toEqual([90, 10]);
  });

  it('goes stale, not failed, when the route is gone or another route took its place', async () => {
    const t = await setUp();
    const byIndex = (await t.create(BOB, { target: { ...t.target, route: 1 } }))
      .body;
    expect(byIndex.before.name).toBe('primary');
    const byName = (await t.create(CAROL)).body;

    // A route with the same split is inserted before 'primary' (index 1
    // now names it), and 'primary' is renamed.
    const vs = await readVs(t.ns);
    await apiRequest(
      'PATCH',
      `/apis/networking.istio.io/v1/namespaces/${t.ns}/virtualservices/web`,
      {
        contentType: 'application/json-patch+json',
        body: [
          {
            op: 'add',
            path: '/spec/http/1',
            value: { ...vs.spec.http[1], name: 'hotfix' },
          },
          { op: 'replace', path: '/spec/http/2/name', value: 'main' },
        ],
      },
    );

    const first = await t.decide(ALICE, byIndex.id, 'approve');
    expect(first.status).toBe(409);
    expect(first.body.error.message).toMatch(/now 'hotfix', not the 'primary'/);
    const second = await t.decide(ALICE, byName.id, 'approve');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/primary no longer exists/);
    expect((await t.list()).body.items.map((r: any) => r.status)).toEqual([
      'stale',
      'stale',
    ]);
    expect((await readVs(t.ns)).spec.http.map((r: any) => r.name)).toEqual([
      'admin',
      'hotfix',
      'main',
    ]);
  });

  it('is not stale when only something else on the object changed', async () => {
    const t = await setUp();
    const { body } = await t.create(BOB, {
      change: {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 50 },
          { host: 'web', subset: 'v2', weight: 50 },
        ],
      },
    });
    await apiRequest(
      'PATCH',
      `/apis/networking.istio.io/v1/namespaces/${t.ns}/virtualservices/web`,
      {
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { team: 'web' } } },
      },
    );

    expect((await t.decide(ALICE, body.id, 'approve')).status).toBe(200);
    const vs = await readVs(t.ns);
    expect(weightsOf(vs)).toEqual([50, 50]);
    expect(vs.metadata.labels.team).toBe('web');
  });

  it('rejects with a reason, by an owner only; the requester cancels their own', async () => {
    const t = await setUp();
    const first = (await t.create(BOB)).body;

    const noReason = await t.decide(ALICE, first.id, 'reject', {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/reason/);
    expect(
      (await t.decide(BOB, first.id, 'reject', { reason: 'x' })).status,
    ).toBe(403);
    const rejected = await t.decide(ALICE, first.id, 'reject', {
      reason: 'freeze until Monday',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      decidedBy: ALICE,
      decisionReason: 'freeze until Monday',
    });
    expect(t.notifications.at(-1)).toMatchObject({
      recipients: { entityRef: BOB },
      payload: {
        description: expect.stringContaining(
          'was rejected by user:default/alice: freeze until Monday',
        ),
      },
    });
    expect((await t.decide(CAROL, first.id, 'approve')).status).toBe(409);

    const second = (await t.create(BOB)).body;
    expect((await t.decide(ALICE, second.id, 'cancel')).status).toBe(403);
    const cancelled = await t.decide(BOB, second.id, 'cancel', {
      reason: 'wrong route',
    });
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      decidedBy: BOB,
    });
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);
    // Neither decision wrote to the cluster, so neither is in the audit
    // trail; the two refused attempts are.
    expect(
      (await t.history()).map(r => [r.actor, r.action, r.outcome]),
    ).toEqual([
      [ALICE, 'cancel-request', 'denied'],
      [BOB, 'reject-request', 'denied'],
    ]);
  });

  it('refuses malformed or impossible requests with a 4xx, storing nothing', async () => {
    const t = await setUp();
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [
        {
          change: {
            type: 'set-weights',
            weights: [
              { host: 'web', subset: 'v1', weight: 101 },
              { host: 'web', subset: 'v2', weight: 0 },
            ],
          },
        },
        400,
        /at most 100/,
      ],
      [{ change: { type: 'rollback' } }, 400, /cannot be requested/],
      [{ reason: '   ' }, 400, /reason: must say why/],
      [{ change: { type: 'promote-next' }, extra: 1 }, 400, /extra/],
      [
        {
          change: {
            type: 'set-weights',
            weights: [
              { host: 'web', subset: 'v1', weight: 50 },
              { host: 'web', subset: 'v9', weight: 50 },
            ],
          },
        },
        422,
        /v9/,
      ],
      [
        {
          change: {
            type: 'set-weights',
            weights: [
              { host: 'web', subset: 'v1', weight: 90 },
              { host: 'web', subset: 'v2', weight: 10 },
            ],
          },
        },
        409,
        /nothing to request/,
      ],
    ];
    for (const [body, status, message] of cases) {
      const res = await t.create(BOB, body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body.error.message).toMatch(message);
    }
    const notAllowed = await setUp({
      permission: name =>
        name === 'istio-rollouts.promotion.request'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    });
    expect((await notAllowed.create(BOB)).status).toBe(403);

    expect((await t.list()).body.items).toEqual([]);
    expect((await notAllowed.list()).body.items).toEqual([]);
    expect(
      (await t.decide(ALICE, 'not-a-uuid', 'approve')).body.error.message,
    ).toMatch(/UUID/);
    expect(
      (await t.decide(ALICE, '00000000-0000-4000-8000-000000000000', 'approve'))
        .status,
    ).toBe(404);
    expect(t.notifications).toEqual([]);
  });

  it('expires undecided requests from the scheduler, once, and records it', async () => {
    const scheduler = testScheduler();
    const t = await setUp({
      scheduler,
      approvals: { requestTtl: { seconds: 1 } },
    });
    expect(await scheduler.getScheduledTasks()).toContainEqual(
      expect.objectContaining({ id: EXPIRE_TASK, scope: 'global' }),
    );
    const { body } = await t.create(BOB);
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(1000);

    await new Promise(r => setTimeout(r, 1100));
    await scheduler.triggerTask(EXPIRE_TASK);
    await scheduler.triggerTask(EXPIRE_TASK);

    expect((await t.list()).body.items[0]).toMatchObject({
      id: body.id,
      status: 'expired',
    });
    const records = await t.history();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      outcome: 'expired',
      requestId: body.id,
      action: 'promote-next',
    });
    expect(records[0].actor).toBeUndefined();
    expect(t.notifications.at(-1)).toMatchObject({
      recipients: { entityRef: BOB },
      payload: { title: 'Your traffic change request is expired' },
    });
    const late = await t.decide(ALICE, body.id, 'approve');
    expect(late.status).toBe(409);
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);
  });

  it('ends an abandoned approval whose applied record was stored as applied, without a second record', async () => {
    // The write and its audit record landed, then the replica stopped (or
    // its database went away) before the request left `approving`.
    const scheduler = testScheduler();
    const database = await databases.init('SQLITE_3');
    const t = await setUp({
      scheduler,
      database,
      approvals: { abandonedAfter: { seconds: 1 } },
    });
    const { body } = await t.create(BOB);
    expect((await t.decide(ALICE, body.id, 'approve')).status).toBe(200);
    await database('istio_rollouts_promotion_requests')
      .where({ id: body.id })
      .update({
        status: 'approving',
        decided_at: new Date(Date.now() - 60_000),
      });

    await scheduler.triggerTask(EXPIRE_TASK);

    expect((await t.list()).body.items[0]).toMatchObject({
      id: body.id,
      status: 'applied',
    });
    const records = (await t.history()).filter(r => r.requestId === body.id);
    expect(records.map(r => r.outcome)).toEqual(['applied']);
    expect(weightsOf(await readVs(t.ns))).toEqual([75, 25]);
  });

  it('makes owners request too when ownersApplyDirectly is false', async () => {
    const t = await setUp({ approvals: { ownersApplyDirectly: false } });

    const direct = await t.act(ALICE, { type: 'promote-next' });
    expect(direct.status).toBe(403);
    expect(direct.body.error.message).toMatch(/ownersApplyDirectly/);
    expect((await t.history())[0]).toMatchObject({
      outcome: 'denied',
      actor: ALICE,
    });
    // Previews and rollbacks stay direct.
    expect(
      (await t.act(ALICE, { type: 'promote-next' }, { dryRun: true })).status,
    ).toBe(200);
    expect(weightsOf(await readVs(t.ns))).toEqual([90, 10]);

    const { body } = await t.create(ALICE, { reason: 'next step' });
    expect((await t.decide(CAROL, body.id, 'approve')).status).toBe(200);
    expect(weightsOf(await readVs(t.ns))).toEqual([75, 25]);

    // Targeting users releases v2 to them: not direct either (and it
    // cannot be requested; the weights can).
    const targeted = await t.act(ALICE, {
      type: 'target-users',
      match: { kind: 'header', name: 'x-beta', value: 'yes' },
      to: { host: 'web', subset: 'v2' },
    });
    expect(targeted.status).toBe(403);
    expect(targeted.body.error.message).toMatch(/cannot be requested/);
    expect((await t.act(ALICE, { type: 'rollback' })).status).toBe(200);
    expect(weightsOf(await readVs(t.ns), 1)).toEqual([100, 0]);
  });
});
