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

import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { apiRequest, createTestNamespace } from '@internal/test-cluster';
import request from 'supertest';
import { testDatabaseIds } from '../__testUtils__/databases';
import {
  createWebService,
  serviceEntity,
  startPlugin,
  testScheduler,
  weightsOf,
} from '../__testUtils__/fixtures';
import { waitFor } from '../__testUtils__/waitFor';

// A backend replica killed (SIGKILL) in the middle of an approval, with a
// second replica running on the same PostgreSQL database. Replica A is a
// real child process (__testUtils__/replica.ts), replica B runs in-process.
// A's write is held in flight by pausing a PRIVATE cluster's API server
// (pausing the shared one would break the tests beside this); then A is
// killed and the API server resumed. B's scheduled tasks must bring the
// request to its true end, and the route must have moved at most once.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('@internal/test-cluster/cluster.js');

jest.setTimeout(150_000);

const API = '/api/istio-rollouts';
const ROOT = path.resolve(__dirname, '../../../..');
const as = (user: string) => mockCredentials.user.header(user);
const postgres = testDatabaseIds().find(id => id.startsWith('POSTGRES'));
const log = (msg: string) => process.stderr.write(`[replica-faults] ${msg}\n`);

(postgres ? describe : describe.skip)(
  'a replica killed mid-approval (private cluster, one PostgreSQL)',
  () => {
    const databases = TestDatabases.create({ ids: postgres ? [postgres] : [] });
    let cluster: any;
    let stateDir: string;
    let child: ChildProcess | undefined;
    const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;

    beforeAll(async () => {
      stateDir = fs.mkdtempSync(
        path.join(os.tmpdir(), 'istio-rollouts-replicas-'),
      );
      cluster = await startCluster({ stateDir, log });
      process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
        stateDir,
        'cluster.json',
      );
    }, 180_000);

    afterAll(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
      cluster?.resumeApiserver();
      await cluster?.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }, 60_000);

    // Replica A as a process of its own; resolves with its port once it
    // serves, and lets the test wait for what it prints.
    async function startReplica(env: Record<string, string>) {
      const proc = spawn(
        process.execPath,
        [
          '--require',
          '@backstage/cli/config/nodeTransform.cjs',
          path.join(__dirname, '../__testUtils__/replica.ts'),
        ],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      let out = '';
      let err = '';
      proc.stdout!.on('data', d => (out += d));
      proc.stderr!.on('data', d => (err += d));
      const waitForLine = (pattern: RegExp, timeoutMs: number) =>
        waitFor(
          `replica A to print ${pattern}`,
          async () => {
            if (proc.exitCode !== null || proc.signalCode !== null) {
              throw new Error(
                `replica A exited (${
                  proc.exitCode ?? proc.signalCode
                }): ${err.slice(-2000)}`,
              );
            }
            return pattern.exec(out) ?? undefined;
          },
          timeoutMs,
        );
      const [, port] = await waitForLine(/READY (\d+)/, 90_000);
      return { proc, url: `http://127.0.0.1:${port}`, waitForLine };
    }

    it('brings the approval to its true end on the other replica, moving the route at most once', async () => {
      const ns = await createTestNamespace('replicas');
      await createWebService(ns);
      const db = await databases.init(postgres!);
      const istioRollouts = {
        clusterRequestTimeout: { seconds: 5 },
        approvals: { abandonedAfter: { seconds: 3 } },
      };
      const a = await startReplica({
        REPLICA_NAMESPACE: ns,
        REPLICA_DATABASE: JSON.stringify({
          client: 'pg',
          connection: (db.client as any).config.connection,
        }),
        REPLICA_CONFIG: JSON.stringify(istioRollouts),
        REPLICA_HOLD_APISERVER_PID: String(cluster.pids.apiserver),
      });
      const scheduler = testScheduler();
      const b = (
        await startPlugin({
          entities: [
            serviceEntity('web', {
              'istio-rollouts/virtual-services': `${ns}/web`,
              'istio-rollouts/canary-steps': '10,25,50,100',
            }),
          ],
          database: db,
          scheduler,
          permission: AuthorizeResult.ALLOW,
          config: { istioRollouts: { driftWatchSeconds: 2, ...istioRollouts } },
        })
      ).server;
      const before = await readVs(ns);

      const created = await request(b)
        .post(`${API}/entities/default/component/web/requests`)
        .set('Authorization', as('user:default/bob'))
        .send({
          target: {
            cluster: 'local',
            namespace: ns,
            virtualService: 'web',
            route: 'primary',
          },
          change: { type: 'promote-next' },
          reason: 'p99 flat',
        });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const requestOf = async () => {
        const res = await request(b)
          .get(`${API}/entities/default/component/web/requests`)
          .set('Authorization', as('user:default/bob'));
        expect(res.status).toBe(200);
        return res.body.items.find((r: any) => r.id === id);
      };
      const auditOf = async () => {
        const res = await request(b)
          .get(`${API}/audit`)
          .query({ limit: 100 })
          .set('Authorization', as('user:default/alice'));
        expect(res.status).toBe(200);
        return res.body.items.filter((r: any) => r.requestId === id);
      };

      // Approved on A, whose write goes out to a paused API server.
      const answer = request(a.url)
        .post(`${API}/requests/${id}/approve`)
        .set('Authorization', as('user:default/alice'))
        .send({})
        .then(
          r => `${r.status}`,
          e => `no answer (${e.code ?? e.message})`,
        );
      await a.waitForLine(/HOLDING \S+virtualservices\/web/, 30_000);
      expect((await requestOf()).status).toBe('approving');

      // A dies with its write in flight; then the API server goes on.
      const exited = new Promise(r => a.proc.once('exit', r));
      a.proc.kill('SIGKILL');
      await exited;
      log(`approval on A: ${await answer}`);
      cluster.resumeApiserver();

      const final = await waitFor(
        'B to bring the request to its end and settle its audit',
        async () => {
          await scheduler.triggerTask(
            'istio-rollouts-expire-promotion-requests',
          );
          await scheduler.triggerTask('istio-rollouts-settle-unknown-writes');
          const current = await requestOf();
          if (current.status === 'approving') return undefined;
          const records = await auditOf();
          if (
            !records.length ||
            records.some((r: any) => r.outcome === 'unknown')
          ) {
            return undefined;
          }
          // A "not known yet" message is corrected once the write settled.
          if (/not known yet/.test(current.message ?? '')) return undefined;
          return { request: current, records };
        },
        60_000,
      );
      const vs = await readVs(ns);
      log(
        `route ${weightsOf(vs)}; request ${final.request.status}: ${
          final.request.message
        }; audit ${final.records
          .map((r: any) => `${r.outcome}: ${r.message}`)
          .join(' | ')}`,
      );
      const applied =
        vs.metadata.resourceVersion !== before.metadata.resourceVersion;
      // Moved at most once: 90/10 → 75/25 (twice would be 50/50).
      expect(weightsOf(vs)).toEqual(applied ? [75, 25] : [90, 10]);
      expect({
        status: final.request.status,
        audit: final.records.map((r: any) => r.outcome),
      }).toEqual(
        applied
          ? { status: 'applied', audit: ['applied'] }
          : { status: 'failed', audit: ['failed'] },
      );
      expect(final.request.message).toMatch(
        applied ? /^Applied/ : /Not applied/,
      );
      expect(final.records[0].message).toMatch(
        applied ? /^Applied/ : /^Not applied/,
      );
    });
  },
);

async function readVs(ns: string) {
  const res = await apiRequest(
    'GET',
    `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`,
  );
  expect(res.status).toBe(200);
  return res.body;
}
