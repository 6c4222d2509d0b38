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
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import { readVs, startWebPlugin } from '../__testUtils__/fixtures';

// What scaling a version refuses, against the real local kube-apiserver:
// scaling to 0 a Deployment that some route still sends traffic to, and
// scaling a Deployment whose replicas something else manages (an HPA, an
// owning controller, a Flagger Canary, an Argo Rollout).

jest.setTimeout(60_000);

const setUp = (options: Parameters<typeof startWebPlugin>[0] = {}) =>
  startWebPlugin({ prefix: 'guards', ...options });

async function apply(...items: any[]) {
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  });
}

async function replicasOf(ns: string, deployment: string): Promise<number> {
  const res = await apiRequest(
    'GET',
    `/apis/apps/v1/namespaces/${ns}/deployments/${deployment}`,
  );
  return res.body.spec.replicas;
}

describe('scaling to 0 a version that routes still send traffic to', () => {
  it('refuses, naming every route of every VirtualService that still does', async () => {
    const other = await createTestNamespace('guards-other');
    const { ns, scale } = await setUp({
      extra: async namespace =>
        apply(
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: { name: 'gateway', namespace: other },
            spec: {
              hosts: ['shop.example.com'],
              http: [
                {
                  name: 'shadow',
                  route: [{ destination: { host: 'legacy.example.com' } }],
                  mirror: {
                    host: `web.${namespace}.svc.cluster.local`,
                    subset: 'v2',
                  },
                  mirrorPercentage: { value: 5 },
                },
                {
                  match: [{ headers: { 'x-legacy': { exact: '1' } } }],
                  route: [
                    {
                      destination: { host: `web.${namespace}`, subset: 'v1' },
                      weight: 100,
                    },
                    {
                      destination: { host: `web.${namespace}`, subset: 'v2' },
                      weight: 0,
                    },
                  ],
                },
              ],
            },
          },
          // `web` relative to another namespace is another Service: not ours.
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'VirtualService',
            metadata: { name: 'lookalike', namespace: other },
            spec: {
              hosts: ['lookalike.example.com'],
              http: [
                { route: [{ destination: { host: 'web', subset: 'v2' } }] },
              ],
            },
          },
        ),
    });

    const v1 = await scale({ deployment: 'web-v1', replicas: 0 });
    expect(v1.status).toBe(409);
    const message: string = v1.body.error.message;
    expect(message).toContain(`web-v1`);
    expect(message).toContain('local');
    expect(message).toContain(`${ns}/web route 'admin' (weight 100)`);
    expect(message).toContain(`${ns}/web route 'primary' (weight 90)`);
    expect(message).toContain(`${other}/gateway route #1 (weight 100)`);
    expect(await replicasOf(ns, 'web-v1')).toBe(2);

    // Dry runs answer what the real request would.
    const v2 = await scale({ deployment: 'web-v2', replicas: 0, dryRun: true });
    expect(v2.status).toBe(409);
    expect(v2.body.error.message).toContain(
      `${ns}/web route 'primary' (weight 10)`,
    );
    expect(v2.body.error.message).toContain(
      `${other}/gateway route 'shadow' (mirror 5%)`,
    );
    // Weight 0, and `web` of another namespace, send web-v2 nothing.
    expect(v2.body.error.message).not.toContain(`${other}/gateway route #1`);
    expect(v2.body.error.message).not.toContain('lookalike');

    // Scaling up, or to fewer replicas but not 0, takes no traffic away.
    const up = await scale({ deployment: 'web-v1', replicas: 3 });
    expect(up.status).toBe(200);
    expect(await replicasOf(ns, 'web-v1')).toBe(3);
  });

  it('scales to 0 a version routed only at weight 0, through an undefined subset or from a lookalike host', async () => {
    const other = await createTestNamespace('guards-other');
    const { ns, scale } = await setUp({
      vsExtra: {
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: 'web', subset: 'v2' }, weight: 100 },
              { destination: { host: 'web', subset: 'v1' }, weight: 0 },
            ],
          },
          {
            name: 'ghost',
            match: [{ headers: { 'x-ghost': { exact: '1' } } }],
            route: [{ destination: { host: 'web', subset: 'v9' } }],
          },
        ],
      },
      extra: async () =>
        apply({
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'lookalike', namespace: other },
          spec: {
            hosts: ['lookalike.example.com'],
            http: [{ route: [{ destination: { host: 'web', subset: 'v1' } }] }],
          },
        }),
    });

    const res = await scale({ deployment: 'web-v1', replicas: 0 });
    expect(res.status).toBe(200);
    expect(res.body.replicasAfter).toBe(0);
    expect(await replicasOf(ns, 'web-v1')).toBe(0);
  });
});

