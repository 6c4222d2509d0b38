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

import { testDatabaseIds } from '../__testUtils__/databases';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { AuditRecord, NewAuditRecord } from './AuditStore';
import { DatabaseAuditStore } from './DatabaseAuditStore';
import { RouteChangeTimes } from '../service/RouteChangeTimes';

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

const TABLE = 'istio_rollouts_audit_records';

jest.setTimeout(60_000);

function newRecord(overrides: Partial<NewAuditRecord> = {}): NewAuditRecord {
  return {
    actor: 'user:default/alice',
    entityRef: 'component:default/reviews',
    action: 'promote-next',
    outcome: 'applied',
    cluster: 'local',
    namespace: 'shop',
    virtualService: 'reviews',
    route: 'primary',
    ...overrides,
  };
}

describe('DatabaseAuditStore', () => {
  const databases = TestDatabases.create({ ids: testDatabaseIds() });

  describe.each(databases.eachSupportedId())('%p', databaseId => {
    let knex: Knex;
    let store: DatabaseAuditStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabaseAuditStore.create({
        database: mockServices.database.mock({ getClient: async () => knex }),
      });
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('returns the stored record with its id and time', async () => {
      const before = Date.now();
      const weightsBefore = {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'reviews', subset: 'v1', weight: 90 },
          { host: 'reviews', subset: 'v2', weight: 10 },
        ],
      };
      const weightsAfter = {
        ...weightsBefore,
        destinations: [
          { host: 'reviews', subset: 'v1', weight: 75 },
          { host: 'reviews', subset: 'v2', weight: 25 },
        ],
      };
      const record = await store.append(
        newRecord({
          approver: 'user:default/bob',
          weightsBefore,
          weightsAfter,
          resourceVersionBefore: '101',
          resourceVersionAfter: '102',
          reason: 'metrics look fine',
          requestId: 'req-1',
        }),
      );

      expect(record).toEqual({
        id: expect.any(String),
        createdAt: expect.any(String),
        actor: 'user:default/alice',
        approver: 'user:default/bob',
        entityRef: 'component:default/reviews',
        action: 'promote-next',
        outcome: 'applied',
        cluster: 'local',
        namespace: 'shop',
        virtualService: 'reviews',
        route: 'primary',
        weightsBefore,
        weightsAfter,
        resourceVersionBefore: '101',
        resourceVersionAfter: '102',
        reason: 'metrics look fine',
        requestId: 'req-1',
      });
      const createdAt = Date.parse(record.createdAt);
      expect(new Date(createdAt).toISOString()).toBe(record.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(Date.now());

      // What list reads back is the same as what append returned.
      expect((await store.list({})).items).toEqual([record]);
    });

    it('stores a scale action without a VirtualService, and a numeric route as text', async () => {
      const scale = await store.append(
        newRecord({
          action: 'scale',
          outcome: 'failed',
          virtualService: undefined,
          route: undefined,
          workload: 'reviews-v1',
          weightsBefore: { replicas: 3 },
          weightsAfter: { replicas: 0 },
          message: 'deployments.apps "reviews-v1" is forbidden',
        }),
      );
      expect(scale).not.toHaveProperty('virtualService');
      expect(scale).not.toHaveProperty('route');
      expect(scale).toMatchObject({
        workload: 'reviews-v1',
        weightsBefore: { replicas: 3 },
        message: 'deployments.apps "reviews-v1" is forbidden',
      });

      const indexed = await store.append(newRecord({ route: 0 }));
      expect(indexed.route).toBe('0');
    });

    it('refuses an unknown outcome', async () => {
      await expect(
        store.append(newRecord({ outcome: 'done' as any })),
      ).rejects.toThrow(InputError);
      expect((await store.list({})).items).toEqual([]);
    });

    it('narrows by each filter', async () => {
      const a = await store.append(newRecord());
      const b = await store.append(
        newRecord({ actor: 'user:default/bob', outcome: 'denied' }),
      );
      const c = await store.append(
        newRecord({
          entityRef: 'component:default/ratings',
          action: 'rollback',
          outcome: 'stale',
        }),
      );
      const d = await store.append(
        newRecord({ actor: undefined, action: 'rollback', outcome: 'expired' }),
      );
      const ids = async (options: Parameters<typeof store.list>[0]) =>
        (await store.list(options)).items.map(r => r.id);

      expect(await ids({})).toEqual([d.id, c.id, b.id, a.id]);
      expect(await ids({ entityRef: 'component:default/ratings' })).toEqual([
        c.id,
      ]);
      expect(await ids({ actor: 'user:default/bob' })).toEqual([b.id]);
      expect(await ids({ action: 'rollback' })).toEqual([d.id, c.id]);
      expect(await ids({ outcome: 'denied' })).toEqual([b.id]);
      expect(await ids({ outcome: 'failed' })).toEqual([]);
      // Filters combine with AND.
      expect(
        await ids({
          entityRef: 'component:default/reviews',
          action: 'rollback',
        }),
      ).toEqual([d.id]);
    });

    it('filters by time range, from inclusive and to exclusive', async () => {
      const times = [
        '2026-01-01T10:00:00.000Z',
        '2026-01-01T11:00:00.000Z',
        '2026-01-01T11:00:00.500Z',
        '2026-01-01T12:00:00.000Z',
      ];
      const records: AuditRecord[] = [];
      for (const time of times) {
        const record = await store.append(newRecord());
        // The store cannot backdate a record, so the test moves it directly.
        await knex(TABLE)
          .where('id', record.id)
          .update({ created_at: new Date(time) });
        records.push(record);
      }
      const list = async (from?: string, to?: string) =>
        (
          await store.list({
            from: from ? new Date(from) : undefined,
            to: to ? new Date(to) : undefined,
          })
        ).items;

      const inRange = await list(
        '2026-01-01T11:00:00.000Z',
        '2026-01-01T12:00:00.000Z',
      );
      expect(inRange.map(r => r.id)).toEqual([records[2].id, records[1].id]);
      // Milliseconds survive the round trip.
      expect(inRange.map(r => r.createdAt)).toEqual([times[2], times[1]]);

      expect((await list('2026-01-01T11:00:00.001Z')).map(r => r.id)).toEqual([
        records[3].id,
        records[2].id,
      ]);
      expect(
        (await list(undefined, '2026-01-01T11:00:00.000Z')).map(r => r.id),
      ).toEqual([records[0].id]);
    });

    it('walks every record exactly once, newest first, across pages', async () => {
      const appended: AuditRecord[] = [];
      for (let i = 0; i < 7; i++) {
        appended.push(await store.append(newRecord({ requestId: `req-${i}` })));
      }
      // A record of another entity, to check the filter holds across pages.
      await store.append(newRecord({ entityRef: 'component:default/other' }));

      const seen: AuditRecord[] = [];
      const pageSizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({
          entityRef: 'component:default/reviews',
          limit: 3,
          cursor,
        });
        pageSizes.push(page.items.length);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);

      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([...appended].reverse());

      // When the last page is exactly full, it still has no cursor.
      const exact = await store.list({
        entityRef: 'component:default/reviews',
        limit: 7,
      });
      expect(exact.items).toHaveLength(7);
      expect(exact).not.toHaveProperty('nextCursor');
    });

    it('refuses a malformed cursor', async () => {
      await store.append(newRecord());
      for (const cursor of ['', 'not base64!', '!!!', 'YWJj' /* "abc" */]) {
        await expect(store.list({ cursor })).rejects.toThrow(InputError);
      }
      // "0" and "-1" encode cleanly but are no id this store hands out.
      for (const id of ['0', '-1', '1.5']) {
        const cursor = Buffer.from(id).toString('base64url');
        await expect(store.list({ cursor })).rejects.toThrow(InputError);
      }
    });

    it('defaults the limit to 50 and clamps it to 1..500', async () => {
      await knex.batchInsert(
        TABLE,
        Array.from({ length: 502 }, (_, i) => ({
          created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          entity_ref: 'component:default/reviews',
          action: 'promote-next',
          outcome: 'applied',
          cluster: 'local',
          namespace: 'shop',
        })),
        100,
      );

      const byDefault = await store.list({});
      expect(byDefault.items).toHaveLength(50);
      expect(byDefault.nextCursor).toBeDefined();
      expect((await store.list({ limit: 10_000 })).items).toHaveLength(500);
      expect((await store.list({ limit: 0 })).items).toHaveLength(1);
      expect((await store.list({ limit: -5 })).items).toHaveLength(1);
      expect((await store.list({ limit: 2.7 })).items).toHaveLength(2);
      expect((await store.list({ limit: NaN })).items).toHaveLength(50);
    });

    it('has no way to remove a record, and changes only unknown outcomes', async () => {
      const methods = Object.getOwnPropertyNames(
        DatabaseAuditStore.prototype,
      ).filter(name => name !== 'constructor');
      expect(methods.sort()).toEqual([
        'append',
        'appendObserved',
        'list',
        'listUnsettled',
        // A read-only round trip (is the database reachable?).
        'ping',
        // A read-only scan of traffic changes (Releases in flight's "since").
        'routeChangeLog',
        'settle',
        'virtualServicesOnRecord',
      ]);
      const applied = await store.append(newRecord());
      expect(
        await store.settle(applied.id, { outcome: 'failed', message: 'no' }),
      ).toBe(false);
      expect((await store.list({})).items[0]).toEqual(applied);
    });

    it('settles an unknown outcome once', async () => {
      const unknown = await store.append(
        newRecord({ outcome: 'unknown', message: 'no answer in 10 s' }),
      );
      await store.append(newRecord());
      expect((await store.listUnsettled()).map(r => r.id)).toEqual([
        unknown.id,
      ]);
      const settled = {
        outcome: 'applied' as const,
        message: 'applied (checked when the cluster answered)',
        weightsAfter: { index: 1, destinations: [] },
        resourceVersionAfter: '42',
      };
      expect(await store.settle(unknown.id, settled)).toBe(true);
      // A second replica settling the same record finds it settled.
      expect(
        await store.settle(unknown.id, { outcome: 'failed', message: 'late' }),
      ).toBe(false);
      expect(await store.listUnsettled()).toEqual([]);
      const [, record] = (await store.list({})).items;
      expect(record).toMatchObject({ id: unknown.id, ...settled });
    });

    it('names the VirtualServices of a cluster with a route on record', async () => {
      await store.append(newRecord());
      await store.append(
        newRecord({ outcome: 'observed', virtualService: 'ratings' }),
      );
      await store.append(newRecord({ outcome: 'denied', virtualService: 'a' }));
      await store.append(newRecord({ cluster: 'other', virtualService: 'b' }));
      await store.append(
        newRecord({ action: 'scale', virtualService: undefined }),
      );
      expect(await store.virtualServicesOnRecord('local')).toEqual(
        new Set(['shop/reviews', 'shop/ratings']),
      );
    });

    it("keeps an HTTPRoute's records apart from a same-named VirtualService's", async () => {
      await store.append(newRecord({ action: 'start-canary' }));
      const http = await store.append(
        newRecord({ action: 'start-canary', routeKind: 'HTTPRoute' }),
      );
      expect(http.routeKind).toBe('HTTPRoute');
      const where = { cluster: 'local', namespace: 'shop', name: 'reviews' };
      const ofRoute = await store.list({
        virtualService: { ...where, kind: 'HTTPRoute' },
      });
      expect(ofRoute.items.map(r => r.id)).toEqual([http.id]);
      const ofVs = await store.list({ virtualService: where });
      expect(ofVs.items).toHaveLength(1);
      expect(ofVs.items[0]).not.toHaveProperty('routeKind');
      // The observed-change check compares VirtualServices only.
      expect(await store.virtualServicesOnRecord('local')).toEqual(
        new Set(['shop/reviews']),
      );
    });

    it('records an observed change once per key', async () => {
      const observed = newRecord({
        outcome: 'observed',
        action: 'observed-change',
        actor: 'kubectl-patch',
        entityRef: '',
        resourceVersionAfter: '7',
      });
      const key = 'local/uid-1/7/primary';
      const answers = await Promise.all([
        store.appendObserved(observed, key),
        store.appendObserved(observed, key),
      ]);
      expect(answers.sort()).toEqual([false, true]);
      expect(await store.appendObserved(observed, key)).toBe(false);
      expect(
        await store.appendObserved(observed, 'local/uid-1/8/primary'),
      ).toBe(true);
      expect((await store.list({})).items).toHaveLength(2);
      await expect(
        store.appendObserved(newRecord(), 'local/uid-1/9/primary'),
      ).rejects.toThrow(InputError);
    });

    it("lists an entity's records with the observed changes of its VirtualServices", async () => {
      const own = await store.append(newRecord());
      const observedHere = await store.append(
        newRecord({ outcome: 'observed', entityRef: '', actor: 'flagger' }),
      );
      await store.append(
        newRecord({
          outcome: 'observed',
          entityRef: '',
          actor: undefined,
          virtualService: 'ratings',
        }),
      );
      // Another entity's own action on the same VirtualService is not ours.
      await store.append(newRecord({ entityRef: 'component:default/other' }));
      const ids = async (options: object) =>
        (
          await store.list({
            entityRef: 'component:default/reviews',
            ...options,
          })
        ).items.map(r => r.id);
      const on = [{ cluster: 'local', namespace: 'shop', name: 'reviews' }];
      expect(await ids({ observedOn: on })).toEqual([observedHere.id, own.id]);
      expect(await ids({})).toEqual([own.id]);
      expect(await ids({ observedOn: on, hideObserved: true })).toEqual([
        own.id,
      ]);
      expect(
        (await store.list({ outcome: 'observed' })).items.map(r => r.actor),
      ).toEqual([undefined, 'flagger']);
    });

    it('logs the records that change routes by id, and re-reads given ids whatever their outcome', async () => {
      const ids: number[] = [];
      const add = async (overrides: Partial<NewAuditRecord>) => {
        const record = await store.append(newRecord(overrides));
        ids.push(Number(record.id));
        return record;
      };
      await add({ route: 'primary' });
      await add({ route: 'primary', outcome: 'observed' });
      await add({ route: 'primary', outcome: 'denied' });
      const unknown = await add({ route: '1', outcome: 'unknown' });
      await add({ route: 'primary', routeKind: 'HTTPRoute' });
      // A scale names no route.
      await add({ route: undefined, workload: 'Deployment/reviews-v1' });

      const log = await store.routeChangeLog({ afterId: 0, limit: 100 });
      expect(
        log.map(
          e => `${e.id - ids[0]} ${e.outcome} ${e.kind ?? 'VS'} ${e.route}`,
        ),
      ).toEqual([
        '0 applied VS primary',
        '1 observed VS primary',
        '3 unknown VS 1',
        '4 applied HTTPRoute primary',
      ]);
      expect(log[0]).toMatchObject({
        cluster: 'local',
        namespace: 'shop',
        name: 'reviews',
      });
      expect(Date.parse(log[0].at)).toBeGreaterThan(Date.now() - 60_000);
      // Paged by id.
      expect(
        (await store.routeChangeLog({ afterId: ids[1], limit: 1 })).map(
          e => e.id,
        ),
      ).toEqual([ids[3]]);
      await store.settle(unknown.id, { outcome: 'failed', message: 'gone' });
      expect(
        await store.routeChangeLog({ ids: [ids[3], ids[5]], limit: 10 }),
      ).toEqual([expect.objectContaining({ id: ids[3], outcome: 'failed' })]);
    });

    it("RouteChangeTimes: each route's newest change, kept up to date incrementally", async () => {
      const times = new RouteChangeTimes(store);
      const reviews = { cluster: 'local', namespace: 'shop', name: 'reviews' };
      const at = async (iso: string, overrides: Partial<NewAuditRecord>) => {
        const record = await store.append(newRecord(overrides));
        await knex(TABLE)
          .where({ id: Number(record.id) })
          .update({ created_at: new Date(iso) });
        return record;
      };
      await at('2026-11-01T00:00:00.000Z', { route: 'primary' });
      await at('2026-11-03T00:00:00.000Z', {
        route: 'primary',
        outcome: 'observed',
      });
      await at('2026-11-05T00:00:00.000Z', {
        route: 'primary',
        outcome: 'denied',
      });
      const pending = await at('2026-11-06T00:00:00.000Z', {
        route: 'primary',
        outcome: 'unknown',
      });
      await at('2026-11-07T00:00:00.000Z', {
        route: 'primary',
        routeKind: 'HTTPRoute',
      });
      await at('2026-11-08T00:00:00.000Z', {
        route: 'primary',
        cluster: 'prod',
      });
      await times.refresh();
      const iso = (ms: number | undefined) => ms && new Date(ms).toISOString();
      expect(iso(times.lastChange(reviews, 'primary'))).toBe(
        '2026-11-03T00:00:00.000Z',
      );
      expect(
        iso(times.lastChange({ ...reviews, kind: 'HTTPRoute' }, 'primary')),
      ).toBe('2026-11-07T00:00:00.000Z');
      expect(times.lastChange(reviews, '0')).toBeUndefined();
      // The unknown write is settled as applied: it counts now.
      await store.settle(pending.id, {
        outcome: 'applied',
        message: 'confirmed',
      });
      await at('2026-11-02T00:00:00.000Z', { route: '0' });
      await times.refresh();
      expect(iso(times.lastChange(reviews, 'primary'))).toBe(
        '2026-11-06T00:00:00.000Z',
      );
      expect(iso(times.lastChange(reviews, '0'))).toBe(
        '2026-11-02T00:00:00.000Z',
      );
    });
  });
});
