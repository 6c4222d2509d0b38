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
import request from 'supertest';
import { startBackend } from '../__testUtils__/realBackend';

// The demo policy decided for real: the permission backend runs the policy,
// and the catalog evaluates its isEntityOwner condition against the demo
// entities' ownership. Nothing here mocks a decision.

jest.setTimeout(120_000);

function dryRun(server: any, user: string, operation: object) {
  return request(server)
    .post(
      '/api/istio-rollouts/entities/default/component/reviews/route-actions',
    )
    .set('Authorization', mockCredentials.user.header(user))
    .send({
      target: {
        cluster: 'local',
        namespace: 'demo',
        virtualService: 'reviews',
        route: 0,
      },
      operation,
      dryRun: true,
    });
}

describe('the demo permission policy, through the real permission and catalog backends', () => {
  it('lets owners and the platform team move traffic, and everyone read', async () => {
    const { server } = await startBackend();
    // The catalog ingests examples/ asynchronously.
    const deadline = Date.now() + 60_000;
    let first = await dryRun(server, 'user:default/alice', {
      type: 'promote-next',
    });
    while (first.status !== 200 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 500));
      first = await dryRun(server, 'user:default/alice', {
        type: 'promote-next',
      });
    }
    expect(first.status).toBe(200);
    expect(first.body.after.destinations.map((d: any) => d.weight)).toEqual([
      75, 25,
    ]);

    const bob = await dryRun(server, 'user:default/bob', {
      type: 'promote-next',
    });
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toContain('istio-rollouts.promotion.apply');
    const bobRollback = await dryRun(server, 'user:default/bob', {
      type: 'rollback',
    });
    expect(bobRollback.status).toBe(403);

    const carol = await dryRun(server, 'user:default/carol', {
      type: 'rollback',
    });
    expect(carol.status).toBe(200);

    const bobReads = await request(server)
      .get('/api/istio-rollouts/entities/default/component/reviews/view')
      .set('Authorization', mockCredentials.user.header('user:default/bob'));
    expect(bobReads.status).toBe(200);
    expect(bobReads.body.clusters[0].virtualServices[0].name).toBe('reviews');

    const bobScales = await request(server)
      .post('/api/istio-rollouts/entities/default/component/reviews/scale')
      .set('Authorization', mockCredentials.user.header('user:default/bob'))
      .send({
        cluster: 'local',
        namespace: 'demo',
        deployment: 'reviews-v2',
        replicas: 3,
        dryRun: true,
      });
    expect(bobScales.status).toBe(403);
    const aliceScales = await request(server)
      .post('/api/istio-rollouts/entities/default/component/reviews/scale')
      .set('Authorization', mockCredentials.user.header('user:default/alice'))
      .send({
        cluster: 'local',
        namespace: 'demo',
        deployment: 'reviews-v2',
        replicas: 3,
        dryRun: true,
      });
    expect(aliceScales.status).toBe(200);
  });

  it('lets another team request, only owners decide, and only the platform team read the audit', async () => {
    const { server } = await startBackend();
    const as = (user: string) => mockCredentials.user.header(user);
    const ask = () =>
      request(server)
        .post('/api/istio-rollouts/entities/default/component/reviews/requests')
        .set('Authorization', as('user:default/bob'))
        .send({
          target: {
            cluster: 'local',
            namespace: 'demo',
            virtualService: 'reviews',
            route: 0,
          },
          change: { type: 'promote-next' },
          reason: 'error rate flat for an hour',
        });
    // The catalog ingests examples/ asynchronously.
    const deadline = Date.now() + 60_000;
    let created = await ask();
    while (created.status !== 201 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 500));
      created = await ask();
    }
    expect(created.status).toBe(201);
    const id = created.body.id;

    const bobApproves = await request(server)
      .post(`/api/istio-rollouts/requests/${id}/approve`)
      .set('Authorization', as('user:default/bob'))
      .send({});
    expect(bobApproves.status).toBe(403);
    expect(bobApproves.body.error.message).toContain(
      'istio-rollouts.promotion.apply',
    );
    // Rejecting leaves the shared demo cluster as seeded.
    const aliceRejects = await request(server)
      .post(`/api/istio-rollouts/requests/${id}/reject`)
      .set('Authorization', as('user:default/alice'))
      .send({ reason: 'not during the freeze' });
    expect(aliceRejects.status).toBe(200);
    expect(aliceRejects.body.status).toBe('rejected');

    const audit = (user: string) =>
      request(server)
        .get('/api/istio-rollouts/audit?limit=5')
        .set('Authorization', as(user));
    expect((await audit('user:default/alice')).status).toBe(403);
    expect((await audit('user:default/bob')).status).toBe(403);
    const carol = await audit('user:default/carol');
    expect(carol.status).toBe(200);
    expect(carol.body.items).toContainEqual(
      expect.objectContaining({
        outcome: 'denied',
        actor: 'user:default/bob',
        requestId: id,
      }),
    );
  });

  it('hides a restricted entity from everyone but its owners and the platform team', async () => {
    const { server } = await startBackend();
    const as = (user: string) => mockCredentials.user.header(user);
    const byName = (user: string, name: string) =>
      request(server)
        .get(`/api/catalog/entities/by-name/component/default/${name}`)
        .set('Authorization', as(user));
    // The catalog ingests examples/ asynchronously.
    const deadline = Date.now() + 60_000;
    let alice = await byName('user:default/alice', 'ledger');
    while (alice.status !== 200 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 500));
      alice = await byName('user:default/alice', 'ledger');
    }
    expect(alice.status).toBe(200);
    expect(alice.body.metadata.labels).toEqual({
      'istio-rollouts.demo/restricted': 'true',
    });
    expect((await byName('user:default/carol', 'ledger')).status).toBe(200);
    expect((await byName('user:default/bob', 'ledger')).status).toBe(404);
    // Only the restricted entity: bob reads every other one.
    expect((await byName('user:default/bob', 'reviews')).status).toBe(200);

    const components = async (user: string) => {
      const res = await request(server)
        .get('/api/catalog/entities?filter=kind=component&fields=metadata.name')
        .set('Authorization', as(user));
      expect(res.status).toBe(200);
      return res.body.map((e: any) => e.metadata.name);
    };
    const bobSees = await components('user:default/bob');
    expect(bobSees).toEqual(expect.arrayContaining(['reviews', 'mobile-app']));
    expect(bobSees).not.toContain('ledger');
    expect(await components('user:default/alice')).toContain('ledger');
    expect(await components('user:default/carol')).toContain('ledger');
  });
});
