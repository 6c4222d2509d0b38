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
import { clusterConfig, figure, kubectl, until } from '@internal/test-cluster';
import { execFile } from 'node:child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { startBackend } from './__testUtils__/realBackend';

// The seed's promise, proved on live requests: a private cluster with the
// real istiod, a pod-server per pod on the pod's own IP, Prometheus, and
// gRPC's proxyless xDS client as the data plane (test/cluster,
// `dataplane: true`). The backend is the real one (catalog, permission
// backend with the demo policy, the plugin). Every split below is counted
// from the versions that answered requests routed by what istiod pushed.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('@internal/test-cluster/cluster.js');

jest.setTimeout(600_000);

const ALICE = mockCredentials.user.header('user:default/alice');
const CAROL = mockCredentials.user.header('user:default/carol');
const ANALYSIS_ACTOR = 'istio-rollouts:canary-analysis';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Counts {
  total: number;
  ok: number;
  byVersion: Record<string, number>;
  errors: Record<string, number>;
  retries: number;
}

describe('traffic that really moves (istiod + proxyless gRPC data plane)', () => {
  let cluster: any;
  let stateDir: string;
  let backend: { server: any; stop(): Promise<void> };
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;
  const WEB = 'dp-web';
  const PAY = 'dp-pay';

  // N requests through the mesh, as the traffic generator counts them.
  function send(
    namespace: string,
    service: string,
    n: number,
    headers: Record<string, string> = {},
  ): Promise<Counts> {
    const { bin, bootstrapFile } = cluster.dataplane;
    const args = [
      '-bootstrap',
      bootstrapFile,
      '-target',
      `xds:///${service}.${namespace}.svc.cluster.local:9080`,
      '-n',
      String(n),
      '-concurrency',
      '8',
      '-source-namespace',
      namespace,
    ];
    const header = Object.entries(headers)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (header) args.push('-header', header);
    else args.push('-mix', 'anonymous:100');
    return new Promise((resolve, reject) =>
      execFile(bin.traffic, args, { timeout: 120_000 }, (err, out, errOut) =>
        err
          ? reject(new Error(`${err.message}\n${errOut}`))
          : resolve(JSON.parse(out)),
      ),
    );
  }

  const share = (c: Counts, version: string) =>
    (100 * (c.byVersion[version] ?? 0)) / Math.max(1, c.ok);

  async function twoVersions(
    namespace: string,
    service: string,
    entity: string,
  ) {
    const bound = { 'backstage.io/kubernetes-id': entity };
    const items: unknown[] = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: { 'backstage.io/kubernetes-id': entity },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service, namespace, labels: bound },
        spec: {
          selector: { app: service },
          ports: [{ name: 'grpc', port: 9080, appProtocol: 'grpc' }],
        },
      },
      ...['v1', 'v2'].map(version => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${service}-${version}`, namespace, labels: bound },
        spec: {
          replicas: version === 'v1' ? 2 : 1,
          selector: { matchLabels: { app: service, version } },
          template: {
            metadata: { labels: { app: service, version, ...bound } },
            spec: {
              containers: [
                {
                  name: service,
                  image: `example/${service}:${version}`,
                  ports: [{ containerPort: 9080 }],
                },
              ],
            },
          },
        },
      })),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: service, namespace, labels: bound },
        spec: {
          host: service,
          subsets: ['v1', 'v2'].map(v => ({ name: v, labels: { version: v } })),
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: service, namespace, labels: bound },
        spec: {
          hosts: [service],
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: service, subset: 'v1' }, weight: 100 },
                { destination: { host: service, subset: 'v2' }, weight: 0 },
              ],
            },
          ],
        },
      },
    ];
    await kubectl(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
      },
    );
    // Three pods, each answered by its own pod-server.
    await until(
      `${namespace}'s three pods served`,
      async () =>
        cluster.dataplane.served().filter((p: any) => p.namespace === namespace)
          .length === 3,
    );
    // And the mesh routes to v1 (istiod has the Service and its endpoints).
    await until(`${service} answering through the mesh`, async () => {
      const c = await send(namespace, service, 20);
      return c.ok === 20 && share(c, 'v1') === 100;
    });
  }

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-dp-'));
    const t0 = Date.now();
    cluster = await startCluster({
      stateDir,
      dataplane: true,
      log: (msg: string) => process.stderr.write(`[dataplane] ${msg}\n`),
    });
    figure(
      `cluster with the data plane started in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(1)} s`,
    );
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
    await Promise.all([
      twoVersions(WEB, 'web', WEB),
      twoVersions(PAY, 'pay', PAY),
    ]);

    const component = (
      name: string,
      namespace: string,
      annotations: Record<string, string>,
      owner = 'team-bookinfo',
    ) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        annotations: {
          'backstage.io/kubernetes-id': name,
          'backstage.io/kubernetes-namespace': namespace,
          ...annotations,
        },
      },
      spec: { type: 'service', lifecycle: 'production', owner },
    });
    const catalogFile = path.join(stateDir, 'catalog.yaml');
    fs.writeFileSync(
      catalogFile,
      [
        component(WEB, WEB, {
          'istio-rollouts/analysis': JSON.stringify({ autoRollback: true }),
        }),
        // The owner of pay does not want automatic rollbacks.
        component(PAY, PAY, {
          'istio-rollouts/analysis': JSON.stringify({ autoRollback: false }),
        }),
        // The attacker: bob's team's entity names pay's VirtualService and
        // asks for automatic rollback, to have the plugin act on another
        // team's traffic whenever its canary stumbles.
        component(
          'mobile-claims-pay',
          PAY,
          {
            'istio-rollouts/virtual-services': `${PAY}/pay`,
            'istio-rollouts/analysis': JSON.stringify({ autoRollback: true }),
          },
          'team-mobile',
        ),
      ]
        .map(e => JSON.stringify(e))
        .join('\n---\n'),
    );
    backend = await startBackend({
      locations: [catalogFile],
      clusters: [clusterConfig('plugin', 'local')],
      signals: { events: false },
      istioRollouts: {
        metrics: {
          prometheusUrl: cluster.dataplane.prometheusUrl,
          window: '20s',
          cacheFor: { seconds: 1 },
          analysis: { interval: { seconds: 2 }, step: '4s' },
        },
      },
    });
    // The catalog has read the entities and the plugin's cache the objects.
    const server = backend.server;
    for (const entity of [WEB, PAY]) {
      await until(`${entity}'s view`, async () => {
        const res = await request(server)
          .get(`/api/istio-rollouts/entities/default/component/${entity}/view`)
          .set('authorization', ALICE);
        return (
          res.status === 200 &&
          res.body.clusters[0]?.virtualServices?.length === 1
        );
      });
    }
  }, 600_000);

  afterAll(async () => {
    await backend?.stop();
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    await cluster?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  async function view(entity: string): Promise<any> {
    const res = await request(backend.server)
      .get(`/api/istio-rollouts/entities/default/component/${entity}/view`)
      .set('authorization', ALICE);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function routeAction(
    entity: string,
    namespace: string,
    vs: string,
    operation: object,
  ) {
    const res = await request(backend.server)
      .post(
        `/api/istio-rollouts/entities/default/component/${entity}/route-actions`,
      )
      .set('authorization', ALICE)
      .send({
        target: {
          cluster: 'local',
          namespace,
          virtualService: vs,
          route: 'primary',
        },
        operation,
        reason: 'data plane test',
      });
    if (res.status !== 200) {
      throw new Error(
        `${JSON.stringify(operation)}: ${res.status} ${JSON.stringify(
          res.body,
        )}`,
      );
    }
    return res;
  }

  const weights = (service: string, v1: number, v2: number) => ({
    type: 'set-weights',
    weights: [
      { host: service, subset: 'v1', weight: v1 },
      { host: service, subset: 'v2', weight: v2 },
    ],
  });

  async function vsWeights(namespace: string, name: string): Promise<number[]> {
    const vs = JSON.parse(
      await kubectl([
        'get',
        'virtualservice',
        name,
        '-n',
        namespace,
        '-o',
        'json',
      ]),
    );
    const primary = vs.spec.http.find((r: any) => r.name === 'primary');
    return primary.route.map((d: any) => d.weight ?? 0);
  }

  // istiod pushes within ~0.3 s (docs/dataplane-plan.md); wait until a
  // small sample can only come from the new routes, then count afresh.
  async function followed(namespace: string, service: string, v2Share: number) {
    await until(`${service} routed at ${v2Share}% v2`, async () => {
      const c = await send(namespace, service, 100);
      const s = share(c, 'v2');
      // All-or-nothing splits must be exact; others roughly there.
      if (v2Share === 0 || v2Share === 100) return s === v2Share;
      return Math.abs(s - v2Share) < 15;
    });
  }

  it('after a promote to 75/25, 2,000 requests split within ±3 points', async () => {
    const res = await routeAction(WEB, WEB, 'web', weights('web', 75, 25));
    expect(res.status).toBe(200);
    const t0 = Date.now();
    await followed(WEB, 'web', 25);
    figure(
      `web 100/0 -> 75/25 followed by the data plane within ${
        Date.now() - t0
      } ms`,
    );
    const c = await send(WEB, 'web', 2000);
    figure(
      `web at 75/25: ${JSON.stringify(c.byVersion)} of ${
        c.ok
      } (errors ${JSON.stringify(c.errors)}, retries ${c.retries})`,
    );
    expect(c.ok).toBe(2000);
    expect(Math.abs(share(c, 'v1') - 75)).toBeLessThanOrEqual(3);
    expect(Math.abs(share(c, 'v2') - 25)).toBeLessThanOrEqual(3);
  });

  it('the view shows the traffic Prometheus observed next to the split', async () => {
    const traffic = await cluster.dataplane.startTraffic({
      targets: [`xds:///web.${WEB}.svc.cluster.local:9080`],
      rate: 40,
      mix: 'anonymous:100',
      sourceNamespace: WEB,
    });
    try {
      const observed = await until(
        'observed traffic near 75/25',
        async () => {
          const vs = (await view(WEB)).clusters[0].virtualServices[0];
          const byKey = Object.fromEntries(
            (vs.observed?.versions ?? []).map((v: any) => [
              v.versionKey.split('/').pop(),
              v,
            ]),
          );
          return byKey.v2?.share !== null &&
            byKey.v2?.requestsPerSecond > 10 &&
            Math.abs(byKey.v2.share - 25) <= 8
            ? vs.observed
            : undefined;
        },
        90_000,
        1_000,
      );
      figure(`observed at 75/25: ${JSON.stringify(observed.versions)}`);
      for (const v of observed.versions) {
        expect(v.successRate).toBe(100);
        expect(v.p99Ms).toBeGreaterThan(0);
      }
    } finally {
      await traffic.stop();
    }
  });

  it('after a rollback, every request reaches the stable version', async () => {
    const res = await routeAction(WEB, WEB, 'web', { type: 'rollback' });
    expect(res.status).toBe(200);
    expect(await vsWeights(WEB, 'web')).toEqual([100, 0]);
    await followed(WEB, 'web', 0);
    const c = await send(WEB, 'web', 2000);
    expect(c.ok).toBe(2000);
    expect(c.byVersion).toEqual({ v1: 2000 });
  });

  it('requests with end-user: jason all reach the targeted version, others none', async () => {
    const res = await routeAction(WEB, WEB, 'web', {
      type: 'target-users',
      match: { kind: 'header', name: 'end-user', value: 'jason' },
      to: { host: 'web', subset: 'v2' },
    });
    expect(res.status).toBe(200);
    await until('jason routed to v2', async () => {
      const c = await send(WEB, 'web', 20, { 'end-user': 'jason' });
      return share(c, 'v2') === 100;
    });
    const jason = await send(WEB, 'web', 500, { 'end-user': 'jason' });
    const bob = await send(WEB, 'web', 500, { 'end-user': 'bob' });
    const anonymous = await send(WEB, 'web', 500);
    expect(jason.byVersion).toEqual({ v2: 500 });
    expect(bob.byVersion).toEqual({ v1: 500 });
    expect(anonymous.byVersion).toEqual({ v1: 500 });
  });

  it("a failing canary is rolled back by the analysis, and only where the VirtualService's owner asked for it", async () => {
    // Both canaries at 75/25 with live traffic; v2 of both starts failing.
    for (const [ns, svc] of [
      [WEB, 'web'],
      [PAY, 'pay'],
    ]) {
      // The targeted route of the previous test goes first.
      const split = await routeAction(ns, ns, svc, weights(svc, 75, 25));
      expect(split.status).toBe(200);
    }
    const traffic = await cluster.dataplane.startTraffic({
      targets: [
        `xds:///web.${WEB}.svc.cluster.local:9080`,
        `xds:///pay.${PAY}.svc.cluster.local:9080`,
      ],
      rate: 40,
      mix: 'anonymous:100',
    });
    try {
      for (const ns of [WEB, PAY]) {
        const v2 = cluster.dataplane
          .served()
          .filter((p: any) => p.namespace === ns && p.version === 'v2');
        expect(v2).toHaveLength(1);
        await cluster.dataplane.setFault(ns, v2[0].name, { errorRate: 0.5 });
      }
      const t0 = Date.now();
      // web's owner opted in: the analysis rolls it back.
      await until(
        'web rolled back by the analysis',
        async () => {
          const w = await vsWeights(WEB, 'web');
          return w[0] === 100 && w[1] === 0;
        },
        180_000,
        500,
      );
      figure(
        `failing canary (50% errors) rolled back by the analysis ${
          Date.now() - t0
        } ms after the fault`,
      );
      const audit = await request(backend.server)
        .get('/api/istio-rollouts/audit')
        .query({ entityRef: `component:default/${WEB}` })
        .set('authorization', CAROL);
      expect(audit.status).toBe(200);
      const record = audit.body.items.find(
        (r: any) => r.actor === ANALYSIS_ACTOR,
      );
      expect(record).toMatchObject({ action: 'rollback', outcome: 'applied' });
      expect(JSON.stringify(record)).toMatch(/fail/);

      // pay's owner did not opt in, and the attacker's entity that did
      // cannot act on a VirtualService the cluster binds to pay: several
      // analysis intervals later it is still 75/25 …
      await sleep(10_000);
      expect(await vsWeights(PAY, 'pay')).toEqual([75, 25]);
      // … while its analysis fails just the same (its owner sees it).
      const payView = await until(
        'pay verdict fail',
        async () => {
          const vs = (await view(PAY)).clusters[0].virtualServices[0];
          return vs.analysis?.verdict === 'fail' ? vs : undefined;
        },
        60_000,
        1_000,
      );
      expect(payView.analysis.autoRollback).toBe(false);
      // The analysis did try for the attacker's entity, and the cluster's
      // binding refused it: on record, not applied.
      const attempts = await request(backend.server)
        .get('/api/istio-rollouts/audit')
        .query({ entityRef: 'component:default/mobile-claims-pay' })
        .set('authorization', CAROL);
      expect(attempts.status).toBe(200);
      const refused = attempts.body.items.filter(
        (r: any) => r.actor === ANALYSIS_ACTOR,
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.outcome).not.toBe('applied');
        expect(r.message).toMatch(/dp-pay/);
      }
      figure(`the attacker's auto-rollback, refused: ${refused[0].message}`);
    } finally {
      await traffic.stop();
    }
    const after = await send(WEB, 'web', 500);
    expect(after.byVersion).toEqual({ v1: 500 });
  });
});
