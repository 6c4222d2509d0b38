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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  FlaggerCanaryStateView,
  FlaggerGate,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
} from '@internal/test-cluster';
import express from 'express';
import request from 'supertest';
import { ClusterCaches } from '../../cluster/ClusterCaches';
import { waitFor } from '../../__testUtils__/waitFor';
import { FlaggerGateService } from './FlaggerGateService';
import { DatabaseFlaggerGateStore } from './DatabaseFlaggerGateStore';
import { canaryRevisionKey } from './gateRules';
import { webhookToken } from './webhookToken';

// The gates through HTTP as Flagger calls them, with real tokens, the real
// watch cache of the local kube-apiserver (the Canary's status.canaryWeight
// and lastAppliedSpec come from there) and a real database. Flagger itself
// runs in the lead's end-to-end test; here the test plays its calls.

jest.setTimeout(60_000);

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const CLUSTER = 'local';
const BASE = 'http://backstage.test:7007';
const MOUNT = '/api/istio-rollouts/flagger';
const GATES: FlaggerGate[] = [
  'confirm-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
];

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let knex: Knex;
let caches: ClusterCaches;
let gates: FlaggerGateService;
let app: express.Express;

async function serviceWith(secret: string | undefined) {
  return FlaggerGateService.create({
    database: mockServices.database.mock({ getClient: async () => knex }),
    config: mockServices.rootConfig({
      data: secret
        ? { istioRollouts: { flagger: { webhookSecret: secret } } }
        : {},
    }),
    logger: mockServices.logger.mock(),
    clusters: caches,
  });
}

function appOf(service: FlaggerGateService) {
  const a = express();
  a.use(MOUNT, service.webhookRouter());
  return a;
}

beforeAll(async () => {
  knex = await databases.init('SQLITE_3');
  const c = clusterConfig('plugin', CLUSTER);
  caches = new ClusterCaches({
    clusters: [
      {
        name: c.name,
        url: c.url,
        serviceAccountToken: c.serviceAccountToken,
        caData: c.caData,
        skipTLSVerify: false,
      },
    ],
    logger: mockServices.logger.mock(),
  });
  caches.start();
  await caches.get(CLUSTER)!.waitForSync(30_000);
  gates = await serviceWith(SECRET);
  app = appOf(gates);
});

afterAll(async () => {
  await caches?.stop();
  await knex?.destroy();
});

const canaryPath = (ns: string, name = 'podinfo') =>
  `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}`;

/**
 * A Canary whose gate webhooks point to the plugin (with its token), with
 * a status as Flagger writes it. Its target does not exist, so a Flagger
 * running in the cluster would leave it alone.
 */
