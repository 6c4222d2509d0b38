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

// Stops the shared PostgreSQL after the last project that uses it, then
// hands over to the cluster's teardown.
'use strict';

const clusterTeardown = require('../../cluster/jest/globalTeardown.js');

const KEY = Symbol.for('istio-rollouts.test-postgres');

module.exports = async function globalTeardown(globalConfig, projectConfig) {
  const shared = globalThis[KEY];
  if (shared) {
    shared.users -= 1;
    if (shared.users <= 0) {
      delete globalThis[KEY];
      const server = await shared.server.catch(() => undefined);
      await server?.stop();
    }
  }
  await clusterTeardown(globalConfig, projectConfig);
};
