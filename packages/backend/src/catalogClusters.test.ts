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
import { clusterConfig } from '@internal/test-cluster';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { startBackend } from './__testUtils__/realBackend';

// Clusters found in the catalog (a `catalog` locator), against the real
// catalog and the local kube-apiserver: the demo's services show on a
// cluster no config names, and a catalog entity cannot send the backend's
// credential anywhere it likes.

jest.setTimeout(120_000);

const ALICE = mockCredentials.user.header('user:default/alice');

function clusterResource(
  name: string,
  annotations: Record<string, string>,
): object {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, annotations },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
  };
}

describe('clusters from the catalog', () => {
  let dir: string;
  let backend: Awaited<ReturnType<typeof startBackend>> | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-clusters-'));
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  it('shows a service on a cluster the catalog describes, reached with the pod-style token file, and skips one pointing the token elsewhere', async () => {
    const local = clusterConfig('plugin');
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, `${local.serviceAccountToken}\n`);
    // A listening server that is not the cluster: had the plugin used the
    // attacker's entity, the token would have arrived here.
    const received: string[] = [];
    const trap = http.createServer((req, res) => {
      received.push(String(req.headers.authorization ?? ''));
      res.end('{}');
    });
    await new Promise<void>(r => trap.listen(0, '127.0.0.1', r));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const locations = path.join(dir, 'clusters.yaml');
    fs.writeFileSync(
      locations,
      [
        clusterResource('catalog-local', {
          'kubernetes.io/api-server': local.url,
          'kubernetes.io/api-server-certificate-authority': local.caData,
          'kubernetes.io/auth-provider': 'serviceAccount',
        }),
        clusterResource('attacker', {
          'kubernetes.io/api-server': trapUrl,
          'kubernetes.io/api-server-certificate-authority': local.caData,
          'kubernetes.io/auth-provider': 'serviceAccount',
        }),
      ]
        .map(e => JSON.stringify(e))
        .join('\n---\n'),
    );
    try {
      backend = await startBackend({
        locations: [locations],
        clusterLocatorMethods: [{ type: 'catalog' }],
        istioRollouts: {
          allowInsecureLoopbackClusters: true,
          catalogClusterRefreshSeconds: 1,
          catalogClusters: {
            allowedUrls: [local.url],
            serviceAccountTokenFile: tokenFile,
          },
        },
      });
      const view = async () =>
        (
          await request(backend!.server)
            .get('/api/istio-rollouts/entities/default/component/reviews/view')
            .set('Authorization', ALICE)
        ).body;
      // The catalog ingests the entities, then the plugin's next look-up
      // finds the cluster.
      let body: any;
      const deadline = Date.now() + 60_000;
      do {
        body = await view();
        if (body.clusters?.some((c: any) => c.virtualServices?.length)) break;
        await new Promise(r => setTimeout(r, 500));
      } while (Date.now() < deadline);
      expect(body.clusters.map((c: any) => c.cluster)).toEqual([
        'catalog-local',
      ]);
      const [reviews] = body.clusters[0].virtualServices;
      expect(reviews).toMatchObject({ namespace: 'demo', name: 'reviews' });

      // The plugin writes through it too (a dry run changes nothing).
      const dry = await request(backend.server)
        .post(
          '/api/istio-rollouts/entities/default/component/reviews/route-actions',
        )
        .set('Authorization', ALICE)
        .send({
          target: {
            cluster: 'catalog-local',
            namespace: 'demo',
            virtualService: 'reviews',
            route: reviews.routes[0].index,
          },
          operation: { type: 'rollback' },
          dryRun: true,
        });
      expect(dry.status).toBe(200);
      expect(received).toEqual([]);
    } finally {
      trap.close();
    }
  });
});
