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

// The local cluster WITH controllers (startCluster({ controllers: true })):
// kube-controller-manager, kube-scheduler, kwok, the Argo Rollouts controller
// and Flagger, on a private cluster (own state dir) next to the shared one.
// Every status asserted here was written by one of those controllers; this
// file writes specs only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRequest, createTestNamespace, kubectl, until } from './index';

/* eslint-disable @typescript-eslint/no-require-imports */
const { startCluster, KWOK_UNREADY_LABEL } = require('../cluster.js');
const { flaggerWebhookToken } = require('../seed.js');
/* eslint-enable @typescript-eslint/no-require-imports */

jest.setTimeout(120_000);

async function get(apiPath: string): Promise<any> {
  const res = await apiRequest('GET', apiPath);
  if (res.status !== 200) {
    throw new Error(`GET ${apiPath}: HTTP ${res.status}`);
  }
  return res.body;
}

function deployment(
  namespace: string,
  name: string,
  replicas: number,
  podLabels: Record<string, string> = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...podLabels } },
        spec: { containers: [{ name: 'app', image: `example/${name}:1` }] },
      },
    },
  };
}

const ownedBy = (obj: any, owner: any) =>
  (obj.metadata.ownerReferences ?? []).some(
    (o: any) => o.uid === owner.metadata.uid && o.controller,
  );
const isReady = (pod: any) =>
  (pod.status?.conditions ?? []).some(
    (c: any) => c.type === 'Ready' && c.status === 'True',
  );

