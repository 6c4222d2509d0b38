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
import { clusterConfig, createTestNamespace } from '@internal/test-cluster';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  createWebService,
  readVs,
  weightsOf,
} from '../../__testUtils__/fixtures';
import { ClusterObjectCache } from '../../cluster/ClusterObjectCache';
import { IstioTrafficRouter } from './IstioTrafficRouter';

// A kubectl writer racing the plugin on the real API server: whoever comes
// second must not overwrite the first.

jest.setTimeout(60_000);

describe('IstioTrafficRouter', () => {
  let cache: ClusterObjectCache;

  beforeEach(() => {
    cache = new ClusterObjectCache({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
      logger: mockServices.logger.mock(),
      onChange: () => {},
    });
  });
  afterEach(() => cache.stop());

  it('loses no update when kubectl writes between the read and the patch', async () => {
    const ns = await createTestNamespace('race');
    await createWebService(ns);
    cache.start();
    await cache.waitForSync(10_000);
    const router = new IstioTrafficRouter(cache);
    // Synchronous on purpose: the write lands after the plugin read the
    // object and before it sends its patch.
    const kubectlWins = () =>
      execSync(
        `${cluster().kubectl} --kubeconfig ${
          cluster().kubeconfigs.admin
        } -n ${ns} patch vs web --type=json -p '[{"op":"replace","path":"/spec/http/1/route/0/weight","value":60},{"op":"replace","path":"/spec/http/1/route/1/weight","value":40}]'`,
      );

    const attempt = router.change({
      ref: { namespace: ns, name: 'web' },
      route: 'primary',
      operation: { type: 'promote-full' },
      dryRun: false,
      check: () => kubectlWins(),
    });

    await expect(attempt).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('changed since it was read'),
      current: {
        route: expect.objectContaining({
          destinations: [
            expect.objectContaining({ weight: 60 }),
            expect.objectContaining({ weight: 40 }),
          ],
        }),
      },
    });
    expect(weightsOf(await readVs(ns))).toEqual([60, 40]);
  });

  it('applies on top of a change to another field, which survives', async () => {
    const ns = await createTestNamespace('race-rv');
    await createWebService(ns);
    cache.start();
    await cache.waitForSync(10_000);
    const router = new IstioTrafficRouter(cache);
    let labelled = false;

    const attempt = router.change({
      ref: { namespace: ns, name: 'web' },
      route: 'primary',
      operation: { type: 'promote-full' },
      dryRun: false,
      check: () => {
        if (labelled) return;
        execSync(
          `${cluster().kubectl} --kubeconfig ${
            cluster().kubeconfigs.admin
          } -n ${ns} label vs web touched=yes`,
        );
        labelled = true;
      },
    });

    // The first patch fails its resourceVersion test; the route itself is
    // unchanged, so the change is planned again on the fresh object.
    await expect(attempt).resolves.toMatchObject({
      resourceVersionAfter: expect.any(String),
    });
    expect(labelled).toBe(true);
    const vs = await readVs(ns);
    expect(weightsOf(vs)).toEqual([0, 100]);
    expect(vs.metadata.labels.touched).toBe('yes');
  });
});

function cluster(): { kubectl: string; kubeconfigs: { admin: string } } {
  return JSON.parse(
    readFileSync(process.env.ISTIO_ROLLOUTS_TEST_CLUSTER!, 'utf8'),
  );
}
