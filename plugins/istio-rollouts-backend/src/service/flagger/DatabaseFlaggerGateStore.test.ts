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

import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { testDatabaseIds } from '../../__testUtils__/databases';
import { DatabaseFlaggerGateStore } from './DatabaseFlaggerGateStore';

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

jest.setTimeout(60_000);

const CALLS = 'istio_rollouts_flagger_gate_calls';
const OPENINGS = 'istio_rollouts_flagger_gate_openings';
const MIGRATION = '20261201090000_flagger_gates.js';
const migrationsDir = resolvePackagePath(
  '@istio-rollouts/plugin-istio-rollouts-backend',
  'migrations',
);

// Each replica is a DatabaseService of its own over the same database.
const replica = (knex: Knex) =>
  DatabaseFlaggerGateStore.create({
    database: mockServices.database.mock({ getClient: async () => knex }),
  });

// Columns without a comment. SQLite drops column comments, so only
// PostgreSQL can show them.
async function uncommentedColumns(knex: Knex, databaseId: string) {
  if (!databaseId.startsWith('POSTGRES')) return [];
  const { rows } = await knex.raw(
    `SELECT c.relname, a.attname FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relname IN (?, ?) AND a.attnum > 0 AND NOT a.attisdropped
       AND col_description(a.attrelid, a.attnum) IS NULL`,
    [CALLS, OPENINGS],
  );
  return rows;
}

const podinfo = { cluster: 'local', namespace: 'demo', canary: 'podinfo' };

