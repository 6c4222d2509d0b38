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

import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { serviceEntity, startPlugin } from '../../__testUtils__/fixtures';
import { ClusterObjectCache } from '../../cluster/ClusterObjectCache';
import { GatewayApiTrafficRouter } from './GatewayApiTrafficRouter';

// HTTPRoute writes against the real API server with the Gateway API CRDs:
// its validation (CEL rules included) judges every patch the planner makes.

jest.setTimeout(90_000);

const ROUTES = '/apis/gateway.networking.k8s.io/v1/namespaces';

// A service `shop` released through an HTTPRoute: Services shop-v1..v3 in
// front of their Deployments (v3 has no ready pods), an `admin` rule that
// keeps sending /admin to v1, and fields the plugin never writes (a label,
// timeouts, a header filter) that every change must leave alone.
async function createShop(ns: string, owner = 'shop', readyV3 = 0) {
  await kubectl([
    'label',
    '--overwrite',
    'namespace',
    ns,
    `backstage.io/kubernetes-id=${owner}`,
  ]);
  const versions = ['v1', 'v2', 'v3'];
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'shop', namespace: ns },
          spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] },
        },
        ...versions.flatMap(v => [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: `shop-${v}`, namespace: ns },
            spec: {
              selector: { app: 'shop', version: v },
              ports: [{ port: 80 }],
            },
          },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `shop-${v}`, namespace: ns },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: 'shop', version: v } },
              template: {
                metadata: { labels: { app: 'shop', version: v } },
                spec: {
                  containers: [{ name: 'shop', image: `example/shop:${v}` }],
                },
              },
            },
          },
        ]),
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: {
            name: 'shop',
            namespace: ns,
            labels: { 'written-by': 'someone-else' },
          },
          spec: {
            parentRefs: [
              { group: '', kind: 'Service', name: 'shop', port: 80 },
            ],
            rules: [
              {
                name: 'admin',
                matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
                backendRefs: [{ name: 'shop-v1', port: 80 }],
              },
              {
                name: 'primary',
                timeouts: { request: '10s' },
                filters: [
                  {
                    type: 'RequestHeaderModifier',
                    requestHeaderModifier: {
                      set: [{ name: 'x-shop', value: 'yes' }],
                    },
                  },
                ],
                backendRefs: [
                  { name: 'shop-v1', port: 80, weight: 90 },
                  { name: 'shop-v2', port: 80, weight: 10 },
                ],
              },
            ],
          },
        },
      ],
    }),
  });
  for (const [v, ready] of [
    ['v1', 2],
    ['v2', 2],
    ['v3', readyV3],
  ] as const) {
    await apiRequest(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/shop-${v}/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            replicas: 2,
            readyReplicas: ready,
            availableReplicas: ready,
            updatedReplicas: 2,
            observedGeneration: 1,
          },
        },
      },
    );
  }
}

async function readRoute(ns: string, name = 'shop') {
  return (await apiRequest('GET', `${ROUTES}/${ns}/httproutes/${name}`)).body;
}

const weights = (route: any, rule = 1) =>
  route.spec.rules[rule].backendRefs.map((b: any) => b.weight);

