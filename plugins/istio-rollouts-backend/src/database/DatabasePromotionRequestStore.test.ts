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
import { DatabasePromotionRequestStore } from './DatabasePromotionRequestStore';
import { NewPromotionRequest } from './PromotionRequestStore';

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

jest.setTimeout(60_000);

const T0 = new Date('2026-11-26T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function newRequest(
  overrides: Partial<NewPromotionRequest> = {},
): NewPromotionRequest {
  return {
    entityRef: 'component:default/reviews',
    target: {
      cluster: 'local',
      namespace: 'shop',
      virtualService: 'reviews',
      route: 'primary',
    },
    change: { type: 'promote-next' },
    reason: 'error rate flat for an hour',
    requestedBy: 'user:default/bob',
    createdAt: T0.toISOString(),
    expiresAt: minutes(60).toISOString(),
    before: {
      index: 1,
      name: 'primary',
      destinations: [
        { host: 'reviews', subset: 'v1', weight: 90 },
        { host: 'reviews', subset: 'v2', weight: 10 },
      ],
    },
    plannedAfter: {
      index: 1,
      name: 'primary',
      destinations: [
        { host: 'reviews', subset: 'v1', weight: 75 },
        { host: 'reviews', subset: 'v2', weight: 25 },
      ],
    },
    resourceVersion: '1234',
    ...overrides,
  };
}

