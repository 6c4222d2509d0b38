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
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apiRequest,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import request from 'supertest';
import { KubeApi } from '../cluster/KubeApi';
import { serviceEntity, startPlugin } from '../__testUtils__/fixtures';
import { webhookToken } from './flagger/webhookToken';

// Argo Rollouts actions through the plugin's HTTP API, against the real
// local kube-apiserver. No Argo controller runs here (the lead's end-to-end
// tests run the real one): these tests write a Rollout's status the way
// the controller would, then check exactly what the plugin stores, what it
// refuses, and what it records.

jest.setTimeout(60_000);

const ALICE = 'user:default/alice'; // owner: apply and rollback
const CAROL = 'user:default/carol'; // another owner
const BOB = 'user:default/bob'; // may read and request only
const API = '/api/istio-rollouts';
const ROLLOUTS = '/apis/argoproj.io/v1alpha1/namespaces';

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

const STEPS = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { pause: { duration: '10m' } },
];

// A canary Rollout driving VirtualService `storefront`, paused by its
// controller at the pause step after setWeight 20 (as seed.js writes it).
async function createStorefront(ns: string, bound: boolean) {
  if (bound) {
    await kubectl([
      'label',
      'namespace',
      ns,
      'backstage.io/kubernetes-id=shop',
    ]);
  }
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: 'storefront' }, ports: [{ port: 8080 }] },
  });
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        service('storefront-stable'),
        service('storefront-canary'),
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          metadata: { name: 'storefront', namespace: ns },
          spec: {
            replicas: 5,
            selector: { matchLabels: { app: 'storefront' } },
            template: {
              metadata: { labels: { app: 'storefront' } },
              spec: {
                containers: [
                  { name: 'storefront', image: 'example/storefront:2' },
                ],
              },
            },
            strategy: {
              canary: {
                stableService: 'storefront-stable',
                canaryService: 'storefront-canary',
                trafficRouting: {
                  istio: {
                    virtualService: { name: 'storefront', routes: ['primary'] },
                  },
                },
                steps: STEPS,
              },
            },
          },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'storefront', namespace: ns },
          spec: {
            hosts: ['storefront'],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: 'storefront-stable' }, weight: 80 },
                  { destination: { host: 'storefront-canary' }, weight: 20 },
                ],
              },
            ],
          },
        },
      ],
    }),
  });
  const rollout = await readRollout(ns);
  await writeStatus(ns, {
    observedGeneration: String(rollout.metadata.generation),
    phase: 'Paused',
    message: 'CanaryPauseStep',
    currentPodHash: 'canary5f7d',
    stableRS: 'stable6c9b',
    currentStepIndex: 1,
    controllerPause: true,
    pauseConditions: [
      { reason: 'CanaryPauseStep', startTime: '2026-11-30T10:00:00Z' },
    ],
    canary: {
      weights: {
        canary: { weight: 20, podTemplateHash: 'canary5f7d' },
        stable: { weight: 80, podTemplateHash: 'stable6c9b' },
      },
    },
  });
}

