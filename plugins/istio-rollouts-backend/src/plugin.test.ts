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

import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { istioRolloutsPlugin } from './plugin';

// Requests without an Authorization header count as unauthenticated, as in a
// real backend (the test default would be a signed-in user).
const anonymousHttpAuth = mockServices.httpAuth.factory({
  defaultCredentials: mockCredentials.none(),
});

describe('istioRolloutsPlugin', () => {
  it('answers /health without credentials', async () => {
    const { server } = await startTestBackend({
      features: [istioRolloutsPlugin, anonymousHttpAuth],
    });

    const res = await request(server).get('/api/istio-rollouts/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('requires credentials on every other path', async () => {
    const { server } = await startTestBackend({
      features: [istioRolloutsPlugin, anonymousHttpAuth],
    });

    // The unauthenticated policy covers /health only: anything else is
    // rejected before routing, so it is 401 rather than 404.
    const anonymous = await request(server).get('/api/istio-rollouts/anything');
    const signedIn = await request(server)
      .get('/api/istio-rollouts/anything')
      .set('Authorization', mockCredentials.user.header());

    expect(anonymous.status).toBe(401);
    expect(signedIn.status).toBe(404);
  });
});
