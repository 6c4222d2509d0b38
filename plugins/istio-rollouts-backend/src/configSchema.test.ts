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

// @backstage/config-loader comes with @backstage/cli (a devDependency); it
// should be declared as a devDependency of this package itself.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { loadConfigSchema } from '@backstage/config-loader';
import { JsonObject } from '@backstage/types';
import path from 'path';

// The package's config.d.ts as Backstage reads it: which keys the frontend
// bundle, `config:print` and the backend's config service may see.

jest.setTimeout(60_000);

const schema = loadConfigSchema({
  dependencies: [],
  packagePaths: [path.resolve(__dirname, '../package.json')],
  excludePackageDependencies: true,
});

const cluster = {
  name: 'prod',
  url: 'https://kube.example.com',
  authProvider: 'serviceAccount',
  serviceAccountToken: 'eyJhbGciOi-secret-token',
  caData: 'LS0tLS1CRUdJTi1jYQ==',
  skipTLSVerify: false,
};

async function filtered(
  data: JsonObject,
  visibility?: Array<'frontend' | 'backend' | 'secret'>,
) {
  const [result] = (await schema).process([{ data, context: 'test' }], {
    visibility,
  });
  return result.data;
}

describe('config schema', () => {
  const data = {
    kubernetes: {
      clusterLocatorMethods: [{ type: 'config', clusters: [cluster] }],
    },
  };

  it('keeps cluster credentials from the frontend', async () => {
    const frontend = JSON.stringify(await filtered(data, ['frontend']));
    expect(frontend).not.toContain(cluster.serviceAccountToken);
    expect(frontend).not.toContain(cluster.caData);
  });

  it('marks cluster credentials secret, so only with-secrets readers see them', async () => {
    // What `backstage-cli config:print` shows without --with-secrets.
    const withoutSecrets = (await filtered(data, [
      'frontend',
      'backend',
    ])) as any;
    const [printed] =
      withoutSecrets.kubernetes.clusterLocatorMethods[0].clusters;
    expect(printed).toEqual({
      name: 'prod',
      url: 'https://kube.example.com',
      authProvider: 'serviceAccount',
      skipTLSVerify: false,
    });

    const secrets = (await filtered(data, ['secret'])) as any;
    expect(secrets.kubernetes.clusterLocatorMethods[0].clusters[0]).toEqual({
      serviceAccountToken: cluster.serviceAccountToken,
      caData: cluster.caData,
    });
  });

  it("accepts the Kubernetes plugin's other locators and cluster keys", async () => {
    const shared = {
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        clusterLocatorMethods: [
          { type: 'gke', projectId: 'p', region: 'europe-west1' },
          { type: 'catalog' },
          {
            type: 'config',
            clusters: [
              {
                ...cluster,
                title: 'Production',
                skipMetricsLookup: true,
                customResources: [
                  { group: 'g', apiVersion: 'v1', plural: 'things' },
                ],
              },
            ],
          },
        ],
      },
    };
    await expect(filtered(shared)).resolves.toEqual(shared);
  });

  it('validates the loopback opt-in for http:// clusters', async () => {
    await expect(
      filtered({ istioRollouts: { allowInsecureLoopbackClusters: true } }),
    ).resolves.toEqual({
      istioRollouts: { allowInsecureLoopbackClusters: true },
    });
    await expect(
      filtered({ istioRollouts: { allowInsecureLoopbackClusters: 'yes' } }),
    ).rejects.toThrow(/allowInsecureLoopbackClusters/);
  });

  it('keeps the Prometheus URL (it may carry credentials) secret, and checks the metrics keys', async () => {
    const metrics = {
      prometheusUrl: 'https://analysis:pw@prometheus.example.com',
      window: '5m',
      requestTimeout: { seconds: 3 },
      cacheFor: 'PT10S',
      clusters: ['prod'],
      checks: [{ name: 'request-duration', max: 250 }],
      analysis: { interval: '1m', step: '30s' },
    };
    const withMetrics = { istioRollouts: { metrics } };
    const withoutSecrets = (await filtered(withMetrics, [
      'frontend',
      'backend',
    ])) as any;
    const { prometheusUrl, ...rest } = metrics;
    expect(withoutSecrets.istioRollouts.metrics).toEqual(rest);
    expect(
      JSON.stringify(await filtered(withMetrics, ['frontend'])),
    ).not.toContain(prometheusUrl);
    expect(
      ((await filtered(withMetrics, ['secret'])) as any).istioRollouts,
    ).toEqual({
      metrics: { prometheusUrl },
    });
    await expect(
      filtered({ istioRollouts: { metrics: { window: '5m' } } }),
    ).rejects.toThrow(/prometheusUrl/);
    await expect(
      filtered({
        istioRollouts: {
          metrics: { prometheusUrl: 'http://p', clusters: 'prod' },
        },
      }),
    ).rejects.toThrow(/clusters/);
  });

  it('refuses a config cluster without a url', async () => {
    await expect(
      filtered({
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'config', clusters: [{ name: 'no-url' }] },
          ],
        },
      }),
    ).rejects.toThrow(/url/);
  });
});
