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

import { mockServices } from '@backstage/backend-test-utils';
import { clusterConfig } from '@internal/test-cluster';
import { ClusterCaches } from './ClusterCaches';
import { ClusterDetails } from './ClusterDetails';

// Clusters that come and go while the backend runs (the catalog locator),
// on the real local kube-apiserver.

jest.setTimeout(60_000);

const cluster = (name: string, extra: Partial<ClusterDetails> = {}) => ({
  ...clusterConfig('plugin', name),
  skipTLSVerify: false,
  ...extra,
});

describe('ClusterCaches.setClusters', () => {
  let caches: ClusterCaches;
  afterEach(() => caches?.stop());

  it('starts a cache for a new cluster, stops a removed one, and replaces a changed one', async () => {
    caches = new ClusterCaches({
      clusters: [cluster('a')],
      logger: mockServices.logger.mock(),
    });
    caches.start();
    const a = caches.get('a')!;
    expect(await a.waitForSync(20_000)).toBe(true);

    expect(caches.setClusters([cluster('a'), cluster('b')])).toEqual({
      added: ['b'],
      removed: [],
    });
    // The same cluster keeps its cache (and its synced copy).
    expect(caches.get('a')).toBe(a);
    expect(await caches.get('b')!.waitForSync(20_000)).toBe(true);

    const b = caches.get('b')!;
    expect(
      caches.setClusters([cluster('b', { serviceAccountToken: 'wrong' })]),
    ).toEqual({ added: ['b'], removed: ['a'] });
    expect(caches.list().map(c => c.name)).toEqual(['b']);
    // A changed credential is a new cache: the old one would keep the old
    // token.
    const replaced = caches.get('b')!;
    expect(replaced).not.toBe(b);
    expect(await replaced.waitForSync(3_000)).toBe(false);
    expect(replaced.error()).toMatchObject({ type: expect.any(String) });
  });
});
