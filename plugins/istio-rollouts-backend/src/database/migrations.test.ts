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
import fs from 'node:fs';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

const migrationsDir = resolvePackagePath(
  '@istio-rollouts/plugin-istio-rollouts-backend',
  'migrations',
);
const migrationsFiles = fs
  .readdirSync(migrationsDir)
  .filter(name => name.endsWith('.js'))
  .sort();

// Other migrations may come before or after this one; step through them one
// at a time so each test exercises exactly the migration it names.
async function migrateUntilBefore(knex: Knex, target: string) {
  const index = migrationsFiles.indexOf(target);
  if (index === -1) {
    throw new Error(`Migration ${target} not found in ${migrationsDir}`);
  }
  for (let i = 0; i < index; i++) {
    await knex.migrate.up({ directory: migrationsDir });
  }
}

// Columns without a comment. SQLite drops column comments, so only
// PostgreSQL can show them; on SQLite there is nothing to check.
async function uncommentedColumns(
  knex: Knex,
  databaseId: string,
  table: string,
): Promise<string[]> {
  if (!databaseId.startsWith('POSTGRES')) return [];
  const { rows } = await knex.raw(
    `SELECT a.attname FROM pg_attribute a
     WHERE a.attrelid = ?::regclass AND a.attnum > 0
       AND NOT a.attisdropped
       AND col_description(a.attrelid, a.attnum) IS NULL`,
    [table],
  );
  return rows.map((r: { attname: string }) => r.attname);
}

const up = (knex: Knex) => knex.migrate.up({ directory: migrationsDir });
const down = (knex: Knex) => knex.migrate.down({ directory: migrationsDir });

jest.setTimeout(60_000);