// As the controller writes it: through the status subresource.
async function writeStatus(ns: string, status: Record<string, unknown>) {
  const res = await apiRequest(
    'PATCH',
    `${ROLLOUTS}/${ns}/rollouts/storefront/status`,
    { contentType: 'application/merge-patch+json', body: { status } },
  );
  if (res.status !== 200) {
    throw new Error(`status write: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function readRollout(ns: string) {
  return (await apiRequest('GET', `${ROLLOUTS}/${ns}/rollouts/storefront`))
    .body;
}

afterEach(() => {
  jest.restoreAllMocks();
});

async function setUp(
  options: { bound?: boolean; approvals?: Record<string, unknown> } = {},
) {
  const ns = await createTestNamespace('ctl');
  await createStorefront(ns, options.bound ?? true);
  const { server } = await startPlugin({
    entities: [
      serviceEntity('shop', {
        'istio-rollouts/virtual-services': `${ns}/storefront`,
      }),
    ],
    permission: ownersPolicy as any,
    config: { istioRollouts: { approvals: options.approvals } },
  });
  const as = (user: string) => mockCredentials.user.header(user);
  const target = {
    cluster: 'local',
    namespace: ns,
    kind: 'Rollout',
    name: 'storefront',
  };
  const act = (user: string, body: Record<string, unknown>) =>
    request(server)
      .post(`${API}/entities/default/component/shop/controller-actions`)
      .set('Authorization', as(user))
      .send({ target, ...body });
  const argo = (user: string, action: string, extra = {}) =>
    act(user, { action: { type: 'argo', action }, ...extra });
  const requestAction = (user: string, action: string) =>
    request(server)
      .post(`${API}/entities/default/component/shop/requests`)
      .set('Authorization', as(user))
      .send({
        change: {
          type: 'controller-action',
          controller: target,
          action: { type: 'argo', action },
        },
        reason: 'canary error rate flat for an hour',
      });
  const decide = (user: string, id: string, verb: 'approve' | 'reject') =>
    request(server)
      .post(`${API}/requests/${id}/${verb}`)
      .set('Authorization', as(user))
      .send({ reason: 'looked at the dashboards' });
  const history = async () =>
    (
      await request(server)
        .get(`${API}/entities/default/component/shop/history?hideObserved=true`)
        .set('Authorization', as(ALICE))
    ).body.items as any[];
  return { ns, target, act, argo, requestAction, decide, history };
}

describe('Argo Rollouts actions', () => {
  it('promote at a pause step clears the pause condition, and is recorded', async () => {
    const { ns, target, argo, history } = await setUp();
    const before = await readRollout(ns);

    // A dry run answers the exact patch and changes nothing.
    const dry = await argo(ALICE, 'promote', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      dryRun: true,
      description: 'Promote storefront: ends the pause (CanaryPauseStep).',
      patches: [
        {
          subresource: 'status',
          patch: [
            {
              op: 'test',
              path: '/metadata/resourceVersion',
              value: before.metadata.resourceVersion,
            },
            { op: 'remove', path: '/status/pauseConditions' },
          ],
        },
      ],
      resourceVersionBefore: before.metadata.resourceVersion,
    });
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect(await history()).toEqual([]);

    const res = await argo(ALICE, 'promote', { reason: 'metrics are fine' });
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(false);
    const after = await readRollout(ns);
    expect(res.body.resourceVersionAfter).toBe(after.metadata.resourceVersion);
    // The pause is lifted; the controller moves the step itself.
    expect(after.status.pauseConditions).toBeUndefined();
    expect(after.status.controllerPause).toBe(true);
    expect(after.status.currentStepIndex).toBe(1);
    expect(after.spec).toEqual(before.spec);

    const [record, ...rest] = await history();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      actor: ALICE,
      entityRef: 'component:default/shop',
      action: 'argo-promote',
      outcome: 'applied',
      cluster: 'local',
      namespace: ns,
      workload: 'Rollout/storefront',
      reason: 'metrics are fine',
      resourceVersionBefore: before.metadata.resourceVersion,
      resourceVersionAfter: after.metadata.resourceVersion,
      weightsBefore: {
        resourceVersion: before.metadata.resourceVersion,
        podHash: 'canary5f7d',
        stepIndex: 1,
        summary:
          'Paused, step 1 of 4, paused (CanaryPauseStep), canary weight 20%',
      },
      weightsAfter: {
        controller: target,
        action: { type: 'argo', action: 'promote' },
        description: 'Promote storefront: ends the pause (CanaryPauseStep).',
        patches: res.body.patches,
      },
    });
    expect(record.virtualService).toBeUndefined();

    // Promoting again before the controller acted would skip a step.
    const again = await argo(ALICE, 'promote');
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already being promoted/);
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      after.metadata.resourceVersion,
    );
  });

  it('refuses with 409 and writes nothing when the Rollout changed between the read and the write', async () => {
    const { ns, argo, history } = await setUp();
    // Right after the plugin's fresh GET of the Rollout, someone else
    // changes it on the API server: the patch's `test` must fail there.
    const get = KubeApi.prototype.get;
    let raced = false;
    jest
      .spyOn(KubeApi.prototype, 'get')
      .mockImplementation(async function racingGet(
        this: KubeApi,
        path: string,
      ) {
        const result = await get.call(this, path);
        if (!raced && path.endsWith(`/namespaces/${ns}/rollouts/storefront`)) {
          raced = true;
          await kubectl([
            'label',
            '-n',
            ns,
            'rollout',
            'storefront',
            'touched=by-someone-else',
          ]);
        }
        return result as any;
      });
    const touched = async () => readRollout(ns);

    const res = await argo(ALICE, 'promote');

    expect(raced).toBe(true);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /Rollout .*\/storefront changed since you looked .*nothing was changed/,
    );
    const now = await touched();
    expect(now.metadata.labels.touched).toBe('by-someone-else');
    expect(now.status.pauseConditions).toEqual([
      { reason: 'CanaryPauseStep', startTime: '2026-11-30T10:00:00Z' },
    ]);
    const [record] = await history();
    expect(record).toMatchObject({
      action: 'argo-promote',
      outcome: 'failed',
      actor: ALICE,
    });
  });

  it('abort sets status.abort, under the rollback permission', async () => {
    const { ns, argo, history } = await setUp();
    const before = await readRollout(ns);

    const res = await argo(CAROL, 'abort', { reason: 'errors' });

    expect(res.status).toBe(200);
    expect(res.body.patches).toEqual([
      {
        subresource: 'status',
        patch: [
          {
            op: 'test',
            path: '/metadata/resourceVersion',
            value: before.metadata.resourceVersion,
          },
          { op: 'add', path: '/status/abort', value: true },
        ],
      },
    ]);
    const after = await readRollout(ns);
    expect(after.status.abort).toBe(true);
    // Written as the plugin, through the status subresource.
    expect(
      after.metadata.managedFields.find(
        (f: any) =>
          f.manager === 'backstage-istio-rollouts' &&
          f.subresource === 'status',
      )?.fieldsV1,
    ).toEqual({ 'f:status': { 'f:abort': {} } });
    expect(after.status.pauseConditions).toEqual(before.status.pauseConditions);
    expect((await history())[0]).toMatchObject({
      action: 'argo-abort',
      outcome: 'applied',
      actor: CAROL,
    });
  });

  it('refuses a user with only the request permission, saying to request, and writes nothing', async () => {
    const { ns, argo, history } = await setUp();
    const before = await readRollout(ns);

    const res = await argo(BOB, 'promote');

    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'You may not promote the releases of component:default/shop (permission istio-rollouts.promotion.apply): create a promotion request for an owner to approve',
    );
    // Abort needs the rollback permission, which BOB lacks too: no request.
    const abort = await argo(BOB, 'abort');
    expect(abort.status).toBe(403);
    expect(abort.body.error.message).not.toMatch(/request/);
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect((await history()).map(r => [r.action, r.outcome, r.actor])).toEqual([
      ['argo-abort', 'denied', BOB],
      ['argo-promote', 'denied', BOB],
    ]);
  });

  it('makes owners request too when ownersApplyDirectly is false; abort stays direct', async () => {
    const { ns, argo } = await setUp({
      approvals: { ownersApplyDirectly: false },
    });
    const before = await readRollout(ns);

    const res = await argo(ALICE, 'promote');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /goes through promotion requests.*create a request/,
    );
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect((await argo(ALICE, 'abort')).status).toBe(200);
  });

  it('refuses a Rollout the cluster does not bind to the entity', async () => {
    const { ns, argo } = await setUp({ bound: false });
    const before = await readRollout(ns);

    const res = await argo(ALICE, 'abort');

    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      `Read-only here: The cluster does not bind Rollout ${ns}/storefront to this entity (neither it nor namespace ${ns} carries backstage.io/kubernetes-id); to bind it, a platform admin labels it or its namespace backstage.io/kubernetes-id=shop`,
    );
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it('answers 400 naming the problem for a malformed body, and 404 for a Rollout that is not the entity’s', async () => {
    const { ns, target, act } = await setUp();

    const bad = await act(ALICE, {
      action: { type: 'argo', action: 'explode' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^Invalid request: action\.action/);

    const wrongKind = await act(ALICE, {
      target: { ...target, kind: 'Canary' },
      action: { type: 'argo', action: 'promote' },
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error.message).toMatch(
      /target\.kind: must be Rollout for an Argo Rollouts action/,
    );

    const extra = await act(ALICE, {
      action: { type: 'argo', action: 'promote' },
      resourceVersion: '12',
    });
    expect(extra.status).toBe(400);

    const other = await act(ALICE, {
      target: { ...target, name: 'checkout' },
      action: { type: 'argo', action: 'promote' },
    });
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(
      `Rollout ${ns}/checkout drives none of component:default/shop's VirtualServices on cluster local`,
    );
  });
});

