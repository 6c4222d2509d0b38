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

import { mockCredentials } from '@backstage/backend-test-utils';
import { ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL } from '@istio-rollouts/plugin-istio-rollouts-common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import WebSocket from 'ws';
import {
  dropDatabases,
  postgresConnectionString,
} from './__testUtils__/postgres';
import { startBackend } from './__testUtils__/realBackend';

// Several replicas, one story: two backends of one installation, each with
// the real catalog, permission, signals, events and Istio Rollouts plugins,
// share one real PostgreSQL (the test server of the Jest global setup, in
// databases made fresh for this file). A browser tab connected to one of
// them must hear what was done through the other.

jest.setTimeout(240_000);

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const as = (user: string) => mockCredentials.user.header(user);

/**
 * A browser tab's signal connection: the signals backend's WebSocket at
 * /api/signals, a subscribe message per channel, as @backstage/plugin-signals'
 * SignalClient does. The browser hands its Backstage token over as the
 * WebSocket protocol; the test backend's mock tokens are JSON, which no
 * protocol name may contain, so it goes in the Authorization header that
 * the same upgrade handler also reads.
 */
async function signalTab(baseUrl: string, user: string, channel: string) {
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/signals`, {
    headers: { Authorization: as(user) },
  });
  ws.on('message', data => {
    const json = JSON.parse(data.toString());
    if (json.channel === channel) {
      messages.push(json.message);
      waiters.forEach(w => w());
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)),
    );
  });
  ws.send(JSON.stringify({ action: 'subscribe', channel }));
  // The server handles a connection's frames in order: once the pong of a
  // ping sent after the subscribe message is back, the tab is subscribed.
  await new Promise<void>(resolve => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
  return {
    messages,
    /** The first message matching, or undefined after `timeoutMs`. */
    async next(match: (message: any) => boolean, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found || Date.now() >= deadline) return found;
        await new Promise<void>(resolve => {
          let timer: ReturnType<typeof setTimeout> | undefined = undefined;
          const done = () => {
            waiters.delete(done);
            clearTimeout(timer);
            resolve();
          };
          timer = setTimeout(done, deadline - Date.now());
          waiters.add(done);
        });
      }
    },
    close() {
      ws.terminate();
    },
  };
}

/** Two replicas of one installation on a fresh set of databases. */
async function startReplicas() {
  const connectionString = postgresConnectionString();
  const prefix = `replicas_${randomBytes(4).toString('hex')}_`;
  const options = {
    postgres: { connectionString, prefix },
    signals: { events: true },
  };
  const a = await startBackend(options);
  const b = await startBackend(options);
  return {
    a: a.baseUrl!,
    b: b.baseUrl!,
    async stop() {
      await Promise.allSettled([a.stop(), b.stop()]);
      await dropDatabases(connectionString, prefix);
    },
  };
}

const REVIEWS_REQUESTS =
  '/api/istio-rollouts/entities/default/component/reviews/requests';

/** Retries while the replica's catalog is still ingesting examples/. */
async function untilStatus(
  send: () => Promise<request.Response>,
  status: number,
) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await send();
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise(r => setTimeout(r, 500));
  }
}

describe('two replicas on one PostgreSQL', () => {
  let replicas: Awaited<ReturnType<typeof startReplicas>>;
  beforeAll(async () => {
    replicas = await startReplicas();
  });
  afterAll(async () => {
    await replicas?.stop();
  });

  it('a promotion request made through replica A reaches a tab connected to replica B', async () => {
    const { a, b } = replicas;
    // Bob's tab on reviews, served by replica B: the request list tells it
    // which topic concerns reviews' requests.
    const list = await untilStatus(
      () => request(b).get(REVIEWS_REQUESTS).set('Authorization', as(BOB)),
      200,
    );
    expect(list.status).toBe(200);
    const topic: string = list.body.signalTopic;
    expect(topic).toEqual(expect.any(String));
    const tabOnB = await signalTab(
      b,
      BOB,
      ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
    );
    // Alice's tab on replica A: the control, heard in-process.
    const tabOnA = await signalTab(
      a,
      ALICE,
      ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
    );
    try {
      // Only replica A publishes this: the request is made through it (a
      // cluster change would be seen, and announced, by both replicas).
      const created = await untilStatus(
        () =>
          request(a)
            .post(REVIEWS_REQUESTS)
            .set('Authorization', as(BOB))
            .send({
              target: {
                cluster: 'local',
                namespace: 'demo',
                virtualService: 'reviews',
                route: 0,
              },
              change: { type: 'promote-next' },
              reason: 'error rate flat for an hour',
            }),
        201,
      );
      expect(created.status).toBe(201);
      const sentAt = Date.now();

      const onA = await tabOnA.next(m => m.topic === topic, 5_000);
      expect(onA).toEqual({ topic });
      const onB = await tabOnB.next(m => m.topic === topic, 5_000);
      expect(onB).toEqual({ topic });
      expect(Date.now() - sentAt).toBeLessThan(5_000);

      // And B serves the request A stored: one installation.
      const seenByB = await request(b)
        .get(REVIEWS_REQUESTS)
        .set('Authorization', as(BOB));
      expect(seenByB.body.items.map((r: any) => r.id)).toContain(
        created.body.id,
      );

      // Alice (owner) rejects it through B: A's tab hears that too.
      tabOnA.messages.length = 0;
      const rejected = await request(b)
        .post(`/api/istio-rollouts/requests/${created.body.id}/reject`)
        .set('Authorization', as(ALICE))
        .send({ reason: 'not during the freeze' });
      expect(rejected.status).toBe(200);
      expect(await tabOnA.next(m => m.topic === topic, 5_000)).toEqual({
        topic,
      });
    } finally {
      tabOnA.close();
      tabOnB.close();
    }
  });
});