describe('migrations', () => {
  const databases = TestDatabases.create({ ids: testDatabaseIds() });

  describe.each(databases.eachSupportedId())('%p', databaseId => {
    it('20261126120000_audit_records.js steps up, down and up again', async () => {
      const knex = await databases.init(databaseId);
      const table = 'istio_rollouts_audit_records';

      await migrateUntilBefore(knex, '20261126120000_audit_records.js');
      expect(await knex.schema.hasTable(table)).toBe(false);

      await up(knex);
      expect(await knex.schema.hasTable(table)).toBe(true);

      expect(await uncommentedColumns(knex, databaseId, table)).toEqual([]);

      // Only the required columns: the rest are nullable, and created_at
      // and id come from their defaults.
      await knex(table).insert({
        entity_ref: 'component:default/reviews',
        action: 'rollback',
        outcome: 'applied',
        cluster: 'local',
        namespace: 'shop',
      });
      const rows = await knex(table).select();
      expect(rows).toEqual([
        expect.objectContaining({
          actor: null,
          approver: null,
          entity_ref: 'component:default/reviews',
          virtual_service: null,
          workload: null,
          route: null,
          weights_before: null,
          weights_after: null,
          resource_version_before: null,
          resource_version_after: null,
          reason: null,
          message: null,
          request_id: null,
        }),
      ]);
      expect(rows[0].id).toBeDefined();
      expect(rows[0].created_at).toBeTruthy();

      // The required columns really are required.
      const refused = await knex(table)
        .insert({
          action: 'rollback',
          outcome: 'applied',
          cluster: 'local',
          namespace: 'shop',
        })
        .then(
          () => undefined,
          (error: unknown) => error ?? new Error('rejected without a reason'),
        );
      expect(refused).toBeDefined();
      expect(String((refused as Error)?.message ?? refused)).toMatch(
        /entity_ref|not null|null value/i,
      );

      await down(knex);
      expect(await knex.schema.hasTable(table)).toBe(false);

      await up(knex);
      expect(await knex.schema.hasTable(table)).toBe(true);
      expect(await knex(table).select()).toEqual([]);

      await knex.destroy();
    });

    it('20261126170000_promotion_requests.js steps up, down and up again', async () => {
      const knex = await databases.init(databaseId);
      const table = 'istio_rollouts_promotion_requests';

      await migrateUntilBefore(knex, '20261126170000_promotion_requests.js');
      expect(await knex.schema.hasTable(table)).toBe(false);
      // The audit trail, an earlier migration, is there and untouched.
      expect(await knex.schema.hasTable('istio_rollouts_audit_records')).toBe(
        true,
      );

      await up(knex);
      expect(await knex.schema.hasTable(table)).toBe(true);
      expect(await uncommentedColumns(knex, databaseId, table)).toEqual([]);

      const row = {
        id: '7d0c1a56-5b7e-4a53-9d0e-2f1f6c7d9e01',
        created_at: new Date('2026-11-26T10:00:00.000Z'),
        expires_at: new Date('2026-11-27T10:00:00.000Z'),
        entity_ref: 'component:default/reviews',
        cluster: 'local',
        namespace: 'shop',
        virtual_service: 'reviews',
        route: 'primary',
        change: '{"type":"promote-next"}',
        reason: 'error rate flat for an hour',
        status: 'pending',
        requested_by: 'user:default/bob',
        route_before: '{}',
        route_planned_after: '{}',
        resource_version: '42',
      };
      await knex(table).insert(row);
      expect(await knex(table).select()).toEqual([
        expect.objectContaining({
          id: row.id,
          status: 'pending',
          decided_by: null,
          decided_at: null,
          decision_reason: null,
          message: null,
          resource_version_after: null,
        }),
      ]);
      // The primary key refuses a second request with the same id, and the
      // schema one without its requester. (better-sqlite3 through knex
      // sometimes rejects without a reason, so the rows are counted too.)
      const outcome = (query: Promise<unknown>) =>
        query.then(
          () => 'inserted',
          (error: unknown) => String((error as Error)?.message ?? 'refused'),
        );
      expect(await outcome(knex(table).insert(row))).not.toBe('inserted');
      expect(
        await outcome(
          knex(table).insert({
            ...row,
            id: 'c1c2c3c4-0000-4000-8000-000000000000',
            requested_by: null,
          }),
        ),
      ).not.toBe('inserted');
      expect(await knex(table).select('id')).toEqual([{ id: row.id }]);

      await down(knex);
      expect(await knex.schema.hasTable(table)).toBe(false);
      expect(await knex.schema.hasTable('istio_rollouts_audit_records')).toBe(
        true,
      );
      await up(knex);
      expect(await knex(table).select()).toEqual([]);

      await knex.destroy();
    });

    it('20261126180000_audit_actor_index.js replaces the actor index with (actor, id)', async () => {
      const knex = await databases.init(databaseId);
      const indexes = async () =>
        databaseId.startsWith('POSTGRES')
          ? (
              await knex.raw(
                `SELECT indexname AS name FROM pg_indexes WHERE tablename = ? ORDER BY 1`,
                ['istio_rollouts_audit_records'],
              )
            ).rows.map((r: { name: string }) => r.name)
          : (
              await knex.raw(
                `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY 1`,
                ['istio_rollouts_audit_records'],
              )
            ).map((r: { name: string }) => r.name);

      await migrateUntilBefore(knex, '20261126180000_audit_actor_index.js');
      await knex('istio_rollouts_audit_records').insert({
        actor: 'user:default/alice',
        entity_ref: 'component:default/reviews',
        action: 'rollback',
        outcome: 'applied',
        cluster: 'local',
        namespace: 'shop',
      });
      expect(await indexes()).toContain('istio_rollouts_audit_actor_idx');

      await up(knex);
      expect(await indexes()).toContain('istio_rollouts_audit_actor_id_idx');
      expect(await indexes()).not.toContain('istio_rollouts_audit_actor_idx');
      // The records are untouched.
      expect(await knex('istio_rollouts_audit_records').pluck('actor')).toEqual(
        ['user:default/alice'],
      );

      await down(knex);
      expect(await indexes()).toContain('istio_rollouts_audit_actor_idx');
      expect(await indexes()).not.toContain(
        'istio_rollouts_audit_actor_id_idx',
      );
      await up(knex);
      expect(await indexes()).toContain('istio_rollouts_audit_actor_id_idx');

      await knex.destroy();
    });

    it('20261127090000_secrets.js keeps one secret per name, steps down and up again', async () => {
      const knex = await databases.init(databaseId);
      const table = 'istio_rollouts_secrets';

      await migrateUntilBefore(knex, '20261127090000_secrets.js');
      expect(await knex.schema.hasTable(table)).toBe(false);

      await up(knex);
      expect(await knex.schema.hasTable(table)).toBe(true);
      expect(await uncommentedColumns(knex, databaseId, table)).toEqual([]);

      await knex(table).insert({ name: 'signal-topics', secret: 'first' });
      const [row] = await knex(table).select();
      expect(row).toMatchObject({ name: 'signal-topics', secret: 'first' });
      expect(row.created_at).toBeTruthy();
      // A second replica's insert-if-absent keeps the first secret.
      await knex(table)
        .insert({ name: 'signal-topics', secret: 'second' })
        .onConflict('name')
        .ignore();
      expect(await knex(table).select('name', 'secret')).toEqual([
        { name: 'signal-topics', secret: 'first' },
      ]);

      await down(knex);
      expect(await knex.schema.hasTable(table)).toBe(false);
      // The tables of earlier migrations are untouched.
      expect(await knex.schema.hasTable('istio_rollouts_audit_records')).toBe(
        true,
      );
      await up(knex);
      expect(await knex(table).select()).toEqual([]);

      await knex.destroy();
    });

    it('20261130120000_observed_changes.js keys observed changes uniquely, steps down and up again', async () => {
      const knex = await databases.init(databaseId);
      const table = 'istio_rollouts_audit_records';
      const record = (key: string | null) => ({
        entity_ref: '',
        action: 'observed-change',
        outcome: 'observed',
        cluster: 'local',
        namespace: 'shop',
        virtual_service: 'reviews',
        observed_key: key,
      });

      await migrateUntilBefore(knex, '20261130120000_observed_changes.js');
      const { observed_key: _none, ...older } = record(null);
      await knex(table).insert(older);

      await up(knex);
      expect(await uncommentedColumns(knex, databaseId, table)).toEqual([]);
      await knex(table).insert(record('local/uid/7/primary'));
      // The store's insert-if-absent: the unique key admits one row.
      const again = await knex(table)
        .insert(record('local/uid/7/primary'))
        .onConflict('observed_key')
        .ignore()
        .returning('id');
      expect(again).toEqual([]);
      // Writes of the plugin have no key: any number of them.
      await knex(table).insert([record(null), record(null)]);
      expect(await knex(table).count({ n: '*' })).toEqual([
        { n: databaseId.startsWith('POSTGRES') ? '4' : 4 },
      ]);

      await down(knex);
      expect(await knex.schema.hasColumn(table, 'observed_key')).toBe(false);
      expect(await knex.schema.hasColumn(table, 'settled_at')).toBe(false);
      await up(knex);
      expect(await knex.schema.hasColumn(table, 'observed_key')).toBe(true);

      await knex.destroy();
    });
  });
});
