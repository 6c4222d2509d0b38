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

import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createTestNamespace } from '@internal/test-cluster';
import knexFactory from 'knex';
import request from 'supertest';
import { testDatabaseIds } from '../__testUtils__/databases';
import {
  createWebService,
  readVs,
  serviceEntity,
  startPlugin,
  weightsOf,
} from '../__testUtils__/fixtures';

// Two backend replicas — two plugin instances, each with its own connection
// pool — share one PostgreSQL database and one cluster. Two owners approve
// the same request at the same moment, one on each: it is applied once.

jest.setTimeout(120_000);

const API = '/api/istio-rollouts';
const postgres = testDatabaseIds().find(id => id.startsWith('POSTGRES'));

(postgres ? describe : describe.skip)('two replicas on one PostgreSQL', () => {
  const databases = TestDatabases.create({ ids: postgres ? [postgres] : [] });

  it('applies a request approved on both at once exactly once', async () => {
    const ns = await createTestNamespace('race');
    await createWebService(ns);
    const first = await databases.init(postgres!);
    // A second, independent pool to the same database: what another replica has.
    const second = knexFactory(first.client.config);
    try {
      const replica = async (database: typeof first) =>
        (
          await startPlugin({
            entities: [
              serviceEntity('web', {
                'istio-rollouts/virtual-services': `${ns}/web`,
                'istio-rollouts/canary-steps': '10,25,50,100',
              }),
            ],
            database,
            permission: AuthorizeResult.ALLOW,
          })
        ).server;
      const [a, b] = [await replica(first), await replica(second)];
      const as = (user: string) => mockCredentials.user.header(user);

      // Three rounds walk the canary 90/10 → 75/25 → 50/50 → 0/100: a
      // double application would skip a step.
      for (const expected of [
        [75, 25],
        [50, 50],
        [0, 100],
      ]) {
        const created = await request(a)
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
            reason: 'next step',
          });
        expect(created.status).toBe(201);
        const id = created.body.id;

        const answers = await Promise.all(
          [
            [a, 'user:default/alice'],
            [b, 'user:default/carol'],
          ].map(([server, user]) =>
            request(server)
              .post(`${API}/requests/${id}/approve`)
              .set('Authorization', as(user as string))
              .send({}),
          ),
        );

        expect(answers.map(r => r.status).sort()).toEqual([200, 409]);
        expect(answers.find(r => r.status === 409)!.body.error.message).toMatch(
          /meanwhile|no longer pending|approving|applied/,
        );
        expect(weightsOf(await readVs(ns))).toEqual(expected);
        // Both replicas see the same single outcome.
        for (const server of [a, b]) {
          const history = await request(server)
            .get(`${API}/entities/default/component/web/history`)
            .set('Authorization', as('user:default/alice'));
          expect(
            history.body.items
              .filter((r: any) => r.requestId === id)
              .map((r: any) => r.outcome),
          ).toEqual(['applied']);
        }
      }
    } finally {
      await second.destroy();
    }
  });
});
