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

// One backend replica of the plugin as a real process, for tests that kill
// the process (replicaFaults.test.ts). Run from the repository root:
//
//   node --require @backstage/cli/config/nodeTransform.cjs \
//     plugins/istio-rollouts-backend/src/__testUtils__/replica.ts
//
// Environment: ISTIO_ROLLOUTS_TEST_CLUSTER (the cluster, as for every
// test), REPLICA_DATABASE (JSON knex config of the shared database),
// REPLICA_NAMESPACE (the namespace of the `web` entity's VirtualService),
// REPLICA_CONFIG (JSON merged into `istioRollouts`), and
// REPLICA_HOLD_APISERVER_PID (the pid of a PRIVATE cluster's kube-apiserver)
// to hold the first VirtualService write in flight: right before it is
// sent, that API server is paused (SIGSTOP), so the write goes out and gets
// no answer; `HOLDING <path>` is printed once it is on its way. Prints
// `READY <port>` when serving. Nothing here mocks the API server or the
// database: the hold only chooses the moment of a real pause.

import knexFactory from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { KubeApi } from '../cluster/KubeApi';
import { serviceEntity, startPlugin, testScheduler } from './fixtures';

async function main() {
  const namespace = process.env.REPLICA_NAMESPACE!;
  const database = knexFactory(JSON.parse(process.env.REPLICA_DATABASE!));

  const holdPid = Number(process.env.REPLICA_HOLD_APISERVER_PID ?? 0);
  if (holdPid > 0) {
    const original = KubeApi.prototype.jsonPatch;
    let held = false;
    KubeApi.prototype.jsonPatch = function hold<T>(
      this: KubeApi,
      path: string,
      ops: unknown[],
      fieldManager: string,
      dryRun = false,
    ): Promise<T> {
      if (held || dryRun || !path.includes('/virtualservices/')) {
        return original.call(this, path, ops, fieldManager, dryRun) as any;
      }
      held = true;
      process.kill(holdPid, 'SIGSTOP');
      const sent = original.call(this, path, ops, fieldManager, dryRun);
      // The request is written to its socket synchronously; give the
      // loopback a moment to carry it into the (paused) server's buffer.
      setTimeout(() => process.stdout.write(`HOLDING ${path}\n`), 250);
      return sent as any;
    };
  }

  const { server } = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${namespace}/web`,
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
    database: database as any,
    // This replica runs no scheduled task: the test's other replica does.
    scheduler: testScheduler(),
    permission: AuthorizeResult.ALLOW,
    config: {
      istioRollouts: {
        driftWatchSeconds: 2,
        ...JSON.parse(process.env.REPLICA_CONFIG ?? '{}'),
      },
    },
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`READY ${port}\n`);
}

main().catch(error => {
  process.stderr.write(`replica failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
