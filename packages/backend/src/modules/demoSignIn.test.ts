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

import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { resolve as resolvePath } from 'path';
import request from 'supertest';
import { demoSignInModule, DEMO_USER_HEADER } from './demoSignIn';

// The real auth and catalog backends, with the catalog reading the demo's
// own examples/: signing in resolves the chosen User entity and its groups.
const examples = resolvePath(__dirname, '../../../../examples');

async function startBackend(authEnvironment: string) {
  return startTestBackend({
    features: [
      authPlugin,
      catalogPlugin,
      demoSignInModule,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          auth: { environment: authEnvironment, providers: { demo: {} } },
          catalog: {
            locations: [
              {
                type: 'file',
                target: `${examples}/org.yaml`,
                rules: [{ allow: ['User', 'Group'] }],
              },
            ],
          },
        },
      }),
    ],
  });
}

function refresh(server: Parameters<typeof request>[0], user?: string) {
  const req = request(server)
    .get('/api/auth/demo/refresh')
    .set('X-Requested-With', 'XMLHttpRequest');
  return user ? req.set(DEMO_USER_HEADER, user) : req;
}

// The catalog ingests locations asynchronously; wait until users resolve.
async function refreshWhenCatalogReady(
  server: Parameters<typeof request>[0],
  user: string,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await refresh(server, user);
    if (res.status === 200 || Date.now() > deadline) {
      return res;
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

describe('demo sign-in', () => {
  jest.setTimeout(90_000);

  it('signs each demo person in as their catalog user, with their groups', async () => {
    const { server } = await startBackend('development');

    const expected: Record<string, string> = {
      alice: 'group:default/team-bookinfo',
      bob: 'group:default/team-mobile',
      carol: 'group:default/platform',
    };
    for (const [user, group] of Object.entries(expected)) {
      const res = await refreshWhenCatalogReady(server, user);
      expect(res.status).toBe(200);
      expect(res.body.backstageIdentity.identity).toEqual({
        type: 'user',
        userEntityRef: `user:default/${user}`,
        ownershipEntityRefs: expect.arrayContaining([
          `user:default/${user}`,
          group,
        ]),
      });
      expect(
        res.body.backstageIdentity.identity.ownershipEntityRefs,
      ).toHaveLength(2);
    }

    // Someone who is not in the catalog, and a request without the header.
    const unknown = await refresh(server, 'mallory');
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.status).toBeLessThan(500);
    const missing = await refresh(server);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain(DEMO_USER_HEADER);
  });

  it('does not exist outside the development auth environment', async () => {
    const { server } = await startBackend('production');

    const res = await refresh(server, 'alice');

    expect(res.status).toBe(404);
  });
});