async function startShop(options: { extraRoutes?: string[] } = {}) {
  const ns = await createTestNamespace('shop');
  await createShop(ns);
  const { server } = await startPlugin({
    entities: [
      serviceEntity('shop', {
        'istio-rollouts/virtual-services': [
          `${ns}/shop`,
          ...(options.extraRoutes ?? []),
        ].join(','),
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
  });
  const act = (
    operation: unknown,
    extra: Record<string, unknown> = {},
    route: number | string = 'primary',
    name = 'shop',
    namespace = ns,
  ) =>
    request(server)
      .post('/api/istio-rollouts/entities/default/component/shop/route-actions')
      .set('Authorization', mockCredentials.user.header())
      .send({
        target: {
          cluster: 'local',
          namespace,
          virtualService: name,
          route,
          kind: 'HTTPRoute',
        },
        operation,
        ...extra,
      });
  return { ns, server, act };
}

describe('HTTPRoute route actions', () => {
  it('dry-runs, then promotes step by step through backendRefs weights, leaving foreign fields alone; the audit names the kind', async () => {
    const { ns, server, act } = await startShop();
    const view = await request(server)
      .get('/api/istio-rollouts/entities/default/component/shop/view')
      .set('Authorization', mockCredentials.user.header());
    const shown = view.body.clusters[0].virtualServices.find(
      (v: any) => v.kind === 'HTTPRoute',
    );
    expect(shown).toMatchObject({ name: 'shop', namespace: ns });
    expect(shown.readOnly).toBeUndefined();
    expect(
      shown.routes.find((r: any) => r.name === 'primary').readOnly,
    ).toBeUndefined();

    const before = await readRoute(ns);
    const dry = await act({ type: 'promote-next' }, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.after.destinations.map((d: any) => d.weight)).toEqual([
      75, 25,
    ]);
    expect((await readRoute(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );

    const promoted = await act(
      { type: 'promote-next' },
      { reason: 'looks good' },
    );
    expect(promoted.status).toBe(200);
    const after = await readRoute(ns);
    expect(weights(after)).toEqual([75, 25]);
    expect(after.metadata.labels['written-by']).toBe('someone-else');
    expect(after.spec.rules[1].timeouts).toEqual({ request: '10s' });
    expect(after.spec.rules[1].filters).toEqual(before.spec.rules[1].filters);
    expect(after.spec.rules[0]).toEqual(before.spec.rules[0]);
    // Under the plugin's own field manager.
    const managers = after.metadata.managedFields.map((f: any) => f.manager);
    expect(managers).toContain('backstage-istio-rollouts');

    expect((await act({ type: 'promote-full' })).status).toBe(200);
    expect(weights(await readRoute(ns))).toEqual([0, 100]);

    const history = await request(server)
      .get('/api/istio-rollouts/entities/default/component/shop/history')
      .set('Authorization', mockCredentials.user.header());
    const applied = history.body.items.filter(
      (r: any) => r.outcome === 'applied',
    );
    expect(
      applied.map((r: any) => [r.action, r.routeKind, r.virtualService]),
    ).toEqual([
      ['promote-full', 'HTTPRoute', 'shop'],
      ['promote-next', 'HTTPRoute', 'shop'],
    ]);
    expect(
      applied[1].weightsBefore.destinations.map((d: any) => [d.host, d.weight]),
    ).toEqual([
      ['shop-v1', 90],
      ['shop-v2', 10],
    ]);
  });

  it('answers bad input with a 4xx that says what is wrong, and writes nothing', async () => {
    const { ns, act } = await startShop();
    const rv = (await readRoute(ns)).metadata.resourceVersion;
    const cases: Array<[unknown, number, RegExp, (number | string)?]> = [
      [
        {
          type: 'set-weights',
          weights: [
            { host: 'shop-v1', weight: 101 },
            { host: 'shop-v2', weight: -1 },
          ],
        },
        400,
        /at most 100/,
      ],
      [
        {
          type: 'set-weights',
          weights: [
            { host: 'shop-v1', weight: 50 },
            { host: 'shop-v9', weight: 50 },
          ],
        },
        422,
        /shop-v9 is not a destination/,
      ],
      [{ type: 'promote-next' }, 404, /no rule named 'nope'/, 'nope'],
      [
        { type: 'start-canary', canary: { host: 'shop-v3' } },
        409,
        /already splits/,
      ],
    ];
    for (const [operation, status, message, route] of cases) {
      const res = await act(operation, {}, route);
      expect([res.status, res.body.error?.message]).toEqual([
        status,
        expect.stringMatching(message),
      ]);
    }
    const slash = await act({ type: 'flip' }, {}, 'primary', 'shop/../x');
    expect(slash.status).toBe(400);
    expect((await readRoute(ns)).metadata.resourceVersion).toBe(rv);
  });

  it('targets users with a rule the API server accepts, mirrors with RequestMirror, and rollback removes both', async () => {
    const { ns, act } = await startShop();
    const targeted = await act({
      type: 'target-users',
      match: { kind: 'cookie', name: 'beta', value: 'yes' },
      to: { host: 'shop-v2' },
    });
    expect(targeted.status).toBe(200);
    const mirrored = await act({
      type: 'set-mirror',
      to: { host: 'shop-v2' },
      percentage: 12.5,
    });
    expect(mirrored.status).toBe(200);
    let route = await readRoute(ns);
    expect(route.spec.rules.map((r: any) => r.name)).toEqual([
      'admin',
      'istio-rollouts-target-cookie-beta-yes',
      'primary',
    ]);
    expect(route.spec.rules[1].matches[0].headers[0]).toMatchObject({
      type: 'RegularExpression',
      name: 'cookie',
    });
    expect(route.spec.rules[2].filters.map((f: any) => f.type)).toEqual([
      'RequestHeaderModifier',
      'RequestMirror',
    ]);
    expect(route.spec.rules[2].filters[1].requestMirror.fraction).toEqual({
      numerator: 1250,
      denominator: 10000,
    });

    const rolledBack = await act({ type: 'rollback' });
    expect(rolledBack.status).toBe(200);
    route = await readRoute(ns);
    expect(route.spec.rules.map((r: any) => r.name)).toEqual([
      'admin',
      'primary',
    ]);
    expect(weights(route)).toEqual([100, 0]);
    expect(route.spec.rules[1].filters.map((f: any) => f.type)).toEqual([
      'RequestHeaderModifier',
    ]);
  });

  it('refuses a version without ready pods unless overridden with a reason', async () => {
    const { ns, act } = await startShop();
    const weightsTo = {
      type: 'set-weights',
      weights: [
        { host: 'shop-v1', weight: 50 },
        { host: 'shop-v2', weight: 50 },
      ],
    };
    expect((await act(weightsTo)).status).toBe(200);
    const mirror = {
      type: 'set-mirror',
      to: { host: 'shop-v3' },
      percentage: 5,
    };
    const refused = await act(mirror);
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/shop-v3.*no ready pods/);
    const forced = await act(mirror, { allowUnready: { reason: 'load test' } });
    expect(forced.status).toBe(200);
    expect(forced.body.warnings[0].code).toBe('unready-override');
    expect((await readRoute(ns)).spec.rules[1].filters).toHaveLength(2);
  });

  it('finishes, and keeps running a version another rule still sends traffic to', async () => {
    const { ns, act } = await startShop();
    expect((await act({ type: 'promote-full' })).status).toBe(200);
    const finished = await act({ type: 'finish', scaleDownOld: true });
    expect(finished.status).toBe(200);
    expect(
      (await readRoute(ns)).spec.rules[1].backendRefs.map((b: any) => b.name),
    ).toEqual(['shop-v2']);
    // shop-v1 left `primary`, but the `admin` rule still sends it /admin.
    expect(finished.body.scaledDown).toEqual([]);
    expect(finished.body.keptRunning).toEqual([
      expect.objectContaining({
        deployment: 'shop-v1',
        reason: expect.stringContaining(`HTTPRoute ${ns}/shop rule 'admin'`),
      }),
    ]);
    const deployment = (
      await apiRequest(
        'GET',
        `/apis/apps/v1/namespaces/${ns}/deployments/shop-v1`,
      )
    ).body;
    expect(deployment.spec.replicas).toBe(2);
  });

  it("refuses another team's HTTPRoute named in the annotation, and a rule sending traffic to another team's Service", async () => {
    const other = await createTestNamespace('pay');
    await createShop(other, 'payments');
    const { ns, server, act } = await startShop({
      extraRoutes: [`${other}/shop`],
    });
    const view = await request(server)
      .get('/api/istio-rollouts/entities/default/component/shop/view')
      .set('Authorization', mockCredentials.user.header());
    const theirs = view.body.clusters[0].virtualServices.find(
      (v: any) => v.kind === 'HTTPRoute' && v.namespace === other,
    );
    expect(theirs.readOnly).toMatch(/payments/);
    const claimed = await act(
      { type: 'promote-full' },
      {},
      'primary',
      'shop',
      other,
    );
    expect(claimed.status).toBe(403);
    expect(weights(await readRoute(other))).toEqual([90, 10]);

    // Our own route, sending chosen users to a Service of the other team's
    // namespace: the cluster binds it to payments, not to shop.
    const stolen = await act({
      type: 'target-users',
      match: { kind: 'header', name: 'x-user', value: 'bob' },
      to: { host: `shop-v2.${other}.svc`, port: 80 },
    });
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.message).toMatch(/payments/);
    expect((await readRoute(ns)).spec.rules).toHaveLength(2);
  });
});

// A kubectl writer racing the plugin: whoever comes second must not
// overwrite the first.
describe('GatewayApiTrafficRouter', () => {
  let cache: ClusterObjectCache;
  beforeEach(() => {
    cache = new ClusterObjectCache({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
      logger: mockServices.logger.mock(),
      onChange: () => {},
    });
  });
  afterEach(() => cache.stop());

  const kubectlPatch = (ns: string, args: string) =>
    execSync(
      `${cluster().kubectl} --kubeconfig ${
        cluster().kubeconfigs.admin
      } -n ${ns} ${args}`,
    );

  it('loses no update when kubectl writes the weights between the read and the patch', async () => {
    const ns = await createTestNamespace('gw-race');
    await createShop(ns);
    cache.start();
    await cache.waitForSync(10_000);
    const router = new GatewayApiTrafficRouter(cache);
    const attempt = router.change({
      ref: { namespace: ns, name: 'shop' },
      route: 'primary',
      operation: { type: 'promote-full' },
      dryRun: false,
      check: () =>
        kubectlPatch(
          ns,
          `patch httproute shop --type=json -p '[{"op":"replace","path":"/spec/rules/1/backendRefs/0/weight","value":60},{"op":"replace","path":"/spec/rules/1/backendRefs/1/weight","value":40}]'`,
        ),
    });
    await expect(attempt).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('HTTPRoute'),
      current: {
        route: expect.objectContaining({
          destinations: [
            expect.objectContaining({ weight: 60 }),
            expect.objectContaining({ weight: 40 }),
          ],
        }),
      },
    });
    expect(weights(await readRoute(ns))).toEqual([60, 40]);
  });

  it('applies on top of a foreign change elsewhere in the object, which survives', async () => {
    const ns = await createTestNamespace('gw-race-rv');
    await createShop(ns);
    cache.start();
    await cache.waitForSync(10_000);
    const router = new GatewayApiTrafficRouter(cache);
    let touched = false;
    const attempt = router.change({
      ref: { namespace: ns, name: 'shop' },
      route: 'primary',
      operation: { type: 'promote-full' },
      dryRun: false,
      check: () => {
        if (touched) return;
        kubectlPatch(
          ns,
          `patch httproute shop --type=json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"3s"}},{"op":"add","path":"/metadata/labels/touched","value":"yes"}]'`,
        );
        touched = true;
      },
    });
    await expect(attempt).resolves.toMatchObject({
      resourceVersionAfter: expect.any(String),
    });
    const route = await readRoute(ns);
    expect(weights(route)).toEqual([0, 100]);
    expect(route.metadata.labels.touched).toBe('yes');
    expect(route.spec.rules[0].timeouts).toEqual({ request: '3s' });
  });
});

function cluster(): { kubectl: string; kubeconfigs: { admin: string } } {
  return JSON.parse(
    readFileSync(process.env.ISTIO_ROLLOUTS_TEST_CLUSTER!, 'utf8'),
  );
}
