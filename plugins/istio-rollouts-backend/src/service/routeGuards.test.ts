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

import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { VersionView } from '@istio-rollouts/plugin-istio-rollouts-common';
import express from 'express';
import request from 'supertest';
import { VersionUnreadyError, unreadyOverrides } from './routeGuards';

function version(ready: number, desired = 2): VersionView {
  return {
    key: 'web/v3',
    label: 'v3',
    host: 'web',
    fqdn: 'web.shop.svc.cluster.local',
    subset: 'v3',
    labels: { version: 'v3' },
    workloads: [
      {
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web-v3',
        images: ['web:3'],
        replicas: { desired, ready, updated: desired, available: ready },
      },
    ],
    ready,
    desired,
  };
}

describe('unreadyOverrides', () => {
  it('lets traffic go to ready versions', () => {
    expect(unreadyOverrides([version(1)], undefined)).toEqual([]);
  });

  it('refuses a version without ready pods, with its code', () => {
    expect(() => unreadyOverrides([version(0)], undefined)).toThrow(
      VersionUnreadyError,
    );
    expect(() => unreadyOverrides([version(0)], { reason: '  ' })).toThrow(
      /v3 \(web subset v3\) has no ready pods \(0 of 2\)/,
    );
  });

  it('records an override with its reason', () => {
    expect(unreadyOverrides([version(0)], { reason: ' smoke test ' })).toEqual([
      expect.objectContaining({
        code: 'unready-override',
        message: expect.stringContaining('reason given: smoke test'),
      }),
    ]);
  });
});

describe('VersionUnreadyError', () => {
  it("reaches the client with its code in the backend's error body", async () => {
    const app = express();
    app.get('/', () => {
      throw new VersionUnreadyError('Version v3 has no ready pods (0 of 2)');
    });
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );

    const res = await request(app).get('/');

    expect(res.status).toBe(422);
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'UnprocessableError',
        message: 'Version v3 has no ready pods (0 of 2)',
        reason: 'version-unready',
      }),
    );
  });
});
