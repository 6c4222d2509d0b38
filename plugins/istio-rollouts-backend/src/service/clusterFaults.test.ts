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
import request from 'supertest';
import { apiRequest } from '@internal/test-cluster';
import {
  WebPlugin,
  startWebPlugin,
  weightsOf,
} from '../__testUtils__/fixtures';
import { waitFor } from '../__testUtils__/waitFor';

// Faults of the API server itself, on a PRIVATE cluster: SIGSTOP or a kill
// of the shared one would break every test running beside these. The
// cluster helpers (@internal/test-cluster: kubectl, apiRequest,
// clusterConfig) find their cluster through ISTIO_ROLLOUTS_TEST_CLUSTER,
// which this file points at its own cluster for its duration.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('@internal/test-cluster/cluster.js');

const DEADLINE_MS = 2_000;
// Jest, supertest and the audit write on a busy machine.
const MARGIN_MS = 2_500;

jest.setTimeout(180_000);

describe('cluster faults (private cluster)', () => {
  let cluster: any;
  let stateDir: string;
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-faults-'));
    cluster = await startCluster({
      stateDir,
      log: (msg: string) => process.stderr.write(`[faults-cluster] ${msg}\n`),
    });
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
  }, 180_000);

  afterAll(async () => {
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    cluster?.resumeApiserver();
    await cluster?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  afterEach(() => cluster?.resumeApiserver());

  function start(): Promise<WebPlugin> {
    return startWebPlugin({
      prefix: 'faults',
      istioRollouts: { clusterRequestTimeout: { milliseconds: DEADLINE_MS } },
    });
  }

  async function auditOf(plugin: WebPlugin): Promise<any[]> {
    const res = await request(plugin.server)
      .get('/api/istio-rollouts/audit')
      .query({ limit: 100 })
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    return res.body.items.filter(
      (r: any) => r.namespace === plugin.ns && r.outcome !== 'observed',
    );
  }

  function expectHonestError(body: any) {
    // The message is the plugin's, never a socket error or a stack.
    expect(body.error.stack).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(
      /ETIMEDOUT|ECONNREFUSED|ECONNRESET|socket hang up|timed out after/,
    );
  }

  it('answers 504 "not known yet" within the deadline when the API server hangs, and settles the audit to the true outcome after it resumes', async () => {
    const plugin = await start();
    const before = await readVs(plugin.ns);
    expect(weightsOf(before)).toEqual([90, 10]);
    // A dry run leaves a kept-alive connection to the API server, so the
    // write below goes out on it and reaches the (frozen) server: sent, no
    // answer — the case whose outcome is unknown.
    await plugin.act({ type: 'promote-next' }, { dryRun: true }).expect(200);

    cluster.pauseApiserver();
    const t0 = Date.now();
    const res = await plugin.act({ type: 'promote-next' });
    const elapsed = Date.now() - t0;

    expect(res.status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(res.body.error.name).toBe('WriteOutcomeUnknownError');
    expect(res.body.error.message).toMatch(
      /not known yet whether it was applied.*History\/audit record will say/,
    );
    expectHonestError(res.body);

    const [record] = await auditOf(plugin);
    expect(record).toMatchObject({
      action: 'promote-next',
      outcome: 'unknown',
      resourceVersionBefore: before.metadata.resourceVersion,
    });
    expect(record.weightsBefore.destinations.map((d: any) => d.weight)).toEqual(
      [90, 10],
    );
    // The planned split is kept with the record.
    expect(record.weightsAfter.destinations.map((d: any) => d.weight)).toEqual([
      75, 25,
    ]);
    expect(res.body.error.auditRecordId).toBe(record.id);

    cluster.resumeApiserver();
    const settled = await waitFor(
      'the unknown record to settle',
      async () => {
        const [r] = await auditOf(plugin);
        return r.outcome === 'unknown' ? undefined : r;
      },
      30_000,
    );
    // The truth, as the API server has it now.
    const now = await readVs(plugin.ns);
    const unchanged =
      now.metadata.resourceVersion === before.metadata.resourceVersion;
    expect({
      weights: weightsOf(now),
      outcome: settled.outcome,
      verdict: settled.message.split(':')[0],
      resourceVersionAfter: settled.resourceVersionAfter,
    }).toEqual(
      unchanged
        ? {
            weights: [90, 10],
            outcome: 'failed',
            verdict: 'Not applied',
            resourceVersionAfter: undefined,
          }
        : {
            weights: [75, 25],
            outcome: 'applied',
            verdict: 'Applied',
            resourceVersionAfter: now.metadata.resourceVersion,
          },
    );
    process.stderr.write(
      `[faults] after SIGCONT the write was ${settled.outcome}: ${settled.message}\n`,
    );
  });

  it('ends an approval that gets no answer as failed, saying so, instead of leaving it approving', async () => {
    const plugin = await start();
    const as = (user: string) => mockCredentials.user.header(user);
    const created = await request(plugin.server)
      .post('/api/istio-rollouts/entities/default/component/web/requests')
      .set('Authorization', as('user:default/bob'))
      .send({
        target: {
          cluster: 'local',
          namespace: plugin.ns,
          virtualService: 'web',
          route: 'primary',
        },
        change: { type: 'promote-next' },
        reason: 'p99 flat',
      });
    expect(created.status).toBe(201);

    cluster.pauseApiserver();
    const t0 = Date.now();
    const res = await request(plugin.server)
      .post(`/api/istio-rollouts/requests/${created.body.id}/approve`)
      .set('Authorization', as('user:default/alice'))
      .send({});
    expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // An approval reads the route fresh before it writes: a hung server
    // usually stops it there (503, nothing sent); 504 if the write went out.
    expect([503, 504]).toContain(res.status);
    expectHonestError(res.body);
    const [approval] = await auditOf(plugin);
    const listed = await request(plugin.server)
      .get('/api/istio-rollouts/entities/default/component/web/requests')
      .set('Authorization', as('user:default/bob'));
    const stored = listed.body.items.find((r: any) => r.id === created.body.id);
    expect(stored.status).toBe('failed');
    const notSent = res.status === 503;
    expect({
      answer: res.body.error.message,
      request: stored.message,
      audit: approval.outcome,
      requestId: approval.requestId,
    }).toEqual({
      answer: expect.stringMatching(
        notSent ? /not applied/ : /not known yet whether it was applied/,
      ),
      request: expect.stringMatching(
        notSent ? /not applied/ : /not known yet whether it was applied/,
      ),
      audit: notSent ? 'failed' : 'unknown',
      requestId: stored.id,
    });
    cluster.resumeApiserver();
  });

  it('answers 503 "not applied" while the API server is down, records it failed, and writes again once it is restarted', async () => {
    const plugin = await start();
    const before = await readVs(plugin.ns);

    await cluster.stopApiserver({ signal: 'SIGKILL' });
    const t0 = Date.now();
    const res = await plugin.act({ type: 'promote-next' });
    expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/not applied/);
    expectHonestError(res.body);
    const [record] = await auditOf(plugin);
    expect(record).toMatchObject({ action: 'promote-next', outcome: 'failed' });
    expect(record.message).toMatch(/not applied/);

    await cluster.restartApiserver();
    expect(await readVs(plugin.ns)).toMatchObject({
      metadata: { resourceVersion: before.metadata.resourceVersion },
    });
    // The caches list and watch again on their own; then a write goes through.
    await waitFor(
      'the plugin to see the cluster again',
      async () => {
        const view = await request(plugin.server)
          .get('/api/istio-rollouts/entities/default/component/web/view')
          .set('Authorization', mockCredentials.user.header());
        const local = view.body.clusters?.find(
          (c: any) => c.cluster === 'local',
        );
        return local && !local.error && local.virtualServices.length
          ? true
          : undefined;
      },
      60_000,
    );
    const ok = await plugin.act({ type: 'promote-next' });
    expect(ok.status).toBe(200);
    expect(weightsOf(await readVs(plugin.ns))).toEqual([75, 25]);
    const records = await auditOf(plugin);
    expect(records.map(r => r.outcome)).toEqual(['applied', 'failed']);
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