describe('finish with scaleDownOld', () => {
  it('keeps running a version that another route still uses, says why, and still finishes the route', async () => {
    const { ns, act } = await setUp();
    expect(
      (
        await act({
          type: 'promote-full',
          stable: { host: 'web', subset: 'v1' },
        })
      ).status,
    ).toBe(200);

    const dry = await act(
      { type: 'finish', scaleDownOld: true },
      { dryRun: true },
    );
    expect(dry.status).toBe(200);
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
    expect(res.body.scaledDown).toEqual([]);
    expect(res.body.keptRunning).toEqual(dry.body.keptRunning);
    expect(await replicasOf(ns, 'web-v1')).toBe(2);
  });

  it('scales a version down once no route sends it traffic', async () => {
    const { ns, act } = await setUp({
      vsExtra: {
        http: [
          {
            name: 'admin',
            match: [{ uri: { prefix: '/admin' } }],
            route: [{ destination: { host: 'web', subset: 'v2' } }],
          },
          {
            name: 'primary',
            route: [
              { destination: { host: 'web', subset: 'v1' }, weight: 90 },
              { destination: { host: 'web', subset: 'v2' }, weight: 10 },
            ],
          },
        ],
      },
    });
    await act({ type: 'promote-full', stable: { host: 'web', subset: 'v1' } });

    const res = await act({ type: 'finish', scaleDownOld: true });
    expect(res.status).toBe(200);
    expect(res.body.scaledDown).toEqual([
      {
        dryRun: false,
        namespace: ns,
        deployment: 'web-v1',
        replicasBefore: 2,
        replicasAfter: 0,
      },
    ]);
    expect(res.body.keptRunning).toEqual([]);
    expect(await replicasOf(ns, 'web-v1')).toBe(0);
  });
});

describe('scaling a Deployment whose replicas something else manages', () => {
  it('refuses a Deployment a HorizontalPodAutoscaler scales', async () => {
    const { ns, scale } = await setUp();
    await apply({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web-v2-cpu', namespace: ns },
      spec: {
        scaleTargetRef: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web-v2',
        },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: 80 },
            },
          },
        ],
      },
    });

    const res = await scale({ deployment: 'web-v2', replicas: 5 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(
      `HorizontalPodAutoscaler ${ns}/web-v2-cpu`,
    );
    expect(await replicasOf(ns, 'web-v2')).toBe(2);
    const dry = await scale({
      deployment: 'web-v2',
      replicas: 5,
      dryRun: true,
    });
    expect(dry.status).toBe(409);

    // Another Deployment of the namespace is not the HPA's.
    const v1 = await scale({ deployment: 'web-v1', replicas: 3 });
    expect(v1.status).toBe(200);
  });

  it('refuses a Deployment with a controlling owner, the target of a Flagger Canary, or the workload of an Argo Rollout', async () => {
    const { ns, scale } = await setUp({
      // web-v3 must be one of the entity's versions to be scaled at all.
      vsExtra: {
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: 'web', subset: 'v1' }, weight: 80 },
              { destination: { host: 'web', subset: 'v2' }, weight: 10 },
              { destination: { host: 'web', subset: 'v3' }, weight: 10 },
            ],
          },
        ],
      },
      extra: async namespace => {
        await apiRequest(
          'PATCH',
          `/apis/apps/v1/namespaces/${namespace}/deployments/web-v1`,
          {
            contentType: 'application/merge-patch+json',
            body: {
              metadata: {
                ownerReferences: [
                  {
                    apiVersion: 'platform.example.com/v1',
                    kind: 'WebApp',
                    name: 'web',
                    uid: '6b1f3c38-0000-4000-8000-000000000001',
                    controller: true,
                  },
                ],
              },
            },
          },
        );
        await apply(
          {
            apiVersion: 'flagger.app/v1beta1',
            kind: 'Canary',
            metadata: { name: 'web-canary', namespace },
            spec: {
              provider: 'istio',
              targetRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'web-v2',
              },
              service: { port: 80, name: 'web-canary' },
              analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
            },
          },
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            metadata: { name: 'web-rollout', namespace },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: 'web', version: 'v3' } },
              workloadRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'web-v3',
              },
              strategy: { canary: { steps: [{ setWeight: 20 }] } },
            },
          },
        );
      },
    });

    const owned = await scale({ deployment: 'web-v1', replicas: 3 });
    expect(owned.status).toBe(409);
    expect(owned.body.error.message).toContain('WebApp web');
    const canary = await scale({ deployment: 'web-v2', replicas: 3 });
    expect(canary.status).toBe(409);
    expect(canary.body.error.message).toContain(
      `Flagger Canary ${ns}/web-canary`,
    );
    const rollout = await scale({ deployment: 'web-v3', replicas: 3 });
    expect(rollout.status).toBe(409);
    expect(rollout.body.error.message).toContain(
      `Argo Rollouts Rollout ${ns}/web-rollout`,
    );
    for (const d of ['web-v1', 'web-v2', 'web-v3']) {
      expect(await replicasOf(ns, d)).toBe(2);
    }
  });

  it('refuses to scale when the plugin may not list HorizontalPodAutoscalers (fails closed)', async () => {
    // An identity with the plugin's ClusterRole minus the autoscaling rule.
    const sa = await createTestNamespace('guards-sa');
    const role = (
      await apiRequest(
        'GET',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/istio-rollouts',
      )
    ).body;
    await apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${sa}-no-hpa` },
        rules: role.rules.filter(
          (r: any) => !(r.apiGroups ?? []).includes('autoscaling'),
        ),
      },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'plugin', namespace: sa },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${sa}-no-hpa` },
        subjects: [{ kind: 'ServiceAccount', name: 'plugin', namespace: sa }],
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `${sa}-no-hpa`,
        },
      },
    );
    const token = await apiRequest(
      'POST',
      `/api/v1/namespaces/${sa}/serviceaccounts/plugin/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 3600 },
        },
      },
    );
    expect(token.status).toBe(201);
    const { ns, scale } = await setUp({
      clusters: [
        {
          ...clusterConfig('plugin'),
          serviceAccountToken: token.body.status.token,
        },
      ],
    });

    const res = await scale({ deployment: 'web-v1', replicas: 3 });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /cannot check for HorizontalPodAutoscalers/,
    );
    expect(await replicasOf(ns, 'web-v1')).toBe(2);
  });
});
