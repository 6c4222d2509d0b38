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

// Proof that tests talk to a real Kubernetes API server with Istio's own
// CRDs: schema validation, RBAC, conditional patches and watches behave as
// in production, because they are production code.

import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  apiRequest,
  createTestNamespace,
  getTestCluster,
  kubectl,
} from './index';

jest.setTimeout(60_000);

const GROUP = 'networking.istio.io';
const VERSION = 'v1';
const PLURAL = 'virtualservices';

function virtualService(
  namespace: string,
  name: string,
  weights: [number, number],
) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: ['reviews'],
      http: [
        {
          name: 'primary',
          route: [
            {
              destination: { host: 'reviews', subset: 'v1' },
              weight: weights[0],
            },
            {
              destination: { host: 'reviews', subset: 'v2' },
              weight: weights[1],
            },
          ],
          retries: { attempts: 3 },
        },
      ],
    },
  };
}

function vsPath(namespace: string, name = '') {
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}${
    name ? `/${name}` : ''
  }`;
}

function kubeConfig(identity: 'admin' | 'plugin' | 'readonly' = 'admin') {
  const kc = new KubeConfig();
  kc.loadFromFile(getTestCluster().kubeconfigs[identity]);
  return kc;
}

describe('the local cluster', () => {
  it('lets kubectl create, read, patch and delete a VirtualService', async () => {
    const ns = await createTestNamespace('kubectl');
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(virtualService(ns, 'reviews', [90, 10])),
    });

    const read = JSON.parse(
      await kubectl([
        '-n',
        ns,
        'get',
        'virtualservice',
        'reviews',
        '-o',
        'json',
      ]),
    );
    expect(read.spec.http[0].route.map((r: any) => r.weight)).toEqual([90, 10]);

    await kubectl([
      '-n',
      ns,
      'patch',
      'virtualservice',
      'reviews',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 75 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 25 },
      ]),
    ]);
    const patched = JSON.parse(
      await kubectl(['-n', ns, 'get', 'vs', 'reviews', '-o', 'json']),
    );
    expect(patched.spec.http[0].route.map((r: any) => r.weight)).toEqual([
      75, 25,
    ]);
    expect(patched.spec.http[0].retries).toEqual({ attempts: 3 });

    await kubectl(['-n', ns, 'delete', 'vs', 'reviews']);
    await expect(kubectl(['-n', ns, 'get', 'vs', 'reviews'])).rejects.toThrow(
      /NotFound/,
    );
  });

  it('lets @kubernetes/client-node create, read, patch and delete a VirtualService', async () => {
    const ns = await createTestNamespace('client-node');
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const base = {
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
    };

    await api.createNamespacedCustomObject({
      ...base,
      body: virtualService(ns, 'reviews', [90, 10]),
    });
    const read: any = await api.getNamespacedCustomObject({
      ...base,
      name: 'reviews',
    });
    expect(read.spec.http[0].route[1].weight).toBe(10);

    await api.patchNamespacedCustomObject(
      {
        ...base,
        name: 'reviews',
        body: [
          {
            op: 'test',
            path: '/metadata/resourceVersion',
            value: read.metadata.resourceVersion,
          },
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const patched: any = await api.getNamespacedCustomObject({
      ...base,
      name: 'reviews',
    });
    expect(patched.spec.http[0].route.map((r: any) => r.weight)).toEqual([
      50, 50,
    ]);

    await api.deleteNamespacedCustomObject({ ...base, name: 'reviews' });
    await expect(
      api.getNamespacedCustomObject({ ...base, name: 'reviews' }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it("enforces Istio's schema: a string weight is rejected", async () => {
    const ns = await createTestNamespace('schema');
    const bad: any = virtualService(ns, 'reviews', [90, 10]);
    bad.spec.http[0].route[0].weight = '90';

    const res = await apiRequest('POST', vsPath(ns), { body: bad });

    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec.http[0].route[0].weight');
    expect(res.body.message).toMatch(/must be of type integer/);
    expect((await apiRequest('GET', vsPath(ns, 'reviews'))).status).toBe(404);
  });

  it('rejects a JSON Patch whose resourceVersion test fails, and changes nothing', async () => {
    const ns = await createTestNamespace('conflict');
    const created = await apiRequest('POST', vsPath(ns), {
      body: virtualService(ns, 'reviews', [90, 10]),
    });
    expect(created.status).toBe(201);
    const staleVersion = created.body.metadata.resourceVersion;
    // Someone else changes the object: our resourceVersion is now stale.
    await kubectl([
      '-n',
      ns,
      'label',
      'vs',
      'reviews',
      'changed-by=someone-else',
    ]);

    const res = await apiRequest('PATCH', vsPath(ns, 'reviews'), {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: staleVersion },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
      ],
    });

    expect(res.status).toBe(422);
    const after = await apiRequest('GET', vsPath(ns, 'reviews'));
    expect(after.body.spec.http[0].route.map((r: any) => r.weight)).toEqual([
      90, 10,
    ]);
    expect(after.body.metadata.labels).toEqual({
      'changed-by': 'someone-else',
    });
  });

  it("refuses the plugin's identity what its ClusterRole does not grant", async () => {
    const ns = await createTestNamespace('rbac');
    expect(
      (
        await apiRequest('POST', vsPath(ns), {
          body: virtualService(ns, 'reviews', [90, 10]),
        })
      ).status,
    ).toBe(201);

    const del = await apiRequest('DELETE', vsPath(ns, 'reviews'), {
      identity: 'plugin',
    });
    expect(del.status).toBe(403);
    const patch = await apiRequest('PATCH', vsPath(ns, 'reviews'), {
      identity: 'plugin',
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 80 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 },
      ],
    });
    expect(patch.status).toBe(200);
    const secrets = await apiRequest(
      'GET',
      `/api/v1/namespaces/${ns}/secrets`,
      { identity: 'plugin' },
    );
    expect(secrets.status).toBe(403);
    const readonlyPatch = await apiRequest('PATCH', vsPath(ns, 'reviews'), {
      identity: 'readonly',
      contentType: 'application/json-patch+json',
      body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 }],
    });
    expect(readonlyPatch.status).toBe(403);
    expect((await apiRequest('GET', vsPath(ns, 'reviews'))).status).toBe(200);
  });

  it('delivers a change made with kubectl to a watch', async () => {
    const ns = await createTestNamespace('watch');
    const created = await apiRequest('POST', vsPath(ns), {
      body: virtualService(ns, 'reviews', [90, 10]),
    });
    const seen: Array<{ type: string; weights: number[] }> = [];
    const modified = new Promise<void>((resolve, reject) => {
      new Watch(kubeConfig('plugin'))
        .watch(
          vsPath(ns),
          { resourceVersion: created.body.metadata.resourceVersion },
          (type, obj) => {
            seen.push({
              type,
              weights: obj.spec.http[0].route.map((r: any) => r.weight),
            });
            if (type === 'MODIFIED') resolve();
          },
          err => (err ? reject(err) : undefined),
        )
        .then(controller => modified.finally(() => controller.abort()), reject);
    });

    await kubectl([
      '-n',
      ns,
      'patch',
      'vs',
      'reviews',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 60 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 40 },
      ]),
    ]);
    await modified;

    expect(seen).toEqual([{ type: 'MODIFIED', weights: [60, 40] }]);
  });

  it('holds the seeded demo services, each in its state', async () => {
    const list = await apiRequest(
      'GET',
      '/apis/networking.istio.io/v1/namespaces/demo/virtualservices',
      { identity: 'readonly' },
    );
    const byName = Object.fromEntries(
      list.body.items.map((vs: any) => [vs.metadata.name, vs]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'catalog',
      'checkout',
      'details',
      'ledger',
      'payments',
      'podinfo',
      'ratings',
      'reviews',
      'search',
      'storefront',
    ]);
    const weights = (name: string, route = 0) =>
      byName[name].spec.http[route].route.map((r: any) => r.weight);
    expect(weights('reviews')).toEqual([90, 10]);
    expect(weights('checkout')).toEqual([100, 0]);
    expect(byName.ratings.spec.http[0].match[0].headers['end-user']).toEqual({
      exact: 'jason',
    });
    expect(byName.payments.spec.http[0].mirror).toBeDefined();

    const deployments = await apiRequest(
      'GET',
      '/apis/apps/v1/namespaces/demo/deployments/reviews-v2',
      { identity: 'readonly' },
    );
    expect(deployments.body.status.readyReplicas).toBeGreaterThan(0);
  });
});
