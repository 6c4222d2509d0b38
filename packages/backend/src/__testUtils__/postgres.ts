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

import knexFactory from 'knex';

/**
 * The test PostgreSQL that the Jest global setup (test/postgres/jest)
 * started, e.g. POSTGRES_15, whose server is in
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING.
 */
export function postgresConnectionString(): string {
  const id = process.env.ISTIO_ROLLOUTS_TEST_POSTGRES_ID;
  const connection =
    id &&
    process.env[
      `BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`
    ];
  if (!connection) {
    throw new Error(
      "No test PostgreSQL: run through the Jest global setup (test/postgres/jest), e.g. 'yarn backstage-cli repo test packages/backend/src/replicas.test.ts'",
    );
  }
  return connection;
}

/** Drops the databases of one installation (`<prefix><pluginId>`). */
export async function dropDatabases(connectionString: string, prefix: string) {
  const db = knexFactory({ client: 'pg', connection: connectionString });
  try {
    const { rows } = await db.raw(
      'SELECT datname FROM pg_database WHERE datname LIKE ?',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await db.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [datname]);
    }
  } finally {
    await db.destroy();
  }
}