describe('requests for Argo Rollouts actions', () => {
  it('a requested promote is applied when another owner approves, not by its requester', async () => {
    const { ns, requestAction, decide, history } = await setUp();
    const before = await readRollout(ns);

    const created = await requestAction(ALICE, 'promote');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      requestedBy: ALICE,
      target: {
        cluster: 'local',
        namespace: ns,
        virtualService: 'storefront',
        route: 'primary',
      },
      change: {
        type: 'controller-action',
        action: { type: 'argo', action: 'promote' },
        at: {
          podHash: 'canary5f7d',
          stepIndex: 1,
          resourceVersion: before.metadata.resourceVersion,
        },
      },
      before: {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'storefront-stable', weight: 80 },
          { host: 'storefront-canary', weight: 20 },
        ],
      },
      // The next setWeight step after the pause: 50%.
      plannedAfter: {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'storefront-stable', weight: 50 },
          { host: 'storefront-canary', weight: 50 },
        ],
      },
    });
    // Checked as a dry run: nothing written yet.
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );

    const own = await decide(ALICE, created.body.id, 'approve');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/Four-eyes/);
    expect((await readRollout(ns)).status.pauseConditions).toHaveLength(1);

    const approved = await decide(CAROL, created.body.id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('applied');
    const after = await readRollout(ns);
    expect(after.status.pauseConditions).toBeUndefined();
    expect(approved.body.resourceVersionAfter).toBe(
      after.metadata.resourceVersion,
    );
    const applied = (await history()).find(r => r.outcome === 'applied');
    expect(applied).toMatchObject({
      action: 'argo-promote',
      actor: ALICE,
      approver: CAROL,
      requestId: created.body.id,
      workload: 'Rollout/storefront',
      resourceVersionBefore: before.metadata.resourceVersion,
      resourceVersionAfter: after.metadata.resourceVersion,
    });
  });

  it('goes stale, applying nothing, when the Rollout moved to another step', async () => {
    const { ns, requestAction, decide, history } = await setUp();
    const created = await requestAction(BOB, 'promote');
    expect(created.status).toBe(201);

    // The controller moves on (a person promoted with kubectl, say).
    await writeStatus(ns, {
      currentStepIndex: 3,
      pauseConditions: [
        { reason: 'CanaryPauseStep', startTime: '2026-11-30T11:00:00Z' },
      ],
    });
    const moved = await readRollout(ns);

    const res = await decide(CAROL, created.body.id, 'approve');

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /moved on since the request \(it is at step index 3 now, not 1\); nothing was applied/,
    );
    expect((await readRollout(ns)).metadata.resourceVersion).toBe(
      moved.metadata.resourceVersion,
    );
    const stale = (await history()).find(r => r.outcome === 'stale');
    expect(stale).toMatchObject({
      action: 'argo-promote',
      requestId: created.body.id,
      approver: CAROL,
    });
  });

  it('refuses to request what lowers the risk (abort is always direct)', async () => {
    const { requestAction } = await setUp();
    const res = await requestAction(BOB, 'abort');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /change\.action: 'argo abort' cannot be requested/,
    );
  });
});

