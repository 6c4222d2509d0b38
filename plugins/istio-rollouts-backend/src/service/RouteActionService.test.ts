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
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import request from 'supertest';
import {
  readVs,
  serviceEntity,
  startPlugin,
  startWebPlugin,
  weightsOf,
} from '../__testUtils__/fixtures';

// Every operation through the plugin's HTTP API against the real local
// kube-apiserver: what it writes, what it keeps, and what it refuses.

jest.setTimeout(60_000);

const setUp = (options: Parameters<typeof startWebPlugin>[0] = {}) =>
  startWebPlugin({ prefix: 'actions', ...options });

describe('route actions', () => {
  it('dry run returns the exact patch and resulting route, and changes nothing', async () => {
    const { ns, act } = await setUp();
    const before = await readVs(ns);

    const res = await act(
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
    expect(res.body.dryRun).toBe(true);
    expect(res.body.patch.slice(0, 1)).toEqual([
      {
        op: 'test',
        path: '/metadata/resourceVersion',
        value: before.metadata.resourceVersion,
      },
    ]);
    expect(res.body.patch).toContainEqual({
      op: 'replace',
      path: '/spec/http/1/route/0/weight',
      value: 70,
    });
    expect(res.body.resultingRoute.route.map((r: any) => r.weight)).toEqual([
      70, 30,
    ]);
    const after = await readVs(ns);
    expect(after.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect(weightsOf(after)).toEqual([90, 10]);
  });

  it('sets weights touching only the weights, under its own field manager', async () => {
    const { ns, act } = await setUp();

    const res = await act({
      type: 'set-weights',
      weights: [
        { host: 'web', subset: 'v1', weight: 70 },
        { host: 'web', subset: 'v2', weight: 30 },
      ],
    });

    expect(res.status).toBe(200);
    expect(res.body.before.destinations.map((d: any) => d.weight)).toEqual([
      90, 10,
    ]);
    expect(res.body.after.destinations.map((d: any) => d.weight)).toEqual([
      70, 30,
    ]);
    const vs = await readVs(ns);
    expect(weightsOf(vs)).toEqual([70, 30]);
    expect(vs.spec.http[1].retries).toEqual({
      attempts: 3,
      perTryTimeout: '2s',
    });
    expect(vs.spec.http[1].timeout).toBe('10s');
    expect(vs.spec.http[0]).toEqual({
      name: 'admin',
      match: [{ uri: { prefix: '/admin' } }],
      route: [{ destination: { host: 'web', subset: 'v1' } }],
    });
    expect(vs.metadata.labels).toEqual({ 'written-by': 'someone-else' });
    expect(vs.metadata.managedFields.map((f: any) => f.manager)).toContain(
      'backstage-istio-rollouts',
    );
    expect(res.body.resourceVersionAfter).toBe(vs.metadata.resourceVersion);
  });

  it('promotes step by step, then fully, then rolls back', async () => {
    const { ns, act } = await setUp();

    expect((await act({ type: 'promote-next' })).status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([75, 25]);
    expect((await act({ type: 'promote-next' })).status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([50, 50]);
    expect((await act({ type: 'promote-full' })).status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([0, 100]);
    const back = await act({
      type: 'rollback',
      stable: { host: 'web', subset: 'v1' },
    });
    expect(back.status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([100, 0]);
  });

  it('starts a canary on a single-version route at the first step', async () => {
    const { ns, act } = await setUp();

    const res = await act(
      { type: 'start-canary', canary: { host: 'web', subset: 'v2' } },
      {},
      'admin',
    );

    expect(res.status).toBe(200);
    expect((await readVs(ns)).spec.http[0].route).toEqual([
      { destination: { host: 'web', subset: 'v1' }, weight: 90 },
      { destination: { host: 'web', subset: 'v2' }, weight: 10 },
    ]);
  });

  // The 'admin' route still sends web-v1 all its traffic, so finishing the
  // 'primary' route must not scale web-v1 down (it used to). Scaling down a
  // version no route uses is tested in scaleGuards.test.ts.
  it('finishes a canary: the old version leaves the route, and keeps running while another route uses it', async () => {
    const { ns, act } = await setUp();
    const early = await act({ type: 'finish', scaleDownOld: true });
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/promote fully first/);
    await act({ type: 'promote-full', stable: { host: 'web', subset: 'v1' } });

    const dry = await act(
      { type: 'finish', scaleDownOld: true },
      { dryRun: true },
    );
    expect(dry.body.scaledDown).toEqual([]);
    expect(dry.body.keptRunning).toEqual([
      {
        namespace: ns,
        deployment: 'web-v1',
        reason: expect.stringContaining(`${ns}/web route 'admin' (weight 100)`),
      },
    ]);
    const res = await act({ type: 'finish', scaleDownOld: true });

    expect(res.status).toBe(200);
    expect((await readVs(ns)).spec.http[1].route).toEqual([
      { destination: { host: 'web', subset: 'v2' }, weight: 100 },
    ]);
    const v1 = await apiRequest(
      'GET',
      `/apis/apps/v1/namespaces/${ns}/deployments/web-v1`,
    );
    expect(v1.body.spec.replicas).toBe(2);
    expect(res.body.scaledDown).toEqual([]);
    expect(res.body.keptRunning).toEqual(dry.body.keptRunning);
  });

  it('flips a blue-green pair', async () => {
    const { ns, act } = await setUp();
    await act({
      type: 'set-weights',
      weights: [
        { host: 'web', subset: 'v1', weight: 100 },
        { host: 'web', subset: 'v2', weight: 0 },
      ],
    });

    const res = await act({ type: 'flip' });

    expect(res.status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([0, 100]);
  });

  it('targets users and mirrors, and rollback removes both', async () => {
    const { ns, act } = await setUp();

    const target = await act({
      type: 'target-users',
      match: { kind: 'header', name: 'end-user', value: 'jason' },
      to: { host: 'web', subset: 'v2' },
    });
    expect(target.status).toBe(200);
    let vs = await readVs(ns);
    expect(vs.spec.http).toHaveLength(3);
    const targeted = vs.spec.http[1];
    expect(targeted.name).toMatch(/^istio-rollouts-target-/);
    expect(targeted.match).toEqual([
      { headers: { 'end-user': { exact: 'jason' } } },
    ]);
    expect(targeted.route).toEqual([
      { destination: { host: 'web', subset: 'v2' } },
    ]);

    const mirror = await act({
      type: 'set-mirror',
      to: { host: 'web', subset: 'v2' },
      percentage: 20,
    });
    expect(mirror.status).toBe(200);
    vs = await readVs(ns);
    expect(vs.spec.http[2].mirror).toEqual({ host: 'web', subset: 'v2' });
    expect(vs.spec.http[2].mirrorPercentage).toEqual({ value: 20 });

    const back = await act({ type: 'rollback' });
    expect(back.status).toBe(200);
    vs = await readVs(ns);
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['admin', 'primary']);
    expect(vs.spec.http[1].mirror).toBeUndefined();
    expect(weightsOf(vs)).toEqual([100, 0]);
    expect(vs.spec.http[1].retries).toEqual({
      attempts: 3,
      perTryTimeout: '2s',
    });
  });

  it('removes a targeted route and a mirror on their own', async () => {
    const { ns, act } = await setUp();
    const target = await act({
      type: 'target-users',
      match: { kind: 'cookie', name: 'canary', value: 'yes' },
      to: { host: 'web', subset: 'v2' },
    });
    const name = (await readVs(ns)).spec.http[1].name;
    expect(target.status).toBe(200);
    await act({
      type: 'set-mirror',
      to: { host: 'web', subset: 'v2' },
      percentage: 5,
    });

    expect(
      (await act({ type: 'remove-targeting', routeName: name })).status,
    ).toBe(200);
    expect((await act({ type: 'remove-mirror' })).status).toBe(200);

    const vs = await readVs(ns);
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['admin', 'primary']);
    expect(vs.spec.http[1].mirror).toBeUndefined();
  });

  it('sends traffic to a ready version that no route uses yet, without an override', async () => {
    const { ns, act } = await setUp({ readyV3: 2 });
    const res = await act(
      { type: 'start-canary', canary: { host: 'web', subset: 'v3' } },
      {},
      'admin',
    );
    expect(res.status).toBe(200);
    expect(
      (await readVs(ns)).spec.http[0].route.map(
        (r: any) => r.destination.subset,
      ),
    ).toEqual(['v1', 'v3']);
  });

  it('refuses traffic to a version without ready pods unless overridden with a reason', async () => {
    const { ns, act } = await setUp();
    const toV3 = {
      type: 'start-canary',
      canary: { host: 'web', subset: 'v3' },
    };

    const refused = await act(toV3, {}, 'admin');
    expect(refused.status).toBe(422);
    // Its Deployment was found (2 desired), not "0 of 0": the guard tells
    // an unready version from one no route sends traffic to yet.
    expect(refused.body.error.message).toMatch(
      /v3 .*has no ready pods \(0 of 2\)/,
    );
    // Clients tell the one refusal they may override by its code.
    expect(refused.body.error.reason).toBe('version-unready');
    expect((await readVs(ns)).spec.http[0].route).toHaveLength(1);

    const targeted = await act({
      type: 'target-users',
      match: { kind: 'header', name: 'end-user', value: 'qa' },
      to: { host: 'web', subset: 'v3' },
    });
    expect(targeted.status).toBe(422);
    expect(targeted.body.error.reason).toBe('version-unready');

    const forced = await act(
      toV3,
      { allowUnready: { reason: 'smoke test before scaling up' } },
      'admin',
    );
    expect(forced.status).toBe(200);
    expect(forced.body.warnings).toContainEqual(
      expect.objectContaining({
        code: 'unready-override',
        message: expect.stringContaining('smoke test before scaling up'),
      }),
    );
  });

  it.each([
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 101 },
          { host: 'web', subset: 'v2', weight: -1 },
        ],
      },
      {},
      400,
      /weight: must be at most 100/,
    ],
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 60 },
          { host: 'web', subset: 'v2', weight: 30 },
        ],
      },
      {},
      400,
      /100/,
    ],
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 50.5 },
          { host: 'web', subset: 'v2', weight: 49.5 },
        ],
      },
      {},
      400,
      /whole number/,
    ],
    [
      { type: 'set-mirror', to: { host: 'web', subset: 'v9' }, percentage: 10 },
      {},
      422,
      /v9/,
    ],
    [{ type: 'teleport' }, {}, 400, /operation/],
    [
      { type: 'promote-next' },
      {
        target: {
          cluster: 'local',
          namespace: 'a/b',
          virtualService: 'web',
          route: 1,
        },
      },
      400,
      /namespace/,
    ],
    [
      { type: 'promote-next' },
      {
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'Web_1',
          route: 1,
        },
      },
      400,
      /virtualService/,
    ],
    [{ type: 'promote-next' }, { extra: true }, 400, /extra/],
  ])('rejects %j with %s', async (operation, extra, status, message) => {
    const { ns, act } = await setUp();
    const before = await readVs(ns);

    const res = await act(
      operation,
      extra,
      (extra as any).target ? undefined : 'primary',
    );

    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect((await readVs(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it("accepts subsets defined beside a destination's Service in another namespace", async () => {
    const routes = await createTestNamespace('routes');
    const backend = await createTestNamespace('backend');
    const api = `api.${backend}.svc.cluster.local`;
    // Both namespaces are bound to the entity; the Service must exist for
    // the cluster to say whose it is.
    for (const ns of [routes, backend]) {
      await kubectl([
        'label',
        'namespace',
        ns,
        'backstage.io/kubernetes-id=web',
      ]);
    }
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'api', namespace: backend },
            spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
          },
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'DestinationRule',
            metadata: { name: 'api', namespace: backend },
            spec: {
              host: 'api',
              subsets: ['v1', 'v2'].map(v => ({
                name: v,
                labels: { version: v },
              })),
            },
          },
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: { name: 'api', namespace: routes },
            spec: {
              hosts: [api],
              http: [
                {
                  name: 'primary',
                  route: [
                    { destination: { host: api, subset: 'v1' }, weight: 90 },
                    { destination: { host: api, subset: 'v2' }, weight: 10 },
                  ],
                },
              ],
            },
          },
        ],
      }),
    });
    const { server } = await startPlugin({
      entities: [
        serviceEntity('web', {
          'istio-rollouts/virtual-services': `${routes}/api`,
        }),
      ],
    });
    const setWeights = (subsets: [string, string]) =>
      request(server)
        .post(
          '/api/istio-rollouts/entities/default/component/web/route-actions',
        )
        .set('Authorization', mockCredentials.user.header())
        .send({
          target: {
            cluster: 'local',
            namespace: routes,
            virtualService: 'api',
            route: 'primary',
          },
          operation: {
            type: 'set-weights',
            weights: [
              { host: api, subset: subsets[0], weight: 80 },
              { host: api, subset: subsets[1], weight: 20 },
            ],
          },
        });

    const res = await setWeights(['v1', 'v2']);
    expect(res.status).toBe(200);
    expect(weightsOf(await readVs(routes, 'api'), 0)).toEqual([80, 20]);
    // A subset that DestinationRule does not define is still refused.
    const unknown = await setWeights(['v1', 'v3']);
    expect(unknown.status).toBe(422);
    expect(weightsOf(await readVs(routes, 'api'), 0)).toEqual([80, 20]);
  });

  it("answers 404 for an unknown route, and for a VirtualService that is not the entity's", async () => {
    const { act } = await setUp();

    const unknownRoute = await act({ type: 'promote-next' }, {}, 'nope');
    expect(unknownRoute.status).toBe(404);
    const other = await act(
      { type: 'promote-next' },
      {
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'reviews',
          route: 0,
        },
      },
    );
    expect(other.status).toBe(404);
    expect(other.body.error.message).toContain(
      "is not one of component:default/web's VirtualServices",
    );
  });

  it('refuses a route driven by Argo Rollouts, naming it', async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('storefront', {
          'istio-rollouts/virtual-services': 'demo/storefront',
        }),
      ],
    });

    const res = await request(server)
      .post(
        '/api/istio-rollouts/entities/default/component/storefront/route-actions',
      )
      .set('Authorization', mockCredentials.user.header())
      .send({
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'storefront',
          route: 0,
        },
        operation: { type: 'promote-full' },
      });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /driven by Argo Rollouts \(demo\/storefront\)/,
    );
  });

  it('records every write, applied or refused, as a medium audit event; dry runs are not', async () => {
    const audits: any[] = [];
    const { act } = await setUp({ audits });

    await act({ type: 'promote-next' }, { dryRun: true });
    await act({ type: 'promote-next' }, { reason: 'metrics look good' });
    await act({
      type: 'set-mirror',
      to: { host: 'web', subset: 'v9' },
      percentage: 10,
    });

    expect(audits).toEqual([
      {
        event: expect.objectContaining({
          eventId: 'route-action',
          severityLevel: 'medium',
          meta: expect.objectContaining({
            entityRef: 'component:default/web',
            action: 'promote-next',
            reason: 'metrics look good',
          }),
        }),
        outcome: 'success',
        details: {
          meta: expect.objectContaining({
            weightsBefore: expect.objectContaining({
              destinations: [
                expect.objectContaining({ weight: 90 }),
                expect.objectContaining({ weight: 10 }),
              ],
            }),
            weightsAfter: expect.objectContaining({
              destinations: [
                expect.objectContaining({ weight: 75 }),
                expect.objectContaining({ weight: 25 }),
              ],
            }),
          }),
        },
      },
      {
        event: expect.objectContaining({
          eventId: 'route-action',
          meta: expect.objectContaining({ action: 'set-mirror' }),
        }),
        outcome: 'fail',
        details: expect.objectContaining({
          error: expect.objectContaining({ statusCode: 422 }),
        }),
      },
    ]);
  });

  it('keeps an append-only audit trail of applied and failed writes, readable per entity and across services', async () => {
    const { ns, server, act } = await setUp();

    await act({ type: 'promote-next' }, { dryRun: true });
    await act({ type: 'promote-next' }, { reason: 'error rate flat' });
    await act({
      type: 'set-mirror',
      to: { host: 'web', subset: 'v9' },
      percentage: 10,
    });

    const audit = await request(server)
      .get('/api/istio-rollouts/audit')
      .query({ entityRef: 'component:default/web' })
      .set('Authorization', mockCredentials.user.header());
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((r: any) => [r.action, r.outcome])).toEqual([
      ['set-mirror', 'failed'],
      ['promote-next', 'applied'],
    ]);
    const applied = audit.body.items[1];
    expect(applied).toMatchObject({
      actor: 'user:default/mock',
      entityRef: 'component:default/web',
      cluster: 'local',
      namespace: ns,
      virtualService: 'web',
      route: 'primary',
      reason: 'error rate flat',
      weightsBefore: expect.objectContaining({
        destinations: [
          expect.objectContaining({ weight: 90 }),
          expect.objectContaining({ weight: 10 }),
        ],
      }),
      weightsAfter: expect.objectContaining({
        destinations: [
          expect.objectContaining({ weight: 75 }),
          expect.objectContaining({ weight: 25 }),
        ],
      }),
    });
    expect(applied.resourceVersionAfter).toBe(
      (await readVs(ns)).metadata.resourceVersion,
    );
    expect(audit.body.items[0].message).toMatch(/v9/);

    const history = await request(server)
      .get('/api/istio-rollouts/entities/default/component/web/history')
      .set('Authorization', mockCredentials.user.header());
    expect(history.body.items).toHaveLength(2);
    const bad = await request(server)
      .get('/api/istio-rollouts/audit')
      .query({ outcome: 'exploded' })
      .set('Authorization', mockCredentials.user.header());
    expect(bad.status).toBe(400);
  });

  it('records a denied write as denied', async () => {
    const { server, act } = await setUp({
      permission: name =>
        name === 'istio-rollouts.promotion.apply'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    });
    expect((await act({ type: 'promote-next' })).status).toBe(403);

    const audit = await request(server)
      .get('/api/istio-rollouts/audit')
      .set('Authorization', mockCredentials.user.header());
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: 'promote-next',
        outcome: 'denied',
        message: expect.stringContaining('istio-rollouts.promotion.apply'),
      }),
    ]);
  });

  it('answers 403 when the permission policy denies, and when Kubernetes RBAC does', async () => {
    const denied = await setUp({ permission: AuthorizeResult.DENY });
    const byPolicy = await denied.act({ type: 'promote-next' });
    expect(byPolicy.status).toBe(403);
    expect(byPolicy.body.error.message).toContain(
      'istio-rollouts.promotion.apply',
    );

    const readonly = await setUp({ clusters: [clusterConfig('readonly')] });
    const byRbac = await readonly.act({ type: 'promote-next' });
    expect(byRbac.status).toBe(403);
    expect(byRbac.body.error.message).toMatch(/RBAC/);
    expect(weightsOf(await readVs(readonly.ns))).toEqual([90, 10]);
  });

  it('requires a signed-in user for writes', async () => {
    const { server, ns } = await setUp();
    const body = {
      target: {
        cluster: 'local',
        namespace: ns,
        virtualService: 'web',
        route: 'primary',
      },
      operation: { type: 'promote-next' },
    };

    const anonymous = await request(server)
      .post('/api/istio-rollouts/entities/default/component/web/route-actions')
      .send(body);
    const service = await request(server)
      .post('/api/istio-rollouts/entities/default/component/web/route-actions')
      .set('Authorization', mockCredentials.service.header())
      .send(body);

    expect(anonymous.status).toBe(401);
    expect(service.status).toBe(403);
    expect(weightsOf(await readVs(ns))).toEqual([90, 10]);
  });

  it('reports drift when GitOps reverts the change', async () => {
    const { ns, act } = await setUp({
      annotations: {
        'argocd.argoproj.io/tracking-id':
          'web:networking.istio.io/VirtualService:ns/web',
      },
    });
    // Play Argo CD: put the weights back shortly after the plugin writes.
    const revert = (async () => {
      for (let i = 0; i < 100; i++) {
        const vs = await readVs(ns);
        if (weightsOf(vs)[0] === 70) {
          await kubectl([
            '-n',
            ns,
            'patch',
            'vs',
            'web',
            '--type=json',
            '-p',
            JSON.stringify([
              { op: 'replace', path: '/spec/http/1/route/0/weight', value: 90 },
              { op: 'replace', path: '/spec/http/1/route/1/weight', value: 10 },
            ]),
          ]);
          return;
        }
        await new Promise(r => setTimeout(r, 20));
      }
    })();

    const res = await act({
      type: 'set-weights',
      weights: [
        { host: 'web', subset: 'v1', weight: 70 },
        { host: 'web', subset: 'v2', weight: 30 },
      ],
    });
    await revert;

    expect(res.status).toBe(200);
    expect(res.body.warnings.map((w: any) => w.code)).toContain(
      'gitops-tracked',
    );
    expect(res.body.drift).toEqual({
      tool: 'argo-cd',
      reverted: true,
      observedWeights: [90, 10],
    });
  });

  it('scales a version through the scale subresource', async () => {
    const { ns, server } = await setUp();
    const scale = (body: object) =>
      request(server)
        .post('/api/istio-rollouts/entities/default/component/web/scale')
        .set('Authorization', mockCredentials.user.header())
        .send({ cluster: 'local', namespace: ns, ...body });

    const dry = await scale({
      deployment: 'web-v2',
      replicas: 5,
      dryRun: true,
    });
    expect(dry.body).toEqual({
      dryRun: true,
      namespace: ns,
      deployment: 'web-v2',
      replicasBefore: 2,
      replicasAfter: 5,
    });
    const applied = await scale({ deployment: 'web-v2', replicas: 4 });
    expect(applied.status).toBe(200);
    const d = await apiRequest(
      'GET',
      `/apis/apps/v1/namespaces/${ns}/deployments/web-v2`,
    );
    expect(d.body.spec.replicas).toBe(4);
    expect((await scale({ deployment: 'web-v9', replicas: 1 })).status).toBe(
      404,
    );
    expect((await scale({ deployment: 'web-v2', replicas: -1 })).status).toBe(
      400,
    );
  });
});