describe('DatabasePromotionRequestStore', () => {
  const databases = TestDatabases.create({ ids: testDatabaseIds() });

  describe.each(databases.eachSupportedId())('%p', databaseId => {
    let knex: Knex;
    let store: DatabasePromotionRequestStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabasePromotionRequestStore.create({
        database: mockServices.database.mock({ getClient: async () => knex }),
      });
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('stores a pending request and reads it back as it was given', async () => {
      const input = newRequest({
        target: {
          cluster: 'local',
          namespace: 'shop',
          virtualService: 'reviews',
          route: 2,
        },
      });
      const created = await store.create(input);

      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).toEqual({ ...input, id: created.id, status: 'pending' });
      // A route index comes back as a number, not the text it is stored as.
      expect(created.target.route).toBe(2);
      expect(await store.get(created.id)).toEqual(created);
      expect(
        await store.get('00000000-0000-4000-8000-000000000000'),
      ).toBeUndefined();
    });

    it('keeps the kind of an HTTPRoute target, and none for a VirtualService', async () => {
      const input = newRequest({
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'inventory',
          route: 0,
          kind: 'HTTPRoute',
        },
      });
      const created = await store.create(input);
      expect((await store.get(created.id))?.target).toEqual(input.target);
      const plain = await store.create(newRequest());
      expect((await store.get(plain.id))?.target).not.toHaveProperty('kind');
    });

    it('counts pending requests per route, leaving decided ones out', async () => {
      const target = (route: string, kind?: 'HTTPRoute') => ({
        cluster: 'local',
        namespace: 'shop',
        virtualService: 'reviews',
        route,
        ...(kind && { kind }),
      });
      await store.create(newRequest());
      await store.create(newRequest());
      const decided = await store.create(newRequest());
      await store.close(decided.id, {
        status: 'cancelled',
        by: 'user:default/bob',
        now: minutes(1),
      });
      await store.create(newRequest({ target: target('0') }));
      await store.create(
        newRequest({ target: target('primary', 'HTTPRoute') }),
      );
      const counts = await store.pendingCounts();
      expect(
        counts
          .map(
            c =>
              `${c.kind ?? 'VirtualService'} ${c.name} ${c.route}: ${c.count}`,
          )
          .sort(),
      ).toEqual([
        'HTTPRoute reviews primary: 1',
        'VirtualService reviews 0: 1',
        'VirtualService reviews primary: 2',
      ]);
    });

    it('lists newest first, by entity and status', async () => {
      const a = await store.create(newRequest());
      const b = await store.create(
        newRequest({ createdAt: minutes(1).toISOString() }),
      );
      const other = await store.create(
        newRequest({
          entityRef: 'component:default/ratings',
          createdAt: minutes(2).toISOString(),
        }),
      );
      await store.close(a.id, {
        status: 'rejected',
        by: 'user:default/alice',
        reason: 'not today',
        now: minutes(3),
      });

      const ids = (list: Array<{ id: string }>) => list.map(r => r.id);
      expect(ids(await store.list({}))).toEqual([other.id, b.id, a.id]);
      expect(
        ids(await store.list({ entityRef: 'component:default/reviews' })),
      ).toEqual([b.id, a.id]);
      expect(
        ids(
          await store.list({
            entityRef: 'component:default/reviews',
            statuses: ['pending'],
          }),
        ),
      ).toEqual([b.id]);
      expect(ids(await store.list({ limit: 1 }))).toEqual([other.id]);
    });

    it('lets exactly one of two concurrent approvals claim a request', async () => {
      const { id } = await store.create(newRequest());

      const claims = await Promise.all([
        store.claimForApproval(id, 'user:default/alice', 'ok', minutes(5)),
        store.claimForApproval(id, 'user:default/carol', undefined, minutes(5)),
      ]);

      const won = claims.filter(Boolean);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ status: 'approving' });
      const stored = await store.get(id);
      expect(stored?.decidedBy).toBe(won[0]!.decidedBy);
      expect(stored?.decidedAt).toBe(minutes(5).toISOString());

      // Nor can it be rejected or cancelled while it is being applied.
      expect(
        await store.close(id, {
          status: 'cancelled',
          by: 'user:default/bob',
          now: minutes(6),
        }),
      ).toBeUndefined();

      const finished = await store.finishApproval(id, {
        status: 'applied',
        resourceVersionAfter: '1240',
      });
      expect(finished).toMatchObject({
        status: 'applied',
        resourceVersionAfter: '1240',
      });
      await expect(
        store.finishApproval(id, { status: 'failed', message: 'again' }),
      ).rejects.toThrow(/not being approved/);
      expect((await store.get(id))?.status).toBe('applied');
    });

    it('does not let an expired request be claimed, and expires it once', async () => {
      const due = await store.create(newRequest());
      const later = await store.create(
        newRequest({ expiresAt: minutes(120).toISOString() }),
      );

      expect(
        await store.claimForApproval(
          due.id,
          'user:default/alice',
          '',
          minutes(60),
        ),
      ).toBeUndefined();

      const [first, second] = await Promise.all([
        store.expireDue(minutes(61)),
        store.expireDue(minutes(61)),
      ]);
      // Both runs saw the due request; only one of them moved it.
      expect([...first, ...second].map(r => r.id)).toEqual([due.id]);
      expect(await store.get(due.id)).toMatchObject({
        status: 'expired',
        decidedAt: minutes(61).toISOString(),
      });
      expect((await store.get(later.id))?.status).toBe('pending');
      expect(await store.expireDue(minutes(61))).toEqual([]);
    });

    it('fails approvals whose backend stopped half-way, and only those', async () => {
      const stuck = await store.create(newRequest());
      const fresh = await store.create(newRequest());
      await store.claimForApproval(
        stuck.id,
        'user:default/alice',
        '',
        minutes(1),
      );
      await store.claimForApproval(
        fresh.id,
        'user:default/alice',
        '',
        minutes(20),
      );

      const failed = await store.failAbandoned(minutes(11), 'replica stopped');

      expect(failed.map(r => r.id)).toEqual([stuck.id]);
      expect(await store.get(stuck.id)).toMatchObject({
        status: 'failed',
        message: 'replica stopped',
      });
      expect((await store.get(fresh.id))?.status).toBe('approving');
    });

    it('corrects a failed approval to applied once its unknown write is confirmed, and nothing else', async () => {
      const unknown = await store.create(newRequest());
      const pending = await store.create(newRequest());
      await store.claimForApproval(
        unknown.id,
        'user:default/alice',
        '',
        minutes(1),
      );
      await store.finishApproval(unknown.id, {
        status: 'failed',
        message: 'not known yet whether it was applied',
      });
      const settled = {
        message: 'Applied (confirmed later)',
        resourceVersionAfter: '77',
      };

      expect(
        await store.settleUnknownApproval(pending.id, settled),
      ).toBeUndefined();
      expect((await store.get(pending.id))?.status).toBe('pending');
      expect(
        await store.settleUnknownApproval(unknown.id, settled),
      ).toMatchObject({
        status: 'applied',
        ...settled,
      });
      // A second replica's correction finds nothing to do.
      expect(
        await store.settleUnknownApproval(unknown.id, settled),
      ).toBeUndefined();
    });

    it('closes only pending requests, recording who and why', async () => {
      const { id } = await store.create(newRequest());

      const rejected = await store.close(id, {
        status: 'rejected',
        by: 'user:default/alice',
        reason: 'error budget spent',
        now: minutes(2),
      });
      expect(rejected).toMatchObject({
        status: 'rejected',
        decidedBy: 'user:default/alice',
        decisionReason: 'error budget spent',
        decidedAt: minutes(2).toISOString(),
      });
      expect(
        await store.close(id, {
          status: 'cancelled',
          by: 'user:default/bob',
          now: minutes(3),
        }),
      ).toBeUndefined();
      expect(
        await store.claimForApproval(id, 'user:default/carol', '', minutes(3)),
      ).toBeUndefined();
      expect((await store.get(id))?.status).toBe('rejected');
    });
  });
});