describe('DatabaseFlaggerGateStore', () => {
  const databases = TestDatabases.create({ ids: testDatabaseIds() });

  describe.each(databases.eachSupportedId())('%p', databaseId => {
    let knex: Knex;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it(`${MIGRATION} steps up, down and up again, every column commented`, async () => {
      const names = (await knex.migrate.list({ directory: migrationsDir }))[1]
        .map((m: { file: string } | string) =>
          typeof m === 'string' ? m : m.file,
        )
        .sort();
      // Everything before it, then it alone.
      for (const name of names) {
        if (name === MIGRATION) break;
        await knex.migrate.up({ directory: migrationsDir });
      }
      expect(await knex.schema.hasTable(CALLS)).toBe(false);
      await knex.migrate.up({ directory: migrationsDir, name: MIGRATION });
      expect(await knex.schema.hasTable(CALLS)).toBe(true);
      expect(await knex.schema.hasTable(OPENINGS)).toBe(true);
      expect(await uncommentedColumns(knex, databaseId)).toEqual([]);
      await knex.migrate.down({ directory: migrationsDir });
      expect(await knex.schema.hasTable(CALLS)).toBe(false);
      expect(await knex.schema.hasTable(OPENINGS)).toBe(false);
      await knex.migrate.up({ directory: migrationsDir, name: MIGRATION });
      expect(await knex(CALLS).select()).toEqual([]);
    });

    it('keeps one row per gate: the last call, from any replica', async () => {
      const [a, b] = [await replica(knex), await replica(knex)];
      await a.recordCall({
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r1',
        revisionKey: 'k1',
        phase: 'Progressing',
        answeredOpen: false,
        calledAt: new Date('2026-12-01T10:00:00.123Z'),
      });
      await b.recordCall({
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r2',
        phase: 'WaitingPromotion',
        answeredOpen: true,
        calledAt: new Date('2026-12-01T10:01:00.456Z'),
      });
      await b.recordCall({
        ...podinfo,
        gate: 'rollback',
        revision: 'r2',
        revisionKey: 'k2',
        phase: 'WaitingPromotion',
        answeredOpen: false,
        calledAt: new Date('2026-12-01T10:01:00.789Z'),
      });
      expect(Number((await knex(CALLS).count({ n: '*' }))[0].n)).toBe(2);
      // Replicas answering Flagger at once still keep one row per gate.
      await Promise.all(
        [0, 1, 2, 3, 4, 5].map(i =>
          [a, b][i % 2].recordCall({
            ...podinfo,
            gate: 'confirm-rollout',
            revision: 'r1',
            phase: 'Waiting',
            answeredOpen: false,
            calledAt: new Date(Date.UTC(2026, 11, 1, 9, 0, 0, i)),
          }),
        ),
      );
      expect(Number((await knex(CALLS).count({ n: '*' }))[0].n)).toBe(3);
      expect(
        await a.getCall({ ...podinfo, gate: 'confirm-promotion' }),
      ).toEqual({
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r2',
        phase: 'WaitingPromotion',
        answeredOpen: true,
        calledAt: '2026-12-01T10:01:00.456Z',
      });
      expect(
        await b.getCall({ ...podinfo, gate: 'confirm-rollout' }),
      ).toMatchObject({
        revision: 'r1',
        calledAt: expect.stringMatching(/^2026-12-01T09:00:00\.00[0-5]Z$/),
      });
      expect(
        await a.getCall({ ...podinfo, gate: 'confirm-traffic-increase' }),
      ).toBeUndefined();
      expect(
        await a.getCall({ ...podinfo, canary: 'other', gate: 'rollback' }),
      ).toBeUndefined();
    });

    it('makes one opening of concurrent opens, and keeps the first', async () => {
      const stores = [await replica(knex), await replica(knex)];
      const open = (i: number) =>
        stores[i % 2].open({
          ...podinfo,
          gate: 'confirm-promotion',
          revision: 'r1',
          openedBy: `user:default/owner-${i}`,
          openedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, 0, i)),
          reason: `reason ${i}`,
        });
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map(open));
      expect(results.filter(r => r.created)).toHaveLength(1);
      const winner = results.find(r => r.created)!.opening;
      for (const r of results) expect(r.opening).toEqual(winner);
      expect(Number((await knex(OPENINGS).count({ n: '*' }))[0].n)).toBe(1);
      expect(winner).toEqual({
        id: expect.any(String),
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r1',
        openedBy: expect.stringMatching(/^user:default\/owner-\d$/),
        openedAt: expect.stringMatching(/^2026-12-01T10:00:00\.00\dZ$/),
        reason: expect.stringMatching(/^reason \d$/),
      });
      // Another revision is another opening.
      const next = await stores[0].open({
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r2',
        openedBy: 'user:default/owner-0',
        openedAt: new Date('2026-12-01T11:00:00.000Z'),
      });
      expect(next.created).toBe(true);
      expect(next.opening.reason).toBeUndefined();
    });

    it('opens each traffic increase on its own', async () => {
      const store = await replica(knex);
      const increase = (weight: number, by: string) =>
        store.open({
          ...podinfo,
          gate: 'confirm-traffic-increase',
          revision: 'r1',
          canaryWeight: weight,
          openedBy: by,
          openedAt: new Date(),
        });
      expect((await increase(0, 'user:default/a')).created).toBe(true);
      expect((await increase(10, 'user:default/b')).created).toBe(true);
      const again = await increase(10, 'user:default/c');
      expect(again.created).toBe(false);
      expect(again.opening.openedBy).toBe('user:default/b');
      const openings = await store.openings({
        ...podinfo,
        gate: 'confirm-traffic-increase',
        revision: 'r1',
      });
      expect(openings.map(o => [o.canaryWeight, o.openedBy])).toEqual([
        [0, 'user:default/a'],
        [10, 'user:default/b'],
      ]);
      expect(
        await store.openings({
          ...podinfo,
          gate: 'confirm-promotion',
          revision: 'r1',
        }),
      ).toEqual([]);
    });

    it("describes every gate's last call with the openings of its revision", async () => {
      const store = await replica(knex);
      const call = (gate: any, revision: string, answeredOpen = false) =>
        store.recordCall({
          ...podinfo,
          gate,
          revision,
          revisionKey: `key-${revision}`,
          phase: 'Progressing',
          answeredOpen,
          calledAt: new Date('2026-12-01T10:00:00.000Z'),
        });
      const open = (gate: any, revision: string, canaryWeight?: number) =>
        store.open({
          ...podinfo,
          gate,
          revision,
          canaryWeight,
          openedBy: 'user:default/owner',
          openedAt: new Date('2026-12-01T09:59:00.000Z'),
        });
      await call('confirm-rollout', 'r1');
      await call('confirm-traffic-increase', 'r2');
      await call('confirm-promotion', 'r2');
      await open('confirm-rollout', 'r0'); // an older revision's
      await open('confirm-traffic-increase', 'r2', 10);
      await open('confirm-traffic-increase', 'r2', 20);
      await open('confirm-promotion', 'r2');
      // Another Canary's, not this one's.
      await store.recordCall({
        ...podinfo,
        canary: 'other',
        gate: 'rollback',
        revision: 'r9',
        phase: 'Progressing',
        answeredOpen: false,
        calledAt: new Date(),
      });

      const described = await store.describe(podinfo);
      const byGate = Object.fromEntries(
        described.map(d => [
          d.call.gate,
          {
            revision: d.call.revision,
            key: d.call.revisionKey,
            openings: d.openings.map(o => [o.revision, o.canaryWeight]),
          },
        ]),
      );
      expect(byGate).toEqual({
        'confirm-rollout': { revision: 'r1', key: 'key-r1', openings: [] },
        'confirm-traffic-increase': {
          revision: 'r2',
          key: 'key-r2',
          openings: [
            ['r2', 10],
            ['r2', 20],
          ],
        },
        'confirm-promotion': {
          revision: 'r2',
          key: 'key-r2',
          openings: [['r2', undefined]],
        },
      });
      expect(described[0].call.calledAt).toBe('2026-12-01T10:00:00.000Z');
      const promotion = described.find(
        d => d.call.gate === 'confirm-promotion',
      )!;
      expect(promotion.openings[0]).toEqual({
        id: expect.any(String),
        ...podinfo,
        gate: 'confirm-promotion',
        revision: 'r2',
        openedBy: 'user:default/owner',
        openedAt: '2026-12-01T09:59:00.000Z',
      });
      expect(await store.describe({ ...podinfo, canary: 'none' })).toEqual([]);
    });
  });
});
