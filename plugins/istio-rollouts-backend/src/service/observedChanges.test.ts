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

import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createTestNamespace, kubectl } from '@internal/test-cluster';
import knexFactory from 'knex';
import request from 'supertest';
import { testDatabaseIds } from '../__testUtils__/databases';
import { waitFor } from '../__testUtils__/waitFor';
import {
  createWebService,
  readVs,
  serviceEntity,
  startPlugin,
} from '../__testUtils__/fixtures';

// Traffic changes made outside the plugin — kubectl here, GitOps tools and
// rollout controllers in real clusters — are on record: seen by the watch,
// attributed from managedFields, recorded once across replicas and restarts.

jest.setTimeout(120_000);

const API = '/api/istio-rollouts';
const HISTORY = `${API}/entities/default/component/web/history`;
const alice = mockCredentials.user.header('user:default/alice');

type Server = Awaited<ReturnType<typeof startPlugin>>;

async function replica(ns: string, database: any): Promise<Server> {
  const backend = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns}/web`,
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
    database,
    permission: AuthorizeResult.ALLOW,
  });
  // Listed and watching: the view answers once the cluster is synced.
  await waitFor(
    'the view, synced',
    async () => {
      const view = await request(backend.server)
        .get(`${API}/entities/default/component/web/view`)
        .set('Authorization', alice);
      return view.status === 200 && !view.body.clusters[0]?.error;
    },
    10_000,
  );
  return backend;
}

/** The plugin's own write: promote-next on web's primary route, as alice. */
async function promoteNext(server: Server['server'], ns: string) {
  await request(server)
    .post(`${API}/entities/default/component/web/route-actions`)
    .set('Authorization', alice)
    .send({
      target: {
        cluster: 'local',
        namespace: ns,
        virtualService: 'web',
        route: 'primary',
      },
      operation: { type: 'promote-next' },
    })
    .expect(200);
}

async function history(server: Server['server'], query = '') {
  const res = await request(server)
    .get(`${HISTORY}${query}`)
    .set('Authorization', alice);
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

// Each test's own namespace: every test namespace binds its objects to the
// entity `web` (createWebService), so the plugin, watching the whole
// cluster, rightly records other tests' changes in web's history too.
let testNamespace = '';
const observed = (items: any[]) =>
  items.filter(r => r.outcome === 'observed' && r.namespace === testNamespace);

// kubectl's own field manager for `kubectl patch` is kubectl-patch.
function patchWeights(ns: string, weights: [number, number]) {
  return kubectl([
    'patch',
    '-n',
    ns,
    'virtualservice.networking.istio.io',
    'web',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: weights[0] },
      { op: 'replace', path: '/spec/http/1/route/1/weight', value: weights[1] },
    ]),
  ]);
}

const split = (snapshot: any) =>
  snapshot?.destinations?.map((d: any) => `${d.subset}:${d.weight}`).join(' ');

describe('observed changes', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('records a kubectl change in History within 5 s, once, attributed to kubectl', async () => {
    const ns = await createTestNamespace('observed');
    testNamespace = ns;
    await createWebService(ns);
    const a = await replica(ns, await databases.init('SQLITE_3'));
    try {
      const started = Date.now();
      await patchWeights(ns, [80, 20]);
      const rv = (await readVs(ns)).metadata.resourceVersion;
      await waitFor(
        'the observed record',
        async () => observed(await history(a.server)).length > 0,
        5_000,
      );
      expect(Date.now() - started).toBeLessThan(5_000);

      // A label change is not a traffic change.
      await kubectl([
        'label',
        '-n',
        ns,
        'virtualservice.networking.istio.io',
        'web',
        'touched=yes',
      ]);
      await new Promise(r => setTimeout(r, 1_500));
      const [record, ...more] = observed(await history(a.server));
      expect(more).toEqual([]);
      expect(record).toMatchObject({
        outcome: 'observed',
        action: 'observed-change',
        actor: 'kubectl-patch',
        entityRef: 'component:default/web',
        cluster: 'local',
        namespace: ns,
        virtualService: 'web',
        route: 'primary',
        resourceVersionAfter: rv,
      });
      expect(split(record.weightsBefore)).toBe('v1:90 v2:10');
      expect(split(record.weightsAfter)).toBe('v1:80 v2:20');
      expect(record.message).toMatch(
        /kubectl-patch.*v1 90% \/ v2 10% → v1 80% \/ v2 20%/,
      );

      // History can leave them out; the release audit can list only them.
      expect(observed(await history(a.server, '?hideObserved=true'))).toEqual(
        [],
      );
    } finally {
      await a.stop();
    }
  });

  it("does not record the plugin's own writes as observed", async () => {
    const ns = await createTestNamespace('observed-own');
    testNamespace = ns;
    await createWebService(ns);
    const a = await replica(ns, await databases.init('SQLITE_3'));
    try {
      await promoteNext(a.server, ns);
      // The watch delivers the plugin's write too; give it time to (not) record.
      await new Promise(r => setTimeout(r, 2_000));
      const items = await history(a.server);
      expect(observed(items)).toEqual([]);
      expect(items.filter(r => r.namespace === ns).map(r => r.outcome)).toEqual(
        ['applied'],
      );
    } finally {
      await a.stop();
    }
  });

  it('records a change made while no replica was watching once, at the next start', async () => {
    const ns = await createTestNamespace('observed-down');
    testNamespace = ns;
    await createWebService(ns);
    const database = await databases.init('SQLITE_3');
    const first = await replica(ns, database);
    // The plugin moves the route, so the trail knows its split…
    await promoteNext(first.server, ns);
    await first.stop();
    // …then someone changes it while the backend is down.
    await patchWeights(ns, [60, 40]);
    const second = await replica(ns, database);
    try {
      await waitFor(
        'the observed record',
        async () => observed(await history(second.server)).length > 0,
        5_000,
      );
      const [record] = observed(await history(second.server));
      expect(record).toMatchObject({
        action: 'observed-change',
        actor: 'kubectl-patch',
      });
      expect(split(record.weightsBefore)).toBe('v1:75 v2:25');
      expect(split(record.weightsAfter)).toBe('v1:60 v2:40');
      expect(record.message).toMatch(/while the plugin was not watching/);
    } finally {
      await second.stop();
    }
    // A start with nothing changed records nothing more.
    const third = await replica(ns, database);
    try {
      await new Promise(r => setTimeout(r, 1_500));
      expect(observed(await history(third.server))).toHaveLength(1);
    } finally {
      await third.stop();
    }
  });
});

const postgres = testDatabaseIds().find(id => id.startsWith('POSTGRES'));

(postgres ? describe : describe.skip)(
  'observed changes, two replicas on one PostgreSQL',
  () => {
    const databases = TestDatabases.create({ ids: postgres ? [postgres] : [] });

    it('records a kubectl change once, whichever replica sees it first', async () => {
      const ns = await createTestNamespace('observed-pg');
      testNamespace = ns;
      await createWebService(ns);
      const first = await databases.init(postgres!);
      // A second, independent pool to the same database: another replica's.
      const second = knexFactory(first.client.config);
      const a = await replica(ns, first);
      const b = await replica(ns, second);
      try {
        for (const weights of [
          [70, 30],
          [50, 50],
        ] as Array<[number, number]>) {
          await patchWeights(ns, weights);
          const want = `v1:${weights[0]} v2:${weights[1]}`;
          await waitFor(
            'the observed record',
            async () =>
              observed(await history(b.server)).some(
                r => split(r.weightsAfter) === want,
              ),
            5_000,
          );
        }
        await new Promise(r => setTimeout(r, 1_500));
        for (const server of [a.server, b.server]) {
          const records = observed(await history(server));
          expect(
            records.map(r => `${r.actor} ${split(r.weightsAfter)}`),
          ).toEqual(['kubectl-patch v1:50 v2:50', 'kubectl-patch v1:70 v2:30']);
        }
      } finally {
        await a.stop();
        await b.stop();
        await second.destroy();
      }
    });
  },
);
