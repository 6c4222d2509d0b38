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

import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { apiRequest, createTestNamespace } from '@internal/test-cluster';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import {
  createWebService,
  serviceEntity,
  startPlugin,
  testScheduler,
  weightsOf,
} from '../__testUtils__/fixtures';
import { waitFor } from '../__testUtils__/waitFor';

// Faults of the plugin's PostgreSQL, on a PRIVATE PostgreSQL server and a
// PRIVATE cluster: stopping the shared ones would break every test running
// beside these. Nothing is mocked: the plugin's knex pool talks to a real
// PostgreSQL that is stopped and started again, and writes to a real
// kube-apiserver that is paused (SIGSTOP) to hold an approval mid-way.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('@internal/test-cluster/cluster.js');
// The test PostgreSQL helper lives outside the workspace packages
// (test/postgres, like the Jest set-up that uses it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPrivatePostgres } = require(path.resolve(
  __dirname,
  '../../../../test/postgres/postgres.js',
));

jest.setTimeout(120_000);

const API = '/api/istio-rollouts';
const as = (user: string) => mockCredentials.user.header(user);

describe('database faults (private PostgreSQL, private cluster)', () => {
  let cluster: any;
  let pg: any;
  let admin: Knex;
  let stateDir: string;
  const pools: Knex[] = [];
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;
  const log = (msg: string) => process.stderr.write(`[db-faults] ${msg}\n`);

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(
      path.join(os.tmpdir(), 'istio-rollouts-dbfaults-'),
    );
    [cluster, pg] = await Promise.all([
      startCluster({ stateDir, log }),
      startPrivatePostgres({ log }),
    ]);
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
    admin = knexFactory({
      client: 'pg',
      connection: pg.connectionString,
      pool: { min: 0 },
    });
  }, 180_000);

  afterAll(async () => {
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    cluster?.resumeApiserver();
    await pg?.start().catch(() => undefined);
    await Promise.all(pools.map(p => p.destroy().catch(() => undefined)));
    await admin?.destroy();
    await Promise.all([cluster?.stop(), pg?.destroy()]);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  afterEach(async () => {
    cluster?.resumeApiserver();
    await pg?.start();
  });

  // The plugin on its own database of the private server, as production
  // configures the pool (backend-defaults' PostgreSQL connector: min 0).
  async function start(name: string, istioRollouts: Record<string, unknown>) {
    await admin.raw(`CREATE DATABASE ${name}`);
    const database = knexFactory({
      client: 'pg',
      connection: `${pg.connectionString}/${name}`,
      pool: { min: 0 },
    });
    pools.push(database);
    const ns = await createTestNamespace('dbfaults');
    await createWebService(ns);
    const scheduler = testScheduler();
    const { server } = await startPlugin({
      entities: [
        serviceEntity('web', {
          'istio-rollouts/virtual-services': `${ns}/web`,
          'istio-rollouts/canary-steps': '10,25,50,100',
        }),
      ],
      database: database as any,
      scheduler,
      permission: AuthorizeResult.ALLOW,
      config: { istioRollouts: { driftWatchSeconds: 2, ...istioRollouts } },
    });
    const target = {
      cluster: 'local',
      namespace: ns,
      virtualService: 'web',
      route: 'primary',
    };
    return {
      ns,
      server,
      scheduler,
      database: name,
      createRequest: () =>
        request(server)
          .post(`${API}/entities/default/component/web/requests`)
          .set('Authorization', as('user:default/bob'))
          .send({ target, change: { type: 'promote-next' }, reason: 'p99 ok' }),
      approve: (id: string) =>
        request(server)
          .post(`${API}/requests/${id}/approve`)
          .set('Authorization', as('user:default/alice'))
          .send({}),
      act: () =>
        request(server)
          .post(`${API}/entities/default/component/web/route-actions`)
          .set('Authorization', as('user:default/alice'))
          .send({ target, operation: { type: 'promote-next' } }),
      async requestOf(id: string) {
        const res = await request(server)
          .get(`${API}/entities/default/component/web/requests`)
          .set('Authorization', as('user:default/bob'));
        expect(res.status).toBe(200);
        return res.body.items.find((r: any) => r.id === id);
      },
      async auditOf(requestId?: string) {
        const res = await request(server)
          .get(`${API}/audit`)
          .query({ limit: 100 })
          .set('Authorization', as('user:default/alice'));
        expect(res.status).toBe(200);
        return res.body.items.filter(
          (r: any) =>
            r.namespace === ns &&
            r.outcome !== 'observed' &&
            (requestId === undefined || r.requestId === requestId),
        );
      },
    };
  }

  function expectDatabaseUnavailable(res: request.Response) {
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /the plugin's database is unavailable/i,
    );
    // The plugin's words, never the driver's error or a stack.
    expect(res.body.error.stack).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(
      /ECONNREFUSED|ECONNRESET|Connection terminated|Knex|acquiring a connection|terminating connection|select|insert|update/i,
    );
  }

  it('answers 503 with nothing changed while PostgreSQL is down, and applies the same approval once when it is back', async () => {
    const plugin = await start('dbfaults_down', {});
    const before = await readVs(plugin.ns);
    const created = await plugin.createRequest();
    expect(created.status).toBe(201);

    await pg.stop({ mode: 'fast' });
    const approval = await plugin.approve(created.body.id);
    log(
      `approve while down: ${approval.status} ${JSON.stringify(approval.body)}`,
    );
    expectDatabaseUnavailable(approval);
    expect(approval.body.error.message).toMatch(/nothing was changed/);
    const action = await plugin.act();
    log(
      `route action while down: ${action.status} ${JSON.stringify(
        action.body,
      )}`,
    );
    expectDatabaseUnavailable(action);
    expect(action.body.error.message).toMatch(/nothing was changed/);
    // Nothing reached the cluster.
    expect((await readVs(plugin.ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );

    await pg.start();
    const again = await waitFor(
      'the approval to go through once PostgreSQL is back',
      async () => {
        const res = await plugin.approve(created.body.id);
        return res.status === 503 ? undefined : res;
      },
      30_000,
    );
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('applied');
    expect(weightsOf(await readVs(plugin.ns))).toEqual([75, 25]);
    expect(
      (await plugin.auditOf()).map((r: any) => [r.requestId, r.outcome]),
    ).toEqual([[created.body.id, 'applied']]);
  });

  it('ends an approval whose write landed while PostgreSQL restarted as applied, once, with a true audit', async () => {
    const plugin = await start('dbfaults_restart', {
      // The approval's fresh read waits for the paused API server.
      clusterRequestTimeout: { seconds: 30 },
      approvals: { abandonedAfter: { seconds: 5 } },
    });
    const created = await plugin.createRequest();
    expect(created.status).toBe(201);
    const id = created.body.id;
    const db = knexFactory({
      client: 'pg',
      connection: `${pg.connectionString}/${plugin.database}`,
      pool: { min: 0 },
    });
    pools.push(db);
    const stored = async () =>
      (await db('istio_rollouts_promotion_requests').where({ id }).first())
        ?.status;

    // Hold the approval between its claim and its write: the API server is
    // paused, so the approval's fresh read of the route waits.
    cluster.pauseApiserver();
    const answer = plugin.approve(id).then(r => r);
    await waitFor(
      'the approval to claim the request',
      async () => ((await stored()) === 'approving' ? true : undefined),
      20_000,
    );
    await db.destroy();
    // PostgreSQL goes down with the approval in flight; the write then
    // lands while it is down.
    await pg.stop({ mode: 'fast' });
    cluster.resumeApiserver();
    const res = await answer;
    log(
      `approve across the restart: ${res.status} ${JSON.stringify(res.body)}`,
    );
    expect(res.body.error?.stack).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(
      /ECONNREFUSED|Connection terminated|Knex|terminating connection/,
    );
    const landed = weightsOf(await readVs(plugin.ns));
    log(`the VirtualService is ${landed} after the approval answered`);
    // The write landed while the database was down, and the answer says
    // so: never "nothing was changed", never a 500.
    expect(landed).toEqual([75, 25]);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      name: 'ServiceUnavailableError',
      applied: true,
    });
    expect(res.body.error.message).toMatch(
      /was applied to the cluster.*the plugin's database is unavailable.*records them as soon as the database is back/,
    );

    await pg.start();
    const final = await waitFor(
      'the request to leave approving and its audit to be settled',
      async () => {
        await plugin.scheduler.triggerTask(
          'istio-rollouts-expire-promotion-requests',
        );
        await plugin.scheduler.triggerTask(
          'istio-rollouts-settle-unknown-writes',
        );
        const current = await plugin.requestOf(id).catch(() => undefined);
        if (!current || current.status === 'approving') return undefined;
        const records = await plugin.auditOf(id);
        if (
          !records.length ||
          records.some((r: any) => r.outcome === 'unknown')
        )
          return undefined;
        return { request: current, records };
      },
      45_000,
    );
    const vs = await readVs(plugin.ns);
    log(
      `request ${final.request.status}: ${
        final.request.message
      }; audit ${final.records
        .map((r: any) => `${r.outcome}: ${r.message ?? ''}`)
        .join(' | ')}`,
    );
    // The write landed (90/10 -> 75/25, once: twice would be 50/50).
    expect(weightsOf(vs)).toEqual([75, 25]);
    expect(final.request.status).toBe('applied');
    expect(final.records.map((r: any) => r.outcome)).toEqual(['applied']);
  });
});

async function readVs(ns: string) {
  const res = await apiRequest(
    'GET',
    `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`,
  );
  expect(res.status).toBe(200);
  return res.body;
}