describe('the local cluster with controllers', () => {
  let cluster: any;
  let stateDir: string;
  let seeded: Promise<void>;
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-ctl-'));
    const t0 = Date.now();
    cluster = await startCluster({
      stateDir,
      controllers: true,
      log: (msg: string) => process.stderr.write(`[controllers] ${msg}\n`),
    });
    process.stderr.write(
      `[controllers] started with controllers in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(1)}s\n`,
    );
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
    // The spec-only seed runs while the first tests do; the later ones wait.
    seeded = cluster.seed();
    seeded.catch(() => {});
  }, 90_000);

  afterAll(async () => {
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    await cluster?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('describes its controllers in cluster.json', () => {
    const info = JSON.parse(
      fs.readFileSync(path.join(stateDir, 'cluster.json'), 'utf8'),
    );
    expect(info.controllers).toBe(true);
    expect(info.flaggerWebhookSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    for (const name of [
      'controllerManager',
      'scheduler',
      'kwok',
      'argoRollouts',
      'flagger',
    ]) {
      expect(fs.existsSync(info.logs[name])).toBe(true);
      expect(
        fs.readFileSync(`/proc/${info.pids[name]}/cmdline`, 'utf8'),
      ).toContain(path.basename(cluster.logs[name], '.log').split('-')[0]);
    }
  });

  it('turns a Deployment into a ReplicaSet and Ready pods on the kwok node', async () => {
    const ns = await createTestNamespace('ctl-deploy');
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(deployment(ns, 'web', 2)),
    });
    const d = await until('web 2/2 ready', async () => {
      const cur = await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
      return cur.status?.readyReplicas === 2 && cur;
    });
    expect(d.status.observedGeneration).toBe(d.metadata.generation);
    expect(d.status.availableReplicas).toBe(2);

    const rss = (await get(`/apis/apps/v1/namespaces/${ns}/replicasets`)).items;
    expect(rss).toHaveLength(1);
    expect(ownedBy(rss[0], d)).toBe(true);
    expect(rss[0].metadata.labels['pod-template-hash']).toBeTruthy();

    const pods = (await get(`/api/v1/namespaces/${ns}/pods`)).items;
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(ownedBy(pod, rss[0])).toBe(true);
      expect(pod.spec.nodeName).toBe(cluster.kwokNode);
      // Admitted normally: kube-controller-manager made the ServiceAccount.
      expect(pod.spec.serviceAccountName).toBe('default');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.0\.0\.\d+$/);
      expect(isReady(pod)).toBe(true);
    }
  });

  it('keeps pods labelled kwok.istio-rollouts.io/ready=false un-ready, and the Deployment says so', async () => {
    expect(KWOK_UNREADY_LABEL).toBe('kwok.istio-rollouts.io/ready');
    const ns = await createTestNamespace('ctl-unready');
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(
        deployment(ns, 'sick', 2, { [KWOK_UNREADY_LABEL]: 'false' }),
      ),
    });
    const pods = await until('2 running pods', async () => {
      const items = (await get(`/api/v1/namespaces/${ns}/pods`)).items;
      return (
        items.length === 2 &&
        items.every((p: any) => p.status?.phase === 'Running') &&
        items
      );
    });
    for (const pod of pods) {
      expect(isReady(pod)).toBe(false);
      expect(pod.status.containerStatuses[0].ready).toBe(false);
    }
    const d = await until(
      'the deployment controller to count them',
      async () => {
        const cur = await get(
          `/apis/apps/v1/namespaces/${ns}/deployments/sick`,
        );
        return cur.status?.replicas === 2 && cur;
      },
    );
    expect(d.status.readyReplicas ?? 0).toBe(0);
    expect(d.status.unavailableReplicas).toBe(2);
    expect(
      d.status.conditions.find((c: any) => c.type === 'Available').status,
    ).toBe('False');

    // Without the label, the rolled-out pods become Ready through kwok's own stage.
    await kubectl([
      '-n',
      ns,
      'patch',
      'deployment',
      'sick',
      '--type=json',
      '-p',
      JSON.stringify([
        {
          op: 'remove',
          path: `/spec/template/metadata/labels/${KWOK_UNREADY_LABEL.replace(
            '/',
            '~1',
          )}`,
        },
      ]),
    ]);
    await until('sick 2/2 ready after the fix', async () => {
      const cur = await get(`/apis/apps/v1/namespaces/${ns}/deployments/sick`);
      return (
        cur.status?.readyReplicas === 2 && cur.status?.updatedReplicas === 2
      );
    });
  });

  it('lets Argo Rollouts take the seeded storefront to the pause after setWeight 20', async () => {
    await seeded;
    const base = '/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts';
    const rollout = await get(`${base}/storefront`);
    expect(rollout.status.phase).toBe('Paused');
    expect(rollout.status.currentStepIndex).toBe(1);
    expect(rollout.status.pauseConditions).toEqual([
      expect.objectContaining({ reason: 'CanaryPauseStep' }),
    ]);
    expect(rollout.status.canary.weights.canary.weight).toBe(20);
    expect(rollout.status.canary.weights.stable.weight).toBe(80);

    const rss = (
      await get('/apis/apps/v1/namespaces/demo/replicasets')
    ).items.filter((rs: any) => ownedBy(rs, rollout));
    expect(rss).toHaveLength(2);
    const byHash = (hash: string) =>
      rss.find(
        (rs: any) => rs.metadata.labels['rollouts-pod-template-hash'] === hash,
      );
    const stable = byHash(rollout.status.stableRS);
    const canary = byHash(rollout.status.currentPodHash);
    expect(stable.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/example/storefront:4.2.0',
    );
    expect(canary.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/example/storefront:4.3.0',
    );
    expect(stable.status.readyReplicas).toBe(5);
    expect(canary.status.readyReplicas).toBe(1);

    const vs = await get(
      '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/storefront',
    );
    expect(
      vs.spec.http[0].route.map((r: any) => [r.destination.host, r.weight]),
    ).toEqual([
      ['storefront-stable', 80],
      ['storefront-canary', 20],
    ]);
    // Argo pinned the Services to the ReplicaSets itself.
    const svc = await get('/api/v1/namespaces/demo/services/storefront-canary');
    expect(svc.spec.selector['rollouts-pod-template-hash']).toBe(
      rollout.status.currentPodHash,
    );
  });

  it('lets Flagger initialize podinfo, and not promote it while its gates are closed', async () => {
    await seeded;
    const canaryPath =
      '/apis/flagger.app/v1beta1/namespaces/demo/canaries/podinfo';
    const canary = await get(canaryPath);
    const primary = await get(
      '/apis/apps/v1/namespaces/demo/deployments/podinfo-primary',
    );
    expect(ownedBy(primary, canary)).toBe(true);
    expect(primary.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/stefanprodan/podinfo:6.7.0',
    );
    expect(primary.status.readyReplicas).toBe(1);

    // The webhooks point at the plugin with the per-Canary token.
    const token = flaggerWebhookToken(
      cluster.flaggerWebhookSecret,
      'local',
      'demo',
      'podinfo',
    );
    expect(
      canary.spec.analysis.webhooks.map((w: any) => [w.type, w.url]),
    ).toEqual(
      ['confirm-promotion', 'rollback'].map(gate => [
        gate,
        `http://flagger:${token}@localhost:7007/api/istio-rollouts/flagger/local/${gate}`,
      ]),
    );

    // Flagger moves the weight by itself (25, then 50) and halts at
    // confirm-promotion: nothing answers it (no Backstage here).
    await until(
      'Flagger to wait at confirm-promotion',
      async () => (await get(canaryPath)).status?.phase === 'WaitingPromotion',
      60_000,
    );
    expect(fs.readFileSync(cluster.logs.flagger, 'utf8')).toContain(
      'Halt podinfo.demo advancement waiting for promotion approval confirm-promotion',
    );
    // One more analysis interval (10 s) later it still has not promoted.
    await new Promise(r => setTimeout(r, 11_000));
    const after = await get(canaryPath);
    expect(after.status.phase).toBe('WaitingPromotion');
    // Flagger zeroes status.canaryWeight on entering WaitingPromotion
    // (setStatusPhase); the VirtualService still holds the canary's share.
    expect(after.status.canaryWeight).toBe(0);
    const vs = await get(
      '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/podinfo',
    );
    expect(
      vs.spec.http[0].route.map((r: any) => [r.destination.host, r.weight]),
    ).toEqual([
      ['podinfo-primary', 50],
      ['podinfo-canary', 50],
    ]);
    const primaryAfter = await get(
      '/apis/apps/v1/namespaces/demo/deployments/podinfo-primary',
    );
    expect(primaryAfter.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/stefanprodan/podinfo:6.7.0',
    );
    expect(primaryAfter.status.readyReplicas).toBe(1);

    // Well past the node lifecycle controller's 40 s grace period, the kwok
    // node is still Ready and untainted (kwok renews its Lease).
    const node = await get(`/api/v1/nodes/${cluster.kwokNode}`);
    expect(
      node.status.conditions.find((c: any) => c.type === 'Ready').status,
    ).toBe('True');
    expect(node.spec.taints ?? []).toEqual([]);
  });
});
