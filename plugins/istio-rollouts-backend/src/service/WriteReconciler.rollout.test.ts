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
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { DatabaseAuditStore } from '../database/DatabaseAuditStore';
import { FIELD_MANAGER } from '../fieldManager';
import { WriteReconciler } from './WriteReconciler';

// An Argo Rollouts action whose write got no answer is recorded `unknown`
// and settled later by re-reading the Rollout on the real API server. Its
// controller rewrites the status all the time, so what decides is whether
// the plugin's own field manager wrote the Rollout after the write was sent.

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

let caches: ClusterCaches;
let store: DatabaseAuditStore;
let reconciler: WriteReconciler;
let ns: string;

async function createRollout(name: string): Promise<string> {
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: 'example/app:1' }] },
        },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      },
    }),
  });
  const res = await apiRequest(
    'GET',
    `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`,
  );
  return res.body.metadata.resourceVersion;
}

// A status write as `manager` sends it (the plugin's promote, or the controller).
async function writeStatus(name: string, manager: string, step: number) {
  const res = await apiRequest(
    'PATCH',
    `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}/status?fieldManager=${manager}`,
    {
      contentType: 'application/merge-patch+json',
      body: { status: { currentStepIndex: step, phase: 'Progressing' } },
    },
  );
  expect(res.status).toBe(200);
}

async function unknownRecord(name: string, resourceVersionBefore: string) {
  const record = await store.append({
    actor: 'user:default/alice',
    entityRef: 'component:default/shop',
    action: 'argo-promote',
    outcome: 'unknown',
    cluster: 'local',
    namespace: ns,
    workload: `Rollout/${name}`,
    resourceVersionBefore,
  });
  return record;
}

async function settled(id: string) {
  const page = await store.list({ limit: 100 } as any);
  return page.items.find(r => r.id === id)!;
}

beforeAll(async () => {
  const knex = await databases.init('SQLITE_3');
  store = await DatabaseAuditStore.create({
    database: mockServices.database.mock({ getClient: async () => knex }),
  });
  const c = clusterConfig('plugin', 'local');
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
  reconciler = new WriteReconciler({
    caches,
    store,
    logger: mockServices.logger.mock(),
    requestTimeoutMs: 2_000,
    confirmMs: 200,
  });
  ns = await createTestNamespace('reconcile-rollout');
});

afterAll(async () => {
  reconciler.stop();
  await caches.stop();
});

it('settles applied when the plugin wrote the Rollout after the write was sent', async () => {
  const before = await createRollout('written');
  const record = await unknownRecord('written', before);
  await writeStatus('written', FIELD_MANAGER, 2);
  expect(await reconciler.reconcile(record)).toBe('settled');
  const after = await settled(record.id);
  expect(after.outcome).toBe('applied');
  expect(after.message).toMatch(/^Applied: .*Rollout .*\/written/);
});

it('settles failed when the Rollout is still at the version the write was conditional on', async () => {
  const before = await createRollout('untouched');
  const record = await unknownRecord('untouched', before);
  expect(await reconciler.reconcile(record)).toBe('settled');
  const after = await settled(record.id);
  expect(after.outcome).toBe('failed');
  expect(after.message).toMatch(/^Not applied: .*resourceVersion/);
});

it('settles failed when only the controller wrote the Rollout since', async () => {
  const before = await createRollout('controller');
  const record = await unknownRecord('controller', before);
  await writeStatus('controller', 'rollouts-controller', 1);
  expect(await reconciler.reconcile(record)).toBe('settled');
  const after = await settled(record.id);
  expect(after.outcome).toBe('failed');
  expect(after.message).toMatch(/rollouts-controller/);
});
