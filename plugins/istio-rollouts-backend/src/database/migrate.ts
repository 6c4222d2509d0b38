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
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';

// The Knex type as DatabaseService hands it out, so this package needs no
// direct dependency on knex.
export type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

const migrated = new WeakMap<DatabaseService, Promise<Knex>>();

async function migrate(database: DatabaseService): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({
      directory: resolvePackagePath(
        '@istio-rollouts/plugin-istio-rollouts-backend',
        'migrations',
      ),
    });
  }
  return client;
}

/**
 * The plugin's database client, migrated to the latest schema unless the
 * adopter set `database.migrations.skip`. Knex's migration lock makes
 * replicas starting together run each migration once.
 */
export function migratedClient(database: DatabaseService): Promise<Knex> {
  // Each store asks for the client; the migrations run once per database.
  let client = migrated.get(database);
  if (!client) {
    client = migrate(database);
    migrated.set(database, client);
    client.catch(() => migrated.delete(database));
  }
  return client;
}

/**
 * A timestamp column as the drivers return it: a Date from pg, epoch
 * milliseconds from SQLite (knex binds Dates so), or SQLite's
 * CURRENT_TIMESTAMP text (UTC without a zone) when a column default wrote it.
 */
export function toIsoString(value: Date | number | string): string {
  if (typeof value === 'string') {
    const utc = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value)
      ? `${value.replace(' ', 'T')}Z`
      : value;
    return new Date(utc).toISOString();
  }
  return new Date(value).toISOString();
}
