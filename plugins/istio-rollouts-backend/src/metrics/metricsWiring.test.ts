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
import {
  serviceEntity,
  startPlugin,
  testScheduler,
} from '../__testUtils__/fixtures';
import { freePort } from '../__testUtils__/prometheus';

// `istioRollouts.metrics` in the running plugin: absent, nothing changes;
// present, the rollback task is scheduled for one replica at a time; wrong,
// the backend does not start.

jest.setTimeout(60_000);

const TASK = 'istio-rollouts-canary-auto-rollback';

// The seeded demo's reviews (see test/cluster/seed).
const reviews = serviceEntity('reviews', {
  'istio-rollouts/virtual-services': 'demo/reviews',
});

describe('istioRollouts.metrics', () => {
  it('without it, views have no metrics and no task is scheduled', async () => {
    const scheduler = testScheduler();
    const { server } = await startPlugin({ entities: [reviews], scheduler });
    const tasks = await scheduler.getScheduledTasks();
    expect(tasks.map(t => t.id)).not.toContain(TASK);
    const view = await request(server)
      .get('/api/istio-rollouts/entities/default/component/reviews/view')
      .set('Authorization', mockCredentials.user.header());
    expect(view.status).toBe(200);
    const [vs] = view.body.clusters[0].virtualServices;
    expect(vs.name).toBe('reviews');
    expect(vs).not.toHaveProperty('observed');
    expect(vs).not.toHaveProperty('analysis');
  });

  it('with it, schedules the automatic rollback globally at its interval', async () => {
    const scheduler = testScheduler();
    await startPlugin({
      entities: [reviews],
      scheduler,
      config: {
        istioRollouts: {
          metrics: {
            prometheusUrl: 'http://127.0.0.1:9',
            analysis: { interval: { seconds: 45 } },
          },
        },
      },
    });
    const tasks = await scheduler.getScheduledTasks();
    expect(tasks.find(t => t.id === TASK)).toMatchObject({ scope: 'global' });
  });

  it('says what is wrong when Prometheus cannot be read, in a 200', async () => {
    const port = await freePort();
    const { server } = await startPlugin({
      entities: [reviews],
      config: {
        istioRollouts: {
          metrics: { prometheusUrl: `http://user:secret@127.0.0.1:${port}` },
        },
      },
    });
    const view = await request(server)
      .get('/api/istio-rollouts/entities/default/component/reviews/view')
      .set('Authorization', mockCredentials.user.header());
    expect(view.status).toBe(200);
    const [vs] = view.body.clusters[0].virtualServices;
    expect(vs.observed).toEqual({
      source: 'prometheus',
      window: '1m',
      at: expect.any(String),
      versions: [],
      ...(vs.observed.unmeasured && { unmeasured: vs.observed.unmeasured }),
      error: `The metrics could not be read: Prometheus at http://127.0.0.1:${port} cannot be reached: ECONNREFUSED`,
    });
    expect(JSON.stringify(view.body)).not.toContain('secret');
  });

  it.each([
    [
      { prometheusUrl: 'prometheus.monitoring' },
      /istioRollouts\.metrics\.prometheusUrl must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      { prometheusUrl: 'http://127.0.0.1:9', window: '1 min' },
      /istioRollouts\.metrics\.window must be a positive PromQL duration/,
    ],
    [
      { prometheusUrl: 'http://127.0.0.1:9', clusters: ['elsewhere'] },
      /istioRollouts\.metrics\.clusters names 'elsewhere', which is not a configured cluster/,
    ],
  ])('refuses to start with %j', async (metrics, message) => {
    await expect(
      startPlugin({ config: { istioRollouts: { metrics } } }),
    ).rejects.toThrow(message);
  });
});