async function createCanary(
  options: {
    name?: string;
    webhooks?: Array<{ name: string; type: string; url: string }>;
    status?: Record<string, unknown>;
  } = {},
) {
  const ns = await createTestNamespace('flagger-gates');
  const name = options.name ?? 'podinfo';
  const target = {
    cluster: CLUSTER,
    namespace: ns,
    kind: 'Canary' as const,
    name,
  };
  const webhooks =
    options.webhooks ??
    GATES.map(gate => ({
      name: `backstage-${gate}`,
      type: gate,
      url: gates.webhookUrl(BASE, target, gate),
    }));
  const created = await apiRequest(
    'POST',
    `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`,
    {
      body: {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name, namespace: ns },
        spec: {
          provider: 'istio',
          targetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'does-not-exist',
          },
          service: { port: 9898 },
          analysis: {
            interval: '15s',
            threshold: 5,
            maxWeight: 50,
            stepWeight: 10,
            webhooks,
          },
        },
      },
    },
  );
  expect(created.status).toBe(201);
  await setStatus(ns, {
    phase: 'Progressing',
    canaryWeight: 10,
    iterations: 0,
    failedChecks: 0,
    lastAppliedSpec: 'spec-1',
    lastTransitionTime: new Date().toISOString(),
    conditions: [
      {
        type: 'Promoted',
        status: 'Unknown',
        reason: 'Progressing',
        message: 'New revision detected, progressing canary analysis.',
        lastUpdateTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
    ...options.status,
  });
  return { ns, name, target };
}

/** Writes the Canary's status, then waits until the watch cache has it. */
async function setStatus(ns: string, status: Record<string, unknown>) {
  const res = await apiRequest('PATCH', `${canaryPath(ns)}/status`, {
    body: { status },
    contentType: 'application/merge-patch+json',
  });
  expect(res.status).toBe(200);
  const rv = res.body.metadata.resourceVersion;
  return waitFor(
    `the watch cache to see Canary ${ns}/podinfo at resourceVersion ${rv}`,
    async () => {
      const cached = caches.get(CLUSTER)!.find('canaries', ns, 'podinfo');
      return cached?.metadata?.resourceVersion === rv ? cached : undefined;
    },
    10_000,
    20,
  );
}

async function readCanary(ns: string) {
  const res = await apiRequest('GET', canaryPath(ns));
  expect(res.status).toBe(200);
  return res.body;
}

/** Flagger's call: POST with its payload, the token in the URL. */
function flaggerCalls(
  ns: string,
  gate: string,
  options: {
    checksum?: string;
    phase?: string;
    token?: string | null;
    cluster?: string;
    name?: string;
    on?: express.Express;
  } = {},
) {
  const cluster = options.cluster ?? CLUSTER;
  const name = options.name ?? 'podinfo';
  const token =
    options.token === undefined
      ? webhookToken(SECRET, { cluster, namespace: ns, name })
      : options.token;
  return request(options.on ?? app)
    .post(
      `${MOUNT}/${cluster}/${gate}${token === null ? '' : `?token=${token}`}`,
    )
    .send({
      name,
      namespace: ns,
      phase: options.phase ?? 'Progressing',
      checksum: options.checksum ?? 'rev1',
      metadata: { type: gate },
    });
}

function stateOf(canary: any): FlaggerCanaryStateView {
  return {
    resourceVersion: canary.metadata.resourceVersion,
    phase: canary.status?.phase,
    canaryWeight: canary.status?.canaryWeight,
    gates: canary.spec.analysis.webhooks.map((w: any) => ({
      gate: w.type,
      name: w.name,
      servedByPlugin: w.url.includes(MOUNT),
      open: false,
    })),
  };
}

const gateView = (state: FlaggerCanaryStateView, gate: FlaggerGate) =>
  state.gates.find(g => g.gate === gate)!;

const owner = 'user:default/owner';

describe('Flagger webhook', () => {
  it('answers 503 and keeps every gate closed without a configured secret', async () => {
    const { ns } = await createCanary();
    const unconfigured = appOf(await serviceWith(undefined));
    const res = await flaggerCalls(ns, 'confirm-promotion', {
      on: unconfigured,
    });
    expect(res.status).toBe(503);
    expect(res.text).toMatch(/istioRollouts\.flagger\.webhookSecret/);
  });

  it('refuses a too short secret at start', async () => {
    await expect(serviceWith('short')).rejects.toThrow(
      /at least 32 characters/,
    );
  });

  it('takes the token as Basic auth, as Flagger sends a URL with flagger:<token>@', async () => {
    const { ns } = await createCanary();
    const token = webhookToken(SECRET, {
      cluster: CLUSTER,
      namespace: ns,
      name: 'podinfo',
    });
    const call = (password: string) =>
      request(app)
        .post(`${MOUNT}/${CLUSTER}/confirm-promotion`)
        .auth('flagger', password)
        .send({
          name: 'podinfo',
          namespace: ns,
          phase: 'Progressing',
          checksum: 'c1',
          metadata: {},
        });
    expect((await call(token)).status).toBe(403); // let in; the gate is closed
    expect((await call('x'.repeat(32))).status).toBe(401);
  });

  it('answers 400 to an unknown gate or a malformed payload, and records nothing', async () => {
    const { ns } = await createCanary();
    const token = webhookToken(SECRET, {
      cluster: CLUSTER,
      namespace: ns,
      name: 'podinfo',
    });
    expect((await flaggerCalls(ns, 'pre-rollout')).status).toBe(400);
    const url = `${MOUNT}/${CLUSTER}/confirm-promotion?token=${token}`;
    const noChecksum = await request(app)
      .post(url)
      .send({ name: 'podinfo', namespace: ns, phase: 'Progressing' });
    expect(noChecksum.status).toBe(400);
    expect(noChecksum.text).toMatch(/checksum/);
    const notJson = await request(app)
      .post(url)
      .set('Content-Type', 'application/json')
      .send('{"name": "podinfo",');
    expect(notJson.status).toBe(400);
    const array = await request(app).post(url).send([1, 2]);
    expect(array.status).toBe(400);
    const badName = await request(app).post(url).send({
      name: '../x',
      namespace: ns,
      phase: 'Progressing',
      checksum: 'a',
    });
    expect(badName.status).toBe(400);
    expect(
      await knex('istio_rollouts_flagger_gate_calls').where({ namespace: ns }),
    ).toEqual([]);
  });

  it("answers 401 without the Canary's own token, and 404 for an unknown cluster", async () => {
    const { ns } = await createCanary();
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { token: null })).status,
    ).toBe(401);
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { token: 'x'.repeat(32) }))
        .status,
    ).toBe(401);
    // Another Canary's token (here: another name in the same namespace).
    const other = webhookToken(SECRET, {
      cluster: CLUSTER,
      namespace: ns,
      name: 'other',
    });
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { token: other })).status,
    ).toBe(401);
    // Tokens of another secret.
    const foreign = webhookToken(`${SECRET}-other`, {
      cluster: CLUSTER,
      namespace: ns,
      name: 'podinfo',
    });
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { token: foreign })).status,
    ).toBe(401);
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { cluster: 'nowhere' }))
        .status,
    ).toBe(404);
    expect(
      await knex('istio_rollouts_flagger_gate_calls').where({ namespace: ns }),
    ).toEqual([]);
  });

  it('keeps confirm-promotion closed until it is opened, then opens it for that revision only', async () => {
    const { ns, target } = await createCanary();
    let canary = await readCanary(ns);

    // Before Flagger asked: nothing to open.
    await expect(
      gates.open({
        target,
        gate: 'confirm-promotion',
        canary,
        actor: owner,
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        'Flagger has not asked for confirm-promotion yet for this revision; it asks at its next analysis interval (every 15s)',
    });

    const closed = await flaggerCalls(ns, 'confirm-promotion', {
      checksum: 'rev1',
    });
    expect(closed.status).toBe(403);
    expect(closed.text).toBe('waiting for approval in Backstage');

    let state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(state.revision).toBe('rev1');
    expect(gateView(state, 'confirm-promotion')).toEqual({
      gate: 'confirm-promotion',
      name: 'backstage-confirm-promotion',
      servedByPlugin: true,
      open: false,
      lastCalledAt: expect.any(String),
    });
    // Gates Flagger has not called have no call time.
    expect(gateView(state, 'confirm-rollout').lastCalledAt).toBeUndefined();

    // A dry run checks and changes nothing.
    const dry = await gates.open({
      target,
      gate: 'confirm-promotion',
      canary,
      actor: owner,
      dryRun: true,
    });
    expect(dry.description).toMatch(/^Would open confirm-promotion/);
    expect((await flaggerCalls(ns, 'confirm-promotion')).status).toBe(403);

    const opened = await gates.open({
      target,
      gate: 'confirm-promotion',
      canary,
      actor: owner,
      reason: 'metrics look fine',
      dryRun: false,
    });
    expect(opened.description).toMatch(
      /^Open confirm-promotion of Canary .*\/podinfo \(revision rev1\): Flagger promotes/,
    );
    const open = await flaggerCalls(ns, 'confirm-promotion');
    expect(open.status).toBe(200);
    // Still open at the next interval (Flagger may call again before it
    // acts), and a second open is no second opening.
    expect((await flaggerCalls(ns, 'confirm-promotion')).status).toBe(200);
    const again = await gates.open({
      target,
      gate: 'confirm-promotion',
      canary,
      actor: 'user:default/another',
      dryRun: false,
    });
    expect(again.description).toMatch(
      /already open .*opened by user:default\/owner/,
    );

    canary = await readCanary(ns);
    state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(gateView(state, 'confirm-promotion')).toMatchObject({
      open: true,
      openedBy: owner,
      openedAt: expect.any(String),
    });
    // The other gates stay closed.
    expect((await flaggerCalls(ns, 'confirm-rollout')).status).toBe(403);
    expect((await flaggerCalls(ns, 'rollback')).status).toBe(403);

    // Another revision (a new spec): closed again, and the old calls no
    // longer count as asking for it.
    await setStatus(ns, { lastAppliedSpec: 'spec-2' });
    canary = await readCanary(ns);
    await expect(
      gates.open({
        target,
        gate: 'confirm-promotion',
        canary,
        actor: owner,
        dryRun: false,
      }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(state.revision).toBeUndefined();
    expect(gateView(state, 'confirm-promotion')).toEqual(
      expect.objectContaining({ open: false }),
    );
    expect(gateView(state, 'confirm-promotion').lastCalledAt).toBeUndefined();
    expect(
      (await flaggerCalls(ns, 'confirm-promotion', { checksum: 'rev2' }))
        .status,
    ).toBe(403);
  });

  it('opens confirm-traffic-increase for one increase: it closes when the weight changes', async () => {
    const { ns, target } = await createCanary();
    let canary = await readCanary(ns);
    expect((await flaggerCalls(ns, 'confirm-traffic-increase')).status).toBe(
      403,
    );
    // Flagger keeps asking in vain: the tab says where it waits.
    let state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(state.waitingAt).toBe('confirm-traffic-increase');

    const opened = await gates.open({
      target,
      gate: 'confirm-traffic-increase',
      canary,
      actor: owner,
      dryRun: false,
    });
    expect(opened.description).toMatch(/at 10%/);
    state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(state.waitingAt).toBeUndefined();
    expect(gateView(state, 'confirm-traffic-increase')).toMatchObject({
      open: true,
      openedBy: owner,
    });
    expect((await flaggerCalls(ns, 'confirm-traffic-increase')).status).toBe(
      200,
    );

    // Flagger raised the weight: the approval is spent.
    await setStatus(ns, { canaryWeight: 20 });
    canary = await readCanary(ns);
    expect((await flaggerCalls(ns, 'confirm-traffic-increase')).status).toBe(
      403,
    );
    state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(gateView(state, 'confirm-traffic-increase').open).toBe(false);
    expect(state.waitingAt).toBe('confirm-traffic-increase');

    // The next increase needs its own opening.
    await gates.open({
      target,
      gate: 'confirm-traffic-increase',
      canary,
      actor: 'user:default/second',
      dryRun: false,
    });
    expect((await flaggerCalls(ns, 'confirm-traffic-increase')).status).toBe(
      200,
    );
    state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(gateView(state, 'confirm-traffic-increase').openedBy).toBe(
      'user:default/second',
    );
  });

  it('no longer says Flagger waits when its last call is old', async () => {
    const { ns } = await createCanary();
    const canary = await readCanary(ns);
    const store = await DatabaseFlaggerGateStore.create({
      database: mockServices.database.mock({ getClient: async () => knex }),
    });
    // Interval 15s: the window is a minute.
    await store.recordCall({
      cluster: CLUSTER,
      namespace: ns,
      canary: 'podinfo',
      gate: 'confirm-traffic-increase',
      revision: 'rev1',
      revisionKey: canaryRevisionKey(canary),
      phase: 'Progressing',
      answeredOpen: false,
      calledAt: new Date(Date.now() - 70_000),
    });
    const state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(
      gateView(state, 'confirm-traffic-increase').lastCalledAt,
    ).toBeDefined();
    expect(state.waitingAt).toBeUndefined();
  });

  it('answers rollback yes once a rollback was asked for the revision', async () => {
    const { ns, target } = await createCanary({
      status: { phase: 'WaitingPromotion', canaryWeight: 50 },
    });
    const canary = await readCanary(ns);
    await expect(
      gates.rollback({ target, canary, actor: owner, dryRun: false }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/has not asked for rollback yet/),
    });
    const no = await flaggerCalls(ns, 'rollback', {
      phase: 'WaitingPromotion',
    });
    expect(no.status).toBe(403);
    expect(no.text).toBe('no rollback asked in Backstage');

    const asked = await gates.rollback({
      target,
      canary,
      actor: owner,
      reason: 'errors',
      dryRun: false,
    });
    expect(asked.description).toMatch(/^Ask Flagger to roll back Canary/);
    expect(
      (await flaggerCalls(ns, 'rollback', { phase: 'WaitingPromotion' }))
        .status,
    ).toBe(200);
    const state = await gates.describe(CLUSTER, canary, stateOf(canary));
    expect(gateView(state, 'rollback')).toMatchObject({
      open: true,
      openedBy: owner,
    });
    // Not another revision's.
    expect(
      (await flaggerCalls(ns, 'rollback', { checksum: 'rev9' })).status,
    ).toBe(403);
  });

  it('refuses to open a gate the Canary has no webhook of, or one Backstage does not serve', async () => {
    const { ns, target } = await createCanary({
      webhooks: [
        {
          name: 'loadtester-gate',
          type: 'confirm-rollout',
          url: 'http://flagger-loadtester.test/gate/check',
        },
        {
          name: 'no-token',
          type: 'confirm-promotion',
          url: `${BASE}${MOUNT}/${CLUSTER}/confirm-promotion`,
        },
        {
          name: 'wrong-token',
          type: 'rollback',
          url: `${BASE}${MOUNT}/${CLUSTER}/rollback?token=${'a'.repeat(32)}`,
        },
      ],
    });
    const canary = await readCanary(ns);
    await expect(
      gates.open({
        target,
        gate: 'confirm-traffic-increase',
        canary,
        actor: owner,
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: `Canary ${ns}/podinfo has no confirm-traffic-increase webhook`,
    });
    await expect(
      gates.open({
        target,
        gate: 'confirm-rollout',
        canary,
        actor: owner,
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/not served by Backstage/),
    });
    await expect(
      gates.open({
        target,
        gate: 'confirm-promotion',
        canary,
        actor: owner,
        dryRun: true,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/carries no token/),
    });
    await expect(
      gates.rollback({ target, canary, actor: owner, dryRun: false }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/carries a wrong token/),
    });
  });

  it('gives each Canary its own webhook URL, which Flagger can call as it is', async () => {
    const { ns, target } = await createCanary();
    const url = gates.webhookUrl(`${BASE}/`, target, 'confirm-rollout');
    const base = new URL(BASE);
    expect(url).toBe(
      `${base.protocol}//flagger:${webhookToken(SECRET, target)}@${
        base.host
      }${MOUNT}/${CLUSTER}/confirm-rollout`,
    );
    expect(
      gates.webhookUrl(BASE, { ...target, name: 'other' }, 'confirm-rollout'),
    ).not.toBe(url);
    const { pathname, username, password } = new URL(url);
    const res = await request(app)
      .post(pathname)
      .auth(username, password)
      .send({
        name: 'podinfo',
        namespace: ns,
        phase: 'Waiting',
        checksum: 'rev0',
      });
    expect(res.status).toBe(403);
    const unconfigured = await serviceWith(undefined);
    expect(() => unconfigured.webhookUrl(BASE, target, 'rollback')).toThrow(
      /webhookSecret is not configured/,
    );
  });
});