describe('Flagger gates', () => {
  const SECRET = 'flagger-webhook-secret-for-tests';

  async function setUpCanary(options: { secret?: string | null } = {}) {
    const ns = await createTestNamespace('ctlf');
    await kubectl([
      'label',
      'namespace',
      ns,
      'backstage.io/kubernetes-id=shop',
    ]);
    const token = webhookToken(SECRET, {
      cluster: 'local',
      namespace: ns,
      name: 'podinfo',
    });
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'flagger.app/v1beta1',
            kind: 'Canary',
            metadata: { name: 'podinfo', namespace: ns },
            spec: {
              targetRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'podinfo',
              },
              service: { port: 9898 },
              analysis: {
                interval: '30s',
                threshold: 5,
                stepWeight: 10,
                maxWeight: 50,
                webhooks: [
                  {
                    name: 'ask-backstage',
                    type: 'confirm-promotion',
                    url: `http://backstage.example/api/istio-rollouts/flagger/local/confirm-promotion?token=${token}`,
                  },
                ],
              },
            },
          },
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: { name: 'podinfo', namespace: ns },
            spec: {
              hosts: ['podinfo'],
              http: [
                {
                  route: [
                    { destination: { host: 'podinfo-primary' }, weight: 90 },
                    { destination: { host: 'podinfo-canary' }, weight: 10 },
                  ],
                },
              ],
            },
          },
        ],
      }),
    });
    const status = await apiRequest(
      'PATCH',
      `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/podinfo/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            phase: 'Progressing',
            canaryWeight: 10,
            lastAppliedSpec: 'spec-abc',
          },
        },
      },
    );
    expect(status.status).toBe(200);
    const { server } = await startPlugin({
      entities: [
        serviceEntity('shop', {
          'istio-rollouts/virtual-services': `${ns}/podinfo`,
        }),
      ],
      permission: ownersPolicy as any,
      config:
        options.secret === null
          ? {}
          : {
              istioRollouts: {
                flagger: { webhookSecret: options.secret ?? SECRET },
              },
            },
    });
    const open = (user: string) =>
      request(server)
        .post(`${API}/entities/default/component/shop/controller-actions`)
        .set('Authorization', mockCredentials.user.header(user))
        .send({
          target: {
            cluster: 'local',
            namespace: ns,
            kind: 'Canary',
            name: 'podinfo',
          },
          action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
          reason: 'analysis is clean',
        });
    // As Flagger calls it: no credentials, the token in the URL.
    const flaggerCalls = (withToken = token) =>
      request(server)
        .post(`${API}/flagger/local/confirm-promotion?token=${withToken}`)
        .send({
          name: 'podinfo',
          namespace: ns,
          phase: 'Progressing',
          checksum: 'chk-1',
          metadata: {},
        });
    const history = async () =>
      (
        await request(server)
          .get(
            `${API}/entities/default/component/shop/history?hideObserved=true`,
          )
          .set('Authorization', mockCredentials.user.header(ALICE))
      ).body.items as any[];
    // The URLs of the Canary's gates, as the tab asks for them.
    const webhookUrls = (user: string, canary = 'podinfo') =>
      request(server)
        .get(
          `${API}/entities/default/component/shop/flagger-webhooks?cluster=local&namespace=${ns}&name=${canary}`,
        )
        .set('Authorization', mockCredentials.user.header(user));
    return { ns, server, token, open, flaggerCalls, history, webhookUrls };
  }

  it('an owner opens confirm-promotion once Flagger asked, and Flagger then gets a 200', async () => {
    const { ns, open, flaggerCalls, history } = await setUpCanary();

    const early = await open(ALICE);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/Flagger has not asked/);

    expect((await flaggerCalls()).status).toBe(403);
    expect((await flaggerCalls('x'.repeat(32))).status).toBe(401);

    const bob = await open(BOB);
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toMatch(/create a promotion request/);

    const res = await open(ALICE);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: false,
      resourceVersionBefore: expect.any(String),
    });
    expect(res.body.patches).toBeUndefined();
    expect((await flaggerCalls()).status).toBe(200);

    const records = await history();
    expect(records.map(r => [r.action, r.outcome, r.actor])).toEqual([
      ['flagger-open-gate', 'applied', ALICE],
      ['flagger-open-gate', 'denied', BOB],
      ['flagger-open-gate', 'failed', ALICE],
    ]);
    expect(records[0]).toMatchObject({
      namespace: ns,
      workload: 'Canary/podinfo',
      reason: 'analysis is clean',
      weightsBefore: { revision: 'spec-abc', canaryWeight: 10 },
      weightsAfter: {
        gate: 'confirm-promotion',
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
        description: res.body.description,
      },
    });
  });

  it('shows an owner the URL of each gate, whose token the webhook accepts', async () => {
    const { ns, server, token, webhookUrls } = await setUpCanary();

    const res = await webhookUrls(ALICE);

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.webhooks.map((w: any) => w.gate)).toEqual([
      'confirm-rollout',
      'confirm-traffic-increase',
      'confirm-promotion',
      'rollback',
    ]);
    for (const { gate, url } of res.body.webhooks) {
      const parsed = new URL(url);
      // The backend's external base URL (discovery), then the gate's path.
      expect(parsed.origin).toMatch(/^http:\/\/localhost:\d+$/);
      expect(parsed.pathname).toBe(`${API}/flagger/local/${gate}`);
      // The token is the URL's password (no query string): Go's HTTP
      // client sends it as Basic auth, out of every access log.
      expect(parsed.search).toBe('');
      expect(parsed.username).toBe('flagger');
      expect(parsed.password).toBe(token);
      // Called as Flagger calls it, the URL is let through to the gate,
      // which waits for a person (a wrong token would be a 401).
      const call = await request(server)
        .post(parsed.pathname)
        .auth(parsed.username, parsed.password)
        .send({
          name: 'podinfo',
          namespace: ns,
          phase: 'Progressing',
          checksum: 'chk-1',
          metadata: {},
        });
      expect([gate, call.status]).toEqual([gate, 403]);
      expect(call.text).toBe(
        gate === 'rollback'
          ? 'no rollback asked in Backstage'
          : 'waiting for approval in Backstage',
      );
    }
  });

  it('refuses the URLs to a user who may only request, and for a Canary that is not the entity’s', async () => {
    const { ns, webhookUrls } = await setUpCanary();

    const bob = await webhookUrls(BOB);
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toBe(
      'You may not see the Flagger webhook URLs (they carry a token) of component:default/shop (permission istio-rollouts.promotion.apply)',
    );
    expect(JSON.stringify(bob.body)).not.toMatch(/token=/);

    const other = await webhookUrls(ALICE, 'checkout');
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(
      `Canary ${ns}/checkout drives none of component:default/shop's VirtualServices on cluster local`,
    );

    const malformed = await webhookUrls(ALICE, 'Not_A_Name');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^Invalid request: name: /);
  });

  it('answers 503 saying why when no webhook secret is configured', async () => {
    const { webhookUrls } = await setUpCanary({ secret: null });

    const res = await webhookUrls(ALICE);

    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /istioRollouts\.flagger\.webhookSecret is not configured/,
    );
    expect(JSON.stringify(res.body)).not.toMatch(/token=/);
  });
});
