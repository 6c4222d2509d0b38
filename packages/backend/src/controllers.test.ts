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
  figure,
  kubectl,
  until,
} from '@internal/test-cluster';
import { createHmac } from 'node:crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { startBackend } from './__testUtils__/realBackend';

// Backstage acting on releases that the REAL controllers drive, on a private
// cluster where kube-controller-manager, kube-scheduler, kwok, the Argo
// Rollouts controller and Flagger run (test/cluster, `controllers: true`).
// The backend is the real one (catalog, permission backend with the demo
// policy, the plugin) listening on a port, so that Flagger calls its webhook
// gates over HTTP. Nothing here writes a status a controller owns: every
// step, weight and phase asserted below was written by a controller.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('@internal/test-cluster/cluster.js');

jest.setTimeout(300_000);

const ALICE = mockCredentials.user.header('user:default/alice');
const BOB = mockCredentials.user.header('user:default/bob');
const WEBHOOK_SECRET = 'controllers-test-webhook-secret-of-enough-length';

async function getJson(apiPath: string): Promise<any> {
  const res = await apiRequest('GET', apiPath);
  if (res.status !== 200) {
    throw new Error(
      `GET ${apiPath}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

function webhookToken(cluster: string, namespace: string, name: string) {
  return createHmac('sha256', WEBHOOK_SECRET)
    .update(`${cluster}/${namespace}/${name}`)
    .digest('base64url')
    .slice(0, 32);
}

async function apply(items: unknown[]) {
  await kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  });
}

describe('actions on releases driven by the real controllers', () => {
  let cluster: any;
  let stateDir: string;
  let backend: { server: any; baseUrl?: string; stop(): Promise<void> };
  let catalogFile: string;
  let argoNs: string;
  let flaggerNs: string;
  let webNs: string;
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-ctl-'));
    const t0 = Date.now();
    cluster = await startCluster({
      stateDir,
      controllers: true,
      log: (msg: string) => process.stderr.write(`[controllers] ${msg}\n`),
    });
    figure(
      `cluster with controllers started in ${((Date.now() - t0) / 1000).toFixed(
        1,
      )} s`,
    );
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
    argoNs = await createTestNamespace('ctl-argo');
    flaggerNs = await createTestNamespace('ctl-flagger');
    webNs = await createTestNamespace('ctl-web');
    await kubectl([
      'label',
      'namespace',
      webNs,
      'backstage.io/kubernetes-id=ctl-web',
    ]);
    // Flagger generates Services, Deployments and the VirtualService
    // itself, without our label: the namespace binds them to the entity.
    await kubectl([
      'label',
      'namespace',
      flaggerNs,
      'backstage.io/kubernetes-id=ctl-podinfo',
    ]);
    const component = (
      name: string,
      namespace: string,
      more: Record<string, string> = {},
      owner = 'team-bookinfo',
    ) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        annotations: {
          'backstage.io/kubernetes-id': name,
          'backstage.io/kubernetes-namespace': namespace,
          ...more,
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner,
      },
    });
    catalogFile = path.join(stateDir, 'catalog.yaml');
    fs.writeFileSync(
      catalogFile,
      [
        component('ctl-storefront', argoNs),
        component('ctl-web', webNs),
        // The attacker: bob (team-mobile) owns this entity, so the demo
        // policy lets him apply on it, and it names the other team's
        // VirtualServices, which Argo and Flagger drive.
        component(
          'mobile-claims-releases',
          argoNs,
          {
            'istio-rollouts/virtual-services': `${argoNs}/store`,
          },
          'team-mobile',
        ),
        component(
          'mobile-claims-canary',
          flaggerNs,
          { 'istio-rollouts/virtual-services': 'podinfo' },
          'team-mobile',
        ),
        component('ctl-podinfo', flaggerNs, {
          // Flagger generates the VirtualService, without our label.
          'istio-rollouts/virtual-services': 'podinfo',
        }),
      ]
        .map(e => JSON.stringify(e))
        .join('\n---\n'),
    );
    backend = await startBackend({
      locations: [catalogFile],
      clusters: [clusterConfig('plugin', 'local')],
      signals: { events: false },
      istioRollouts: { flagger: { webhookSecret: WEBHOOK_SECRET } },
    });
  }, 300_000);

  afterAll(async () => {
    await backend?.stop();
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    await cluster?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  async function view(entity: string, who = ALICE): Promise<any> {
    const res = await request(backend.server)
      .get(`/api/istio-rollouts/entities/default/component/${entity}/view`)
      .set('authorization', who);
    expect(res.status).toBe(200);
    return res.body;
  }

  function act(entity: string, who: string, body: object) {
    return request(backend.server)
      .post(
        `/api/istio-rollouts/entities/default/component/${entity}/controller-actions`,
      )
      .set('authorization', who)
      .send(body);
  }

  describe('the readiness guard, with pods the real controllers run', () => {
    // v1 serves; v2's pods are Running but kept un-ready by kwok (the
    // label below); v3 is Ready but no route sends it traffic yet — the
    // case an earlier guard could not tell from "unready".
    beforeAll(async () => {
      const deployment = (version: string, unready = false) => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `web-${version}`, namespace: webNs },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web', version } },
          template: {
            metadata: {
              labels: {
                app: 'web',
                version,
                ...(unready ? { 'kwok.istio-rollouts.io/ready': 'false' } : {}),
              },
            },
            spec: {
              containers: [{ name: 'web', image: `example/web:${version}` }],
            },
          },
        },
      });
      await apply([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: 'web',
            namespace: webNs,
            labels: { 'backstage.io/kubernetes-id': 'ctl-web' },
          },
          spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'web', namespace: webNs },
          spec: {
            host: 'web',
            subsets: ['v1', 'v2', 'v3'].map(v => ({
              name: v,
              labels: { version: v },
            })),
          },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'web', namespace: webNs },
          spec: {
            hosts: ['web'],
            http: [
              {
                name: 'primary',
                route: [{ destination: { host: 'web', subset: 'v1' } }],
              },
            ],
          },
        },
        deployment('v1'),
        deployment('v2', true),
        deployment('v3'),
      ]);
      await until('v1 and v3 ready, v2 running but not ready', async () => {
        const pods = (await getJson(`/api/v1/namespaces/${webNs}/pods`)).items;
        const ready = (version: string) =>
          pods.some(
            (p: any) =>
              p.metadata.labels.version === version &&
              p.status?.phase === 'Running' &&
              p.status.conditions?.some(
                (c: any) => c.type === 'Ready' && c.status === 'True',
              ),
          );
        const running = pods.some(
          (p: any) =>
            p.metadata.labels.version === 'v2' && p.status?.phase === 'Running',
        );
        const deployments = (
          await getJson(`/apis/apps/v1/namespaces/${webNs}/deployments`)
        ).items;
        const v2 = deployments.find((d: any) => d.metadata.name === 'web-v2');
        return (
          ready('v1') &&
          ready('v3') &&
          !ready('v2') &&
          running &&
          v2?.status?.replicas === 1 &&
          !v2.status.readyReplicas
        );
      });
    });

    const startCanary = (subset: string) =>
      request(backend.server)
        .post(
          '/api/istio-rollouts/entities/default/component/ctl-web/route-actions',
        )
        .set('authorization', ALICE)
        .send({
          target: {
            cluster: 'local',
            namespace: webNs,
            virtualService: 'web',
            route: 'primary',
          },
          operation: {
            type: 'start-canary',
            canary: { host: 'web', subset },
          },
        });

    it('refuses traffic to a version whose pods are running but not ready', async () => {
      const before = await getJson(
        `/apis/networking.istio.io/v1/namespaces/${webNs}/virtualservices/web`,
      );
      const res = await until('the plugin to see v2 un-ready', async () => {
        const r = await startCanary('v2');
        // Until the cache has the Deployment, the guard says no workload
        // runs v2 (also a 422); then it must say "0 of 1 ready".
        if (
          r.status === 422 &&
          /has no ready pods/.test(r.body.error.message)
        ) {
          return r;
        }
        throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      });
      expect(res.body.error.message).toMatch(/has no ready pods \(0 of 1\)/);
      const after = await getJson(
        `/apis/networking.istio.io/v1/namespaces/${webNs}/virtualservices/web`,
      );
      expect(after.metadata.resourceVersion).toBe(
        before.metadata.resourceVersion,
      );
    });

    it('lets traffic go to a ready version that no route uses yet', async () => {
      const res = await until('the plugin to see v3 ready', async () => {
        const r = await startCanary('v3');
        if (r.status === 200) return r;
        throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      });
      const subsets = res.body.after.destinations.map((d: any) => [
        d.subset,
        d.weight,
      ]);
      expect(subsets).toEqual([
        ['v1', 90],
        ['v3', 10],
      ]);
    });
  });

  describe('Argo Rollouts', () => {
    const rolloutTarget = () => ({
      cluster: 'local',
      namespace: argoNs,
      kind: 'Rollout',
      name: 'store',
    });

    async function virtualServiceWeights(): Promise<number[]> {
      const vs = await getJson(
        `/apis/networking.istio.io/v1/namespaces/${argoNs}/virtualservices/store`,
      );
      return vs.spec.http[0].route.map((r: any) => r.weight ?? 0);
    }

    async function rollout(): Promise<any> {
      return getJson(
        `/apis/argoproj.io/v1alpha1/namespaces/${argoNs}/rollouts/store`,
      );
    }

    beforeAll(async () => {
      const labels = {
        app: 'store',
        'backstage.io/kubernetes-id': 'ctl-storefront',
      };
      const service = (name: string) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: argoNs, labels },
        spec: { selector: { app: 'store' }, ports: [{ port: 8080 }] },
      });
      const rolloutObject = (image: string) => ({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'store', namespace: argoNs, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'store' } },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'store', image }] },
          },
          strategy: {
            canary: {
              stableService: 'store-stable',
              canaryService: 'store-canary',
              trafficRouting: {
                istio: {
                  virtualService: { name: 'store', routes: ['primary'] },
                },
              },
              steps: [
                { setWeight: 20 },
                { pause: {} },
                { setWeight: 50 },
                { pause: {} },
              ],
            },
          },
        },
      });
      await apply([
        service('store-stable'),
        service('store-canary'),
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'store', namespace: argoNs, labels },
          spec: {
            hosts: ['store'],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: 'store-stable' }, weight: 100 },
                  { destination: { host: 'store-canary' }, weight: 0 },
                ],
              },
            ],
          },
        },
        rolloutObject('example/store:1.0'),
      ]);
      await until('the first revision Healthy', async () => {
        const r = await rollout();
        return r.status?.phase === 'Healthy' && r.status?.stableRS;
      });
      // A new image: the controller starts the canary, sets 20 % and pauses.
      await apply([rolloutObject('example/store:2.0')]);
      await until('the canary paused at 20 %', async () => {
        const r = await rollout();
        const weights = await virtualServiceWeights();
        return (
          r.status?.currentStepIndex === 1 &&
          r.status?.pauseConditions?.length &&
          weights[1] === 20
        );
      });
    });

    it('shows the controller state and each version its own ReplicaSet', async () => {
      const body = await until(
        'the view to show the paused canary',
        async () => {
          const v = await view('ctl-storefront');
          const vs = v.clusters[0]?.virtualServices.find(
            (x: any) => x.name === 'store',
          );
          return vs?.managedBy?.argo?.pauseConditions?.length ? vs : undefined;
        },
      );
      const argo = body.managedBy.argo;
      expect(argo.completedSteps).toBe(1);
      expect(argo.totalSteps).toBe(4);
      expect(argo.steps.map((s: any) => s.state)).toEqual([
        'done',
        'current',
        'pending',
        'pending',
      ]);
      expect(argo.pauseConditions[0].reason).toBe('CanaryPauseStep');
      const roles = argo.replicaSets.map((rs: any) => rs.role).sort();
      expect(roles).toEqual(['canary', 'stable']);
      expect(
        argo.actions.find((a: any) => a.action === 'promote').available,
      ).toBe(true);
    });

    it('refuses bob (not an owner) and the controller does not move', async () => {
      const before = await rollout();
      const res = await act('ctl-storefront', BOB, {
        target: rolloutTarget(),
        action: { type: 'argo', action: 'promote' },
      });
      expect(res.status).toBe(403);
      await new Promise(r => setTimeout(r, 3_000));
      const after = await rollout();
      expect(after.status.currentStepIndex).toBe(
        before.status.currentStepIndex,
      );
      expect(await virtualServiceWeights()).toEqual([80, 20]);
    });

    it('refuses bob acting on the Rollout through an entity of his own that claims it', async () => {
      const before = await rollout();
      for (const action of ['promote', 'abort'] as const) {
        const res = await act('mobile-claims-releases', BOB, {
          target: rolloutTarget(),
          action: { type: 'argo', action },
        });
        expect([action, res.status]).toEqual([action, 403]);
        expect(res.body.error.message).toMatch(/^Read-only here: /);
      }
      await new Promise(r => setTimeout(r, 3_000));
      const after = await rollout();
      expect(after.status.currentStepIndex).toBe(
        before.status.currentStepIndex,
      );
      expect(after.status.abort).toBeFalsy();
      expect(await virtualServiceWeights()).toEqual([80, 20]);
    });

    it('a dry run changes nothing', async () => {
      const before = await rollout();
      const res = await act('ctl-storefront', ALICE, {
        target: rolloutTarget(),
        action: { type: 'argo', action: 'promote' },
        dryRun: true,
      });
      expect(res.status).toBe(200);
      expect(res.body.dryRun).toBe(true);
      expect(res.body.patches.length).toBeGreaterThan(0);
      const after = await rollout();
      expect(after.metadata.resourceVersion).toBe(
        before.metadata.resourceVersion,
      );
    });

    it('bob requests a promotion, alice approves it, and the controller takes the next step', async () => {
      const created = await request(backend.server)
        .post(
          '/api/istio-rollouts/entities/default/component/ctl-storefront/requests',
        )
        .set('authorization', BOB)
        .send({
          target: {
            cluster: 'local',
            namespace: argoNs,
            virtualService: 'store',
            route: 'primary',
          },
          change: {
            type: 'controller-action',
            controller: rolloutTarget(),
            action: { type: 'argo', action: 'promote' },
          },
          reason: 'the canary looks fine',
        });
      expect(created.status).toBe(201);
      // Bob cannot approve his own (nor anyone's: he is not an owner).
      const bobApproves = await request(backend.server)
        .post(`/api/istio-rollouts/requests/${created.body.id}/approve`)
        .set('authorization', BOB)
        .send({});
      expect(bobApproves.status).toBe(403);
      expect(await virtualServiceWeights()).toEqual([80, 20]);

      const t0 = Date.now();
      const approved = await request(backend.server)
        .post(`/api/istio-rollouts/requests/${created.body.id}/approve`)
        .set('authorization', ALICE)
        .send({ reason: 'go' });
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('applied');
      await until('the controller to set 50 %', async () =>
        (await virtualServiceWeights())[1] === 50 ? true : undefined,
      );
      figure(
        `approved Argo promote → the controller's next step (VirtualService at 50 %): ${
          Date.now() - t0
        } ms`,
      );
      const r = await rollout();
      expect(r.status.currentStepIndex).toBe(3);
    });

    it('alice promotes one step from Backstage and the controller acts', async () => {
      // From the pause after 50 %: promote → step 4 is done, fully promoted.
      const t0 = Date.now();
      const res = await act('ctl-storefront', ALICE, {
        target: rolloutTarget(),
        action: { type: 'argo', action: 'promote' },
        reason: 'looks good',
      });
      expect(res.status).toBe(200);
      await until('the controller to promote the canary', async () => {
        const r = await rollout();
        return r.status?.stableRS &&
          r.status.stableRS === r.status.currentPodHash
          ? true
          : undefined;
      });
      figure(
        `Backstage promote → the controller's next step (fully promoted): ${
          Date.now() - t0
        } ms`,
      );
      const history = await request(backend.server)
        .get(
          '/api/istio-rollouts/entities/default/component/ctl-storefront/history',
        )
        .set('authorization', ALICE);
      expect(history.status).toBe(200);
      const actions = JSON.stringify(history.body);
      expect(actions).toContain('user:default/alice');
      expect(actions).toMatch(/argo-promote/);
    });

    it('alice aborts a new canary and the controller returns to stable', async () => {
      const r0 = await rollout();
      const image = 'example/store:3.0';
      const spec = r0.spec;
      spec.template.spec.containers[0].image = image;
      await apply([
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          metadata: {
            name: 'store',
            namespace: argoNs,
            labels: r0.metadata.labels,
          },
          spec,
        },
      ]);
      await until('the new canary at 20 %', async () =>
        (await virtualServiceWeights())[1] === 20 ? true : undefined,
      );
      const res = await act('ctl-storefront', ALICE, {
        target: rolloutTarget(),
        action: { type: 'argo', action: 'abort' },
        reason: 'errors in the canary',
      });
      expect(res.status).toBe(200);
      await until('the controller to route everything to stable', async () =>
        (await virtualServiceWeights())[1] === 0 ? true : undefined,
      );
      const r = await rollout();
      expect(r.status.abort).toBe(true);
    });
  });

  describe('Flagger', () => {
    const canaryTarget = () => ({
      cluster: 'local',
      namespace: flaggerNs,
      kind: 'Canary',
      name: 'podinfo',
    });

    async function canary(): Promise<any> {
      return getJson(
        `/apis/flagger.app/v1beta1/namespaces/${flaggerNs}/canaries/podinfo`,
      );
    }

    function deployment(image: string) {
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'podinfo', namespace: flaggerNs },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'podinfo' } },
          template: {
            metadata: { labels: { app: 'podinfo' } },
            spec: { containers: [{ name: 'podinfod', image }] },
          },
        },
      };
    }

    beforeAll(async () => {
      // The token as the URL's password, as the tab hands it out: real
      // Flagger (Go's HTTP client) must send it as Basic auth.
      const base = new URL(backend.baseUrl!);
      const url = (gate: string) =>
        `${base.protocol}//flagger:${webhookToken(
          'local',
          flaggerNs,
          'podinfo',
        )}@${base.host}/api/istio-rollouts/flagger/local/${gate}`;
      await apply([
        deployment('example/podinfo:1.0'),
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          metadata: { name: 'podinfo', namespace: flaggerNs },
          spec: {
            provider: 'istio',
            targetRef: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'podinfo',
            },
            progressDeadlineSeconds: 120,
            service: { port: 9898 },
            analysis: {
              interval: '3s',
              threshold: 3,
              maxWeight: 50,
              stepWeight: 25,
              metrics: [],
              webhooks: [
                {
                  name: 'owners-confirm',
                  type: 'confirm-promotion',
                  url: url('confirm-promotion'),
                },
                {
                  name: 'owners-rollback',
                  type: 'rollback',
                  url: url('rollback'),
                },
              ],
            },
          },
        },
      ]);
      await until(
        'Flagger to initialize the canary',
        async () => (await canary()).status?.phase === 'Initialized',
        120_000,
      );
    });

    // Flagger owns the target Deployment's replicas now: change the image only.
    const setImage = (image: string) =>
      kubectl([
        '-n',
        flaggerNs,
        'set',
        'image',
        'deployment/podinfo',
        `podinfod=${image}`,
      ]);

    it('waits at confirm-promotion until alice approves in Backstage', async () => {
      await setImage('example/podinfo:2.0');
      await until(
        'Flagger to wait for promotion',
        async () => (await canary()).status?.phase === 'WaitingPromotion',
        120_000,
      );
      // Closed gate: Flagger keeps waiting over several intervals.
      await new Promise(r => setTimeout(r, 8_000));
      expect((await canary()).status.phase).toBe('WaitingPromotion');

      const state = await until(
        'the view to say which gate waits',
        async () => {
          const v = await view('ctl-podinfo');
          const vs = v.clusters[0]?.virtualServices.find(
            (x: any) => x.managedBy?.flagger,
          );
          return vs?.managedBy.flagger.waitingAt === 'confirm-promotion'
            ? vs.managedBy.flagger
            : undefined;
        },
      );
      const gate = state.gates.find((g: any) => g.gate === 'confirm-promotion');
      expect(gate).toMatchObject({ servedByPlugin: true, open: false });
      expect(gate.lastCalledAt).toBeDefined();

      const refused = await act('ctl-podinfo', BOB, {
        target: canaryTarget(),
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
      });
      expect(refused.status).toBe(403);
      // Nor through an entity of his own that names the Canary's VirtualService.
      const claimed = await act('mobile-claims-canary', BOB, {
        target: canaryTarget(),
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
      });
      expect(claimed.status).toBe(403);
      expect(claimed.body.error.message).toMatch(/^Read-only here: /);
      await new Promise(r => setTimeout(r, 6_000));
      expect((await canary()).status.phase).toBe('WaitingPromotion');

      const t0 = Date.now();
      const opened = await act('ctl-podinfo', ALICE, {
        target: canaryTarget(),
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
        reason: 'checked the dashboards',
      });
      expect(opened.status).toBe(200);
      await until(
        'Flagger to promote',
        async () => (await canary()).status?.phase === 'Succeeded',
        120_000,
      );
      figure(
        `Backstage opens confirm-promotion → Flagger Succeeded: ${
          Date.now() - t0
        } ms`,
      );
    });

    it('rolls back through the rollback gate', async () => {
      const bumped = Date.now();
      await setImage('example/podinfo:3.0');
      await until(
        'Flagger to start the next analysis',
        async () => {
          const phase = (await canary()).status?.phase;
          return phase === 'Progressing' || phase === 'WaitingPromotion';
        },
        120_000,
      );
      // A rollback is for the revision Flagger asks about: the tab shows
      // when Flagger last called the rollback gate.
      await until('Flagger to call the rollback gate', async () => {
        const v = await view('ctl-podinfo');
        const flagger = v.clusters[0]?.virtualServices.find(
          (x: any) => x.managedBy?.flagger,
        )?.managedBy.flagger;
        const gate = flagger?.gates.find((g: any) => g.gate === 'rollback');
        return gate?.lastCalledAt && Date.parse(gate.lastCalledAt) > bumped;
      });
      const res = await act('ctl-podinfo', ALICE, {
        target: canaryTarget(),
        action: { type: 'flagger-rollback' },
        reason: 'bad release',
      });
      expect(res.status).toBe(200);
      await until(
        'Flagger to roll back',
        async () => (await canary()).status?.phase === 'Failed',
        120_000,
      );
      const c = await canary();
      expect(c.status.canaryWeight).toBe(0);
    });
  });
});
