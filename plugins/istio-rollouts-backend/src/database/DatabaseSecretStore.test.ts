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
import { DatabaseSecretStore } from './DatabaseSecretStore';

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

jest.setTimeout(60_000);

// Each replica (or restart) is a DatabaseService of its own over the same
// database.
const replica = (knex: Knex) =>
  DatabaseSecretStore.create({
    database: mockServices.database.mock({ getClient: async () => knex }),
  });

describe('DatabaseSecretStore', () => {
  const databases = TestDatabases.create({ ids: testDatabaseIds() });

  describe.each(databases.eachSupportedId())('%p', databaseId => {
    let knex: Knex;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('creates a random 32-byte secret once, then returns it to every replica and after restarts', async () => {
      const first = await replica(knex);
      const secret = await first.getOrCreate('signal-topics');
      expect(secret).toBeInstanceOf(Buffer);
      expect(secret).toHaveLength(32);
      expect(await first.getOrCreate('signal-topics')).toEqual(secret);

      const restarted = await replica(knex);
      expect(await restarted.getOrCreate('signal-topics')).toEqual(secret);
      // Another name, another secret.
      expect(await restarted.getOrCreate('other')).not.toEqual(secret);
    });

    it('gives replicas that start together the same secret', async () => {
      const stores = [await replica(knex), await replica(knex)];
      const [a, b, c] = await Promise.all([
        stores[0].getOrCreate('signal-topics'),
        stores[1].getOrCreate('signal-topics'),
        stores[0].getOrCreate('signal-topics'),
      ]);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(await knex('istio_rollouts_secrets').pluck('name')).toEqual([
        'signal-topics',
      ]);
    });

    it('differs from one database to another', async () => {
      const other = await databases.init(databaseId);
      try {
        const here = await (await replica(knex)).getOrCreate('signal-topics');
        const there = await (await replica(other)).getOrCreate('signal-topics');
        expect(there).not.toEqual(here);
      } finally {
        await other.destroy();
      }
    });
  });
});
