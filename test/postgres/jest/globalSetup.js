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

// Jest global setup for packages whose tests need both the local cluster
// and a real PostgreSQL (the backend plugin's stores). Starts them in
// parallel; the PostgreSQL server is shared by every project that lists this
// file, like the cluster. Tests find it through Backstage's own variable,
// BACKSTAGE_TEST_DATABASE_POSTGRES<version>_CONNECTION_STRING, and the
// database id through ISTIO_ROLLOUTS_TEST_POSTGRES_ID (e.g. POSTGRES_15).
'use strict';

const clusterSetup = require('../../cluster/jest/globalSetup.js');
const { startPostgres } = require('../postgres.js');

const KEY = Symbol.for('istio-rollouts.test-postgres');

module.exports = async function globalSetup(globalConfig, projectConfig) {
  let shared = globalThis[KEY];
  if (!shared) {
    const log = msg => process.stderr.write(`[test-postgres] ${msg}\n`);
    shared = { users: 0, server: startPostgres({ log }) };
    globalThis[KEY] = shared;
  }
  shared.users += 1;
  const [server] = await Promise.all([
    shared.server,
    clusterSetup(globalConfig, projectConfig),
  ]);
  process.env[
    `BACKSTAGE_TEST_DATABASE_POSTGRES${server.version}_CONNECTION_STRING`
  ] = server.connectionString;
  process.env.ISTIO_ROLLOUTS_TEST_POSTGRES_ID = `POSTGRES_${server.version}`;
};
