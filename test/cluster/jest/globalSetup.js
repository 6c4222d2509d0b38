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

// Jest global setup: one real cluster per test run, shared by every Jest
// project that lists this file (Jest calls it once per project, in the same
// parent process, so the first call starts it and the others reuse it).
// Workers find it through ISTIO_ROLLOUTS_TEST_CLUSTER (path of cluster.json).
'use strict';

const path = require('node:path');
const { startCluster } = require('../cluster.js');

const KEY = Symbol.for('istio-rollouts.test-cluster');

module.exports = async function globalSetup() {
  let shared = globalThis[KEY];
  if (!shared) {
    const log = msg => process.stderr.write(`[test-cluster] ${msg}\n`);
    shared = { users: 0, cluster: startCluster({ seed: true, log }) };
    globalThis[KEY] = shared;
  }
  shared.users += 1;
  const cluster = await shared.cluster;
  process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
    cluster.stateDir,
    'cluster.json',
  );
};
